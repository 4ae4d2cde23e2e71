#!/usr/bin/env bash
# Read throughput of the registry: GET /v0.1/servers (first page, default 30
# items) and GET /v0.1/servers?version=latest against a bulk-loaded embedded
# store, measured with wrk; /healthz in the same run is the baseline (the cost
# of the HTTP stack alone), so the figures can be compared across machines.
#
#   bench/registry-list.sh [SERVERS] [VERSIONS] [SECONDS]
#
# Needs wrk (Debian package `wrk`). Builds release binaries. Traffic stays on
# 127.0.0.1 and every wrk run is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
servers="${1:-10000}"; versions="${2:-3}"; secs="${3:-10}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 2; }
cargo build --release --quiet -p mcp-registry --bin mcp-registry --example bulk_load
target="${CARGO_TARGET_DIR:-target}/release"
data="$(mktemp -d)"
trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$data"' EXIT
start=$(date +%s)
"$target/examples/bulk_load" "$data" "$servers" "$versions"
echo "bulk load: $((servers * versions)) versions in $(( $(date +%s) - start )) s"
port=$(free_port)
RUST_LOG=warn "$target/mcp-registry" serve --data-dir "$data" --listen "127.0.0.1:$port" \
  --rate-limit-per-ip 0 2>"$data/server.log" &
pid=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
run() {
  local label="$1" path="$2"
  local out; out=$(wrk -t2 -c32 -d"${secs}s" --latency "http://127.0.0.1:$port$path")
  local rps p99
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  printf '%-34s %10s req/s   p99 %s\n' "$label" "$rps" "$p99"
}
echo "wrk -t2 -c32 -d${secs}s, $((servers * versions)) versions ($servers servers × $versions)"
run "GET /healthz (baseline)" "/healthz"
run "GET /v0.1/servers" "/v0.1/servers"
run "GET /v0.1/servers?limit=100" "/v0.1/servers?limit=100"
run "GET /v0.1/servers?version=latest" "/v0.1/servers?version=latest"
run "GET /v0.1/servers?search=server-0099" "/v0.1/servers?search=server-0099"
