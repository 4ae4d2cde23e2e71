#!/usr/bin/env bash
# Catalog signing at scale: bulk-load SERVERS versions into an embedded store,
# sign the whole catalog once (a first start), then time PUBLISHES publishes,
# each followed by the signing of the next index (what the background task
# does right after a publish). The publish commit alone is printed as the
# baseline of the same run.
#
#   bench/catalog-latency.sh [SERVERS] [PUBLISHES]
#
# Builds release binaries; everything stays in a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
servers="${1:-100000}"; publishes="${2:-200}"
cargo build --release --quiet -p mcp-registry --example bulk_load --example catalog_latency
target="${CARGO_TARGET_DIR:-target}/release"
data="$(mktemp -d)"
trap 'rm -rf "$data"' EXIT
start=$(date +%s)
"$target/examples/bulk_load" "$data" "$servers" 1 >/dev/null
echo "bulk load: $servers versions in $(( $(date +%s) - start )) s"
/usr/bin/time -f "peak RSS %M KiB" "$target/examples/catalog_latency" "$data" "$publishes"
