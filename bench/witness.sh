#!/usr/bin/env bash
# Witnessing: a witness's add-checkpoint throughput (each checked, cosigned
# and its state replaced with fsync) against a GET on the same server, and
# publish -> served signed index latency with two loopback witnesses against
# none, plus publish -> cosigned checkpoint; all in one run.
#
#   bench/witness.sh [SUBMISSIONS] [LOGS] [CONCURRENCY] [PUBLISHES]
#
# Defaults: 4000 submissions of 64 logs, 16 at once; 40 publishes.
# Targets: >= 1000 submissions/s; witnessing adds <= 20 % to publish -> index.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run -q --release --locked -p mcp-registry --example witness_bench -- "${1:-4000}" "${2:-64}" "${3:-16}" "${4:-40}"
