#!/usr/bin/env bash
# Restart to serving at scale: bulk-loads SERVERS servers into an embedded
# store, starts the registry until its first signed catalog (the first
# signing, done once), stops it with SIGKILL, and starts it again on the
# same store with nothing changed, ROUNDS times. For each restart it prints
# the time from the process start to /readyz 200, to the first 200 of
# GET /v0.1/catalog, and to the first 200 of a shard in gzip, and the peak
# RSS once the tool index (loaded after the catalog is served) is loaded too. Target (issue: restart without an outage): the last
# signed catalog served within 1 s at 100,000 servers. Exit status 1 when
# the median misses it.
#
#   bench/restart.sh [SERVERS] [ROUNDS]    # defaults 100000 3
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
servers="${1:-100000}"; rounds="${2:-3}"
cargo build --release --quiet --locked -p mcp-registry --bin mcp-registry --example bulk_load
target="${CARGO_TARGET_DIR:-target}/release"
tmp="$(mktemp -d)"; data="$tmp/data"
trap 'kill -9 "${reg_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
port="$(free_port)"
reg="http://127.0.0.1:$port"
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
code() { curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$@"; }

t=$(now_ms)
"$target/examples/bulk_load" "$data" "$servers" 1 >/dev/null
echo "bulk load: $servers servers in $(( ($(now_ms) - t) / 1000 )) s"

# Starts the registry (in this shell: reg_pid is set here); waits until it
# serves the index (polled alone, every 10 ms), then reads /readyz and the
# largest shard in gzip; prints the three times and the peak RSS.
start() {
  local t0 ready index shard hex
  t0=$(now_ms)
  : > "$tmp/registry.log"
  RUST_LOG=warn,mcp_registry::publish=info "$target/mcp-registry" serve --data-dir "$data" --listen "127.0.0.1:$port" \
    --rate-limit-per-ip 0 2>>"$tmp/registry.log" &
  reg_pid=$!
  local deadline=$(( t0 + 600000 ))
  until [ "$(code "$reg/v0.1/catalog")" = 200 ]; do
    kill -0 "$reg_pid" 2>/dev/null || { echo "the registry exited:" >&2; tail -20 "$tmp/registry.log" >&2; exit 1; }
    [ "$(now_ms)" -lt "$deadline" ] || { echo "not serving after 600 s" >&2; exit 1; }
    sleep 0.01
  done
  index=$(( $(now_ms) - t0 ))
  until [ "$(code "$reg/readyz")" = 200 ]; do sleep 0.01; done
  ready=$(( $(now_ms) - t0 ))
  hex=$(curl -fsS "$reg/v0.1/catalog" | python3 -c 'import json,sys,base64; e=json.load(sys.stdin); p=json.loads(base64.b64decode(e["payload"])); print(max(p["shards"], key=lambda s: s["size"])["sha256"].split(":")[1])')
  until [ "$(code -H 'Accept-Encoding: gzip' "$reg/v0.1/catalog/shards/$hex")" = 200 ]; do sleep 0.01; done
  shard=$(( $(now_ms) - t0 ))
  # The peak counts the tool index too, which loads once the catalog is served.
  until grep -q "tool index loaded" "$tmp/registry.log"; do
    [ "$(now_ms)" -lt "$deadline" ] || { echo "tool index not loaded after 600 s" >&2; exit 1; }
    sleep 0.05
  done
  echo "$ready $index $shard $(awk '/^VmHWM/ { printf "%d", $2 / 1024 }' "/proc/$reg_pid/status")"
}

start > "$tmp/times"; read -r ready index shard rss < "$tmp/times"
echo "first start (first signing): index ${index} ms, /readyz ${ready} ms, largest shard gzip ${shard} ms, peak RSS ${rss} MiB"
kill -9 "$reg_pid"; wait "$reg_pid" 2>/dev/null || true
indexes=()
for i in $(seq "$rounds"); do
  start > "$tmp/times"; read -r ready index shard rss < "$tmp/times"
  echo "restart $i (nothing changed): index ${index} ms, /readyz ${ready} ms, largest shard gzip ${shard} ms, peak RSS ${rss} MiB"
  indexes+=("$index")
  kill -9 "$reg_pid"; wait "$reg_pid" 2>/dev/null || true
done
median=$(printf '%s\n' "${indexes[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
verdict=met; [ "$median" -le 1000 ] || verdict=missed
echo "restart to the signed catalog served: median ${median} ms (target <= 1000 ms at 100,000 servers) -> $verdict"
[ "$verdict" = met ] || [ "$servers" -lt 100000 ]
