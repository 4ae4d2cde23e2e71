#!/usr/bin/env bash
# The catalog page's server-side search at scale: GET /?q=… (and with
# filters) against bulk-loaded embedded stores of SMALL and LARGE servers,
# measured with wrk in one run, next to /healthz (the HTTP stack alone) as
# the baseline. Target: p99 ≤ 50 ms at LARGE, and the LARGE/SMALL latency
# ratio printed. Also prints the server's RSS before and after the index is
# built (the index is what the page searches).
#
#   bench/web-search.sh [SMALL] [LARGE] [SECONDS]    (defaults 1000 100000 10)
#
# Needs wrk (Debian package `wrk`). Builds release binaries. Traffic stays on
# 127.0.0.1 and every wrk run is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
small="${1:-1000}"; large="${2:-100000}"; secs="${3:-10}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 2; }
cargo build --release --quiet --locked -p mcp-registry --bin mcp-registry --example bulk_load
target="${CARGO_TARGET_DIR:-target}/release"
work="$(mktemp -d)"
pid=""
trap 'kill "$pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
rss() { awk '/VmRSS/ {printf "%.0f MiB", $2/1024}' "/proc/$1/status"; }
declare -A p99s
measure() {
  local n="$1" data="$work/$1"
  local start; start=$(date +%s)
  "$target/examples/bulk_load" "$data" "$n" 1 >/dev/null
  echo "== $n servers (bulk load $(( $(date +%s) - start )) s)"
  local port; port=$(free_port)
  RUST_LOG=warn "$target/mcp-registry" serve --data-dir "$data" --listen "127.0.0.1:$port" \
    --rate-limit-per-ip 0 2>"$data.log" &
  pid=$!
  for _ in $(seq 600); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
  local before; before=$(rss "$pid")
  local t0; t0=$(date +%s%N)
  curl -fsS -o /dev/null "http://127.0.0.1:$port/"
  echo "first page (builds the index): $(( ($(date +%s%N) - t0) / 1000000 )) ms; RSS $before before, $(rss "$pid") after"
  run() {
    local label="$1" path="$2"
    local out; out=$(wrk -t2 -c8 -d"${secs}s" --latency "http://127.0.0.1:$port$path")
    local rps p50 p99
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    printf '  %-46s %9s req/s   p50 %-9s p99 %s\n' "$label" "$rps" "$p50" "$p99"
    p99s["$n $label"]="$p99"
  }
  run "GET /healthz (baseline)" "/healthz"
  run "GET / (first page, all servers)" "/"
  run "GET /?q=server-000042 (one match)" "/?q=server-000042"
  run "GET /?q=nothing-matches (whole scan)" "/?q=nothing-matches"
  run "GET /?q=server-0&filter=network-none" "/?q=server-0&filter=network-none"
  echo "  RSS after the runs: $(rss "$pid")"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}
measure "$small"
measure "$large"
echo "== search p99 against the 50 ms target, and $large/$small ratio"
for label in "GET /?q=server-000042 (one match)" "GET /?q=nothing-matches (whole scan)" "GET /?q=server-0&filter=network-none"; do
  a=$(to_ms "${p99s["$small $label"]}"); b=$(to_ms "${p99s["$large $label"]}")
  awk -v l="$label" -v a="$a" -v b="$b" 'BEGIN { printf "  %-46s p99 %.2f ms at large (target ≤ 50: %s), ratio %.1f×\n", l, b, (b <= 50 ? "met" : "MISSED"), b / a }'
done
