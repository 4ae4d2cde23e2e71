#!/usr/bin/env bash
# What `mcp-verify run` adds to the start of a container MCP server: spawn
# until the answer to `initialize`, for the bare `podman run` of exactly the
# argv `run --dry-run` prints and for `mcp-verify run` from a pulled catalog
# state (verification against a loopback registry, the guard), interleaved in
# the same run; p50/p90 of both and the difference (target: run p50 <= bare
# p50 + 50 ms). Also `run` from IMAGE@sha256 without a catalog, and where the
# time goes: `mcp-verify --version`, the verification alone, `run --dry-run`,
# and when `run` logs `verified` and `starting`. The signed busybox+awk probe
# image is built with buildah and pulled before anything is timed; images and
# containers are removed at the end. Release build; exits 1 when the target
# is missed. --quick (or MCP_RUN_STARTUP_BENCH_QUICK=1): 5 starts per path.
#
#   bench/run-startup.sh [--quick] [N]      # N starts per path (default 30)
#
# Needs podman, buildah, docker-registry and /bin/busybox (scripts/test
# installs them).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -q --locked -p mcp-verify --bench run_startup -- "$@"
