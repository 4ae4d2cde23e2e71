#!/usr/bin/env bash
# The read API's `search` and `updated_since` at scale: GET /v0.1/servers
# with each, against bulk-loaded embedded stores of SMALL and LARGE servers,
# measured with wrk in one run, next to /healthz (the HTTP stack alone) and
# the unfiltered first page as baselines. Both filters are answered from
# the store's listing indexes (name suffixes and trigrams, versions by update time), so
# their latency should not grow with the catalog. Target: p99 at LARGE
# ≤ 1.5× p99 at SMALL for each filtered request. The registry runs with
# `--list-cache-mib 0`, so every answer is read from the indexes (a kept
# answer would measure the cache instead).
#
#   bench/registry-search.sh [SMALL] [LARGE] [SECONDS]    (defaults 1000 100000 10)
#
# STORE=DIR keeps each bulk-loaded store in DIR/<servers>/ and copies it on
# later runs (the same layout as bench/registry-publish.sh's STORE).
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
declare -A p99s
labels=(
  "search=server-000042 (one match)"
  "search=nothing-matches (no match)"
  "search=server-00004 (10 matches)"
  "search=r (short, dense)"
  "search=q9 (short, no match)"
  "updated_since=(one version since)"
  "updated_since=(every version)"
  "search=server-0&updated_since=(one)"
  "search=sb0io.github.bench/server- (crafted)"
  "search=serverver (common trigrams, rare whole)"
  "search=io.github.bench/server-000042 (full name)"
)
measure() {
  local n="$1" data="$work/$1"
  local start; start=$(date +%s)
  if [ -n "${STORE:-}" ] && [ -e "$STORE/$n/registry.redb" ]; then
    mkdir -p "$data" && cp "$STORE/$n/registry.redb" "$data/"
  else
    "$target/examples/bulk_load" "$data" "$n" 1 >/dev/null
    if [ -n "${STORE:-}" ]; then mkdir -p "$STORE/$n" && cp "$data/registry.redb" "$STORE/$n/"; fi
  fi
  sleep 0.01
  local since; since=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
  "$target/examples/bulk_load" "$data" --one io.github.bench/server-late 1.0.0 >/dev/null
  echo "== $n servers + 1 published later (bulk load $(( $(date +%s) - start )) s)"
  local port; port=$(free_port)
  RUST_LOG=warn "$target/mcp-registry" serve --data-dir "$data" --listen "127.0.0.1:$port" \
    --rate-limit-per-ip 0 --list-cache-mib 0 2>"$data.log" &
  pid=$!
  for _ in $(seq 600); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
  local base="http://127.0.0.1:$port/v0.1/servers"
  # Each filtered request must answer what the filter says, at every size.
  check() {
    local q="$1" want="$2" got
    got=$(curl -fsS "$base?$q&limit=100" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["servers"]))')
    [ "$got" = "$want" ] || { echo "?$q answered $got servers, expected $want"; exit 1; }
  }
  check "search=server-000042" 1
  check "search=nothing-matches" 0
  check "search=server-00004" 10
  check "search=q9" 0
  check "search=sb0io.github.bench/server-" 0
  check "search=serverver" 0
  check "search=io.github.bench/server-000042" 1
  check "updated_since=$since" 1
  check "search=server-0&updated_since=$since" 0
  check "search=server-late&updated_since=$since" 1
  run() {
    local label="$1" path="$2"
    local out; out=$(wrk -t2 -c8 -d"${secs}s" --latency "$path")
    local rps p50 p99
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    printf '  %-42s %9s req/s   p50 %-9s p99 %s\n' "$label" "$rps" "$p50" "$p99"
    p99s["$n $label"]="$p99"
  }
  run "GET /healthz (baseline)" "http://127.0.0.1:$port/healthz"
  run "first page, no filter (baseline)" "$base"
  run "${labels[0]}" "$base?search=server-000042"
  run "${labels[1]}" "$base?search=nothing-matches"
  run "${labels[2]}" "$base?search=server-00004"
  run "${labels[3]}" "$base?search=r"
  run "${labels[4]}" "$base?search=q9"
  run "${labels[5]}" "$base?updated_since=$since"
  run "${labels[6]}" "$base?updated_since=2000-01-01T00:00:00Z"
  run "${labels[7]}" "$base?search=server-0&updated_since=$since"
  run "${labels[8]}" "$base?search=sb0io.github.bench/server-"
  run "${labels[9]}" "$base?search=serverver"
  run "${labels[10]}" "$base?search=io.github.bench/server-000042"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
}
measure "$small"
measure "$large"
echo "== p99 at $large against p99 at $small (target ≤ 1.5×)"
for label in "first page, no filter (baseline)" "${labels[@]}"; do
  a=$(to_ms "${p99s["$small $label"]}"); b=$(to_ms "${p99s["$large $label"]}")
  awk -v l="$label" -v a="$a" -v b="$b" 'BEGIN { r = b / a; printf "  %-42s %7.2f ms → %7.2f ms   %.2f×  %s\n", l, a, b, r, (l ~ /baseline/ ? "" : (r <= 1.5 ? "met" : "MISSED")) }'
done
