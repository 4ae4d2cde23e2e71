#!/usr/bin/env bash
# The signed catalog at 100k servers generated in memory: index and catalog
# sizes, full client pull-and-verify from files (target <= 2 s) against the
# baseline of reading, hashing and parsing the same files, and the bytes of
# an incremental pull after one publish (target <= 2 shards + index) against
# a full re-download. Release build; figures go to docs/performance.md.
#
#   bench/catalog.sh [SERVERS] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench -q --locked -p mcp-trust --bench catalog -- "${1:-100000}" "${2:-3}"
