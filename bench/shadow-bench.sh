#!/usr/bin/env bash
# Time to check one new server's tool names against a catalog of N servers
# (default 100000) in the shadowing index, against the pairwise scan it
# replaces (measured in the same run). Target: ≤ 10 ms per new server.
#   bench/shadow-bench.sh [SERVERS]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --quiet --release -p mcp-trust --example shadow_bench -- "${1:-100000}"
