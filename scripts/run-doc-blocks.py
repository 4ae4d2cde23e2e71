"""Runs the shell blocks of Markdown documents, each document in a fresh
directory, as its reader would: every ```sh (or bash, shell) block in order, in one bash
session per document (so a variable set in one block is seen by the next),
with `set -euo pipefail`. A block preceded by an HTML comment starting
`<!-- not run` is skipped (installing, example values the runner sets).

Called by scripts/demo (DEMO_THEN) with the loopback setup in QS_*
variables: REGISTRY and IMAGE are set from them, and the document's
directory holds server.json, token and root.pub. The real Sigstore is not
reachable offline, so `mcp-verify` is wrapped to add the private trusted
root and the loopback OCI registry to an image verification; everything
else runs as written.

    python3 scripts/run-doc-blocks.py DOC.md...
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

FENCE = re.compile(r"^```(\S*)\s*$")


def blocks(path):
    """(line number, language, text, skipped) of each fenced block."""
    out = []
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if m and m.group(1):
            start = i
            j = i + 1
            while j < len(lines) and not lines[j].startswith("```"):
                j += 1
            prev = next((l for l in reversed(lines[:start]) if l.strip()), "")
            skipped = prev.strip().startswith("<!-- not run")
            out.append((start + 1, m.group(1), "\n".join(lines[start + 1 : j]), skipped))
            i = j + 1
        else:
            i += 1
    return out


def wrapper(bindir, qs):
    """A directory whose mcp-verify adds the private trust root to image verification."""
    real = os.path.join(qs["QS_BIN"], "mcp-verify")
    subcommands = {
        "manifest", "import", "profile", "tools", "verify-bundle", "publish",
        "catalog", "run", "guard", "completions", "man", "help",
    }
    script = f"""#!/usr/bin/env bash
# Image verification against the private Sigstore of the loopback setup.
case "${{1:-}}" in
  {"|".join(sorted(subcommands))}|-*|"") exec "{real}" "$@" ;;
  *) exec "{real}" "$@" --trusted-root "{qs['QS_SAMPLE']}/trusted_root.json" --allow-insecure-registry "{qs['QS_OCI_HOST']}" ;;
esac
"""
    path = os.path.join(bindir, "mcp-verify")
    with open(path, "w") as f:
        f.write(script)
    os.chmod(path, 0o755)
    shutil.copy(os.path.join(qs["QS_BIN"], "mcp-registry"), bindir)


def main(docs):
    qs = {k: os.environ[k] for k in os.environ if k.startswith("QS_")}
    repo = os.getcwd()
    failed = 0
    for doc in docs:
        runnable = [b for b in blocks(doc) if b[1] in ("sh", "bash", "shell") and not b[3]]
        skipped = [b for b in blocks(doc) if b[3]]
        if not runnable:
            print(f"{doc}: no shell block to run", file=sys.stderr)
            failed += 1
            continue
        with tempfile.TemporaryDirectory() as work:
            bindir = os.path.join(work, ".bin")
            os.mkdir(bindir)
            wrapper(bindir, qs)
            # The demo already published the sample; a publisher following
            # the quickstart publishes a version that is new to the registry,
            # so its publish is verified rather than found unchanged.
            with open(os.path.join(qs["QS_SAMPLE"], "server.json")) as f:
                manifest = json.load(f)
            if "publisher" in doc:
                manifest["version"] = qs.get("QS_NEW_VERSION", "1.4.3")
            with open(os.path.join(work, "server.json"), "w") as f:
                json.dump(manifest, f, indent=2)
            shutil.copy(qs["QS_TOKEN"], os.path.join(work, "token"))
            os.chmod(os.path.join(work, "token"), 0o600)
            shutil.copy(qs["QS_ROOT_PUB"], os.path.join(work, "root.pub"))
            env = dict(os.environ)
            env.update(
                PATH=bindir + os.pathsep + env["PATH"],
                REGISTRY=qs["QS_REGISTRY"],
                IMAGE=qs["QS_IMAGE"],
                TRUSTED_ROOT=os.path.join(qs["QS_SAMPLE"], "trusted_root.json"),
                OCI_HOST=qs["QS_OCI_HOST"],
                DOCKER_CATALOG=os.path.join(repo, "testdata", "corpus", "docker-mcp-registry"),
                NO_COLOR="1",
            )
            script = ["set -euo pipefail"]
            for line, _, text, _ in runnable:
                script.append(f"printf '\\n--- %s:{line}\\n' {doc!r}")
                script.append(f"QS_BLOCK={line}")
                script.append(text)
            script.append(f"echo; echo '{doc}: {len(runnable)} blocks passed ({len(skipped)} not run)'")
            # A session of its own, so that what a document starts in the
            # background (servers) is stopped with it, even when it fails.
            proc = subprocess.Popen(
                ["bash", "-c", "\n".join(script)], cwd=work, env=env, start_new_session=True
            )
            returncode = proc.wait()
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            if returncode != 0:
                print(f"FAILED: {doc} (exit {returncode}): the block printed last failed", file=sys.stderr)
                failed += 1
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main(sys.argv[1:])
