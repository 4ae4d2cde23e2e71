#!/usr/bin/env bash
# Publish throughput and latency with full verification (discovery in a real
# loopback docker-registry, Sigstore verification, namespace binding, one
# store transaction), on a small and a large pre-loaded catalog, each against a
# baseline in the same run without verification.
#
#   bench/registry-publish.sh [PUBLISHES] [CONCURRENCY] [SMALL] [LARGE]
#
# Defaults: 200 publishes, 8 clients, 1000 and 100000 stored servers.
# Targets: >= 300 verified publishes/s; p50 at LARGE <= 1.5x p50 at SMALL
# (each printed with met or MISSED).
# STORE=DIR keeps each bulk-loaded store in DIR/<servers>/ and copies it on
# later runs (a 100,000-server bulk load takes three to four minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run -q --release --locked -p mcp-registry --example publish_bench -- "${1:-200}" "${2:-8}" "${3:-1000}" "${4:-100000}"
