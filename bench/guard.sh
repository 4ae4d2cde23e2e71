#!/usr/bin/env bash
# What `mcp-verify guard` costs on stdio: sequential tools/call round trips
# (p50/p90/p99) straight to a server, through a bare line relay, through the
# guard and the guard with an audit log, interleaved in the same run (target:
# guard p50 <= 1.1x direct); pipelined calls in messages/s (target: >= 20000
# through the guard); the guard's session alone in process. Servers: a
# minimal Rust echo server, and the npm server-everything when installed
# (MCP_EVERYTHING_JS=…/dist/index.js). Release build; exits 1 when a target
# is missed. --quick (or MCP_GUARD_BENCH_QUICK=1) runs in a few seconds, for CI.
#
#   bench/guard.sh [--quick] [ROUNDS [PIPELINED]]
#   taskset -c 0 bench/guard.sh      # one CPU: steady figures of each path's work
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -q --locked -p mcp-verify --bench guard -- "$@"
