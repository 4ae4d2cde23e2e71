#!/usr/bin/env bash
# Serving the signed catalog over HTTP: the registry's GET /v0.1/catalog
# (signed index) and GET /v0.1/catalog/shards/{sha256} (largest shard), as
# 200 and as 304, measured with wrk against nginx serving the same
# precompressed bytes from files (gzip_static) in the same run. Targets, for
# each of the four requests: registry >= 70 % of nginx's req/s and p99 <=
# 1.5x nginx's. Also prints, for a store of SERVERS servers: time from
# server start to the first signed catalog, index and catalog sizes, and the
# time and bytes of a full `mcp-verify catalog pull`, of a second pull with
# nothing changed, and of a pull after one publish (target: bytes <= index +
# 2 shards).
#
#   bench/catalog-serve.sh [SERVERS] [SECONDS] [ROUNDS]   # defaults 1000 10 3
#
# Each wrk run lasts SECONDS (0: no wrk runs, catalog figures only); the
# registry and nginx runs alternate, ROUNDS times, and the medians are
# compared, so a burst of load from elsewhere on the machine hits both.
#
# Needs wrk, curl, python3 and nginx (Debian package; installed with apt-get
# when missing and running as root). Builds release binaries. Everything
# listens on 127.0.0.1, every run is bounded in time, and the servers are
# stopped on exit. Exit status 1 when a target is missed.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
servers="${1:-1000}"; secs="${2:-10}"; rounds="${3:-3}"
export PATH="$PATH:/usr/sbin"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 2; }
need_nginx
cargo build --release --quiet -p mcp-registry --bin mcp-registry --example bulk_load
cargo build --release --quiet -p mcp-verify --bin mcp-verify
target="${CARGO_TARGET_DIR:-target}/release"

tmp="$(mktemp -d)"; chmod 755 "$tmp"          # nginx workers may run as nobody
data="$tmp/data"; www="$tmp/www"; mkdir -p "$data" "$www/shards" "$tmp/nginx"
trap 'kill "${reg_pid:-}" "${nginx_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
size() { awk -v b="$1" 'BEGIN { if (b < 1024) printf "%d B", b; else if (b < 1048576) printf "%.1f KiB", b / 1024; else printf "%.1f MiB", b / 1048576 }'; }
get() { curl -fsS --max-time 30 "$@"; }

start=$(date +%s%N)
"$target/examples/bulk_load" "$data" "$servers" 1 >/dev/null
echo "bulk load: $servers servers x 1 version in $(( $(ms_since "$start") / 1000 )) s"

reg_port=$(free_port); reg="http://127.0.0.1:$reg_port"
# Starts the registry on the store and waits for its first signed catalog.
start_registry() {
  RUST_LOG=warn "$target/mcp-registry" serve --data-dir "$data" --listen "127.0.0.1:$reg_port" \
    --rate-limit-per-ip 0 2>>"$tmp/registry.log" &
  reg_pid=$!
  local deadline=$(( $(date +%s) + 600 ))
  until [ "$(curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$reg/v0.1/catalog")" = 200 ]; do
    kill -0 "$reg_pid" 2>/dev/null || { echo "the registry exited:"; cat "$tmp/registry.log"; exit 1; }
    [ "$(date +%s)" -lt "$deadline" ] || { echo "no signed catalog after 600 s"; exit 1; }
    sleep 0.02
  done
}
start=$(date +%s%N)
start_registry
first_catalog_ms=$(ms_since "$start")
first_catalog_rss=$(awk '/^VmHWM/ { print $2 * 1024 }' "/proc/$reg_pid/status")

pull() {
  local t; t=$(date +%s%N)
  timeout 600 "$target/mcp-verify" catalog pull "$reg" --keys "$data/catalog-keys/root.pub" \
    --state "$tmp/pull-state" --output json >"$tmp/pull.json"
  pull_ms=$(ms_since "$t")
  pull_bytes=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["verified"]; print(r["summary"]["bytesFetched"])' "$tmp/pull.json")
}
pull; full_ms=$pull_ms; full_bytes=$pull_bytes
pull; again_ms=$pull_ms; again_bytes=$pull_bytes
# One publish, then an incremental pull: the new version goes into the
# stopped store (the same transaction a publish makes) and the registry's
# signing at start is the next index, naming one rewritten shard.
kill "$reg_pid"; wait "$reg_pid" 2>/dev/null || true
"$target/examples/bulk_load" "$data" --one io.github.bench/server-000000 9.9.9 >/dev/null
start_registry
pull; one_ms=$pull_ms; one_bytes=$pull_bytes
one_shards=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["summary"]["shardsFetched"])' "$tmp/pull.json")
index_size=$(get "$reg/v0.1/catalog" | wc -c)
largest_shard=$(get "$reg/v0.1/catalog" | python3 -c '
import base64, json, sys
print(max(s["size"] for s in json.loads(base64.b64decode(json.load(sys.stdin)["payload"]))["shards"]))')
one_budget=$(( index_size + 2 * largest_shard ))

# The index and every shard it names, identity and gzip.
get "$reg/v0.1/catalog" -o "$www/index.json"
get -H 'Accept-Encoding: gzip' "$reg/v0.1/catalog" -o "$www/index.json.gz"
python3 - "$www/index.json" >"$tmp/shards.txt" <<'EOF'
import base64, json, sys
payload = json.loads(base64.b64decode(json.load(open(sys.argv[1]))["payload"]))
for s in payload["shards"]:
    print(s["sha256"].removeprefix("sha256:"), s["size"])
EOF
read -r shard shard_size < <(sort -k2,2n "$tmp/shards.txt" | tail -1)
get "$reg/v0.1/catalog/shards/$shard" -o "$www/shards/$shard"
get -H 'Accept-Encoding: gzip' "$reg/v0.1/catalog/shards/$shard" -o "$www/shards/$shard.gz"
[ "$(stat -c %s "$www/shards/$shard")" = "$shard_size" ] || { echo "shard $shard is not the size the index names"; exit 1; }
shards_identity=$(awk '{ n += $2 } END { print n }' "$tmp/shards.txt")
awk -v u="$reg/v0.1/catalog/shards/" '{ print "url = \"" u $1 "\"\noutput = \"/dev/null\"" }' "$tmp/shards.txt" >"$tmp/shards.curl"
shards_gzip=$(curl -fsS --max-time 120 -H 'Accept-Encoding: gzip' -w '%{size_download}\n' -K "$tmp/shards.curl" | awk '{ n += $1 } END { print n }')
keys_size=$(get "$reg/v0.1/catalog/keys" | wc -c)
checkpoint_size=$(get "$reg/v0.1/log/checkpoint" | wc -c)

echo
echo "catalog of $servers servers"
printf '  %-44s %s ms, peak RSS %s\n' "server start to first signed catalog" "$first_catalog_ms" "$(size "$first_catalog_rss")"
printf '  %-44s %s (%s gzip)\n' "index" "$(size "$(stat -c %s "$www/index.json")")" "$(size "$(stat -c %s "$www/index.json.gz")")"
printf '  %-44s %s (%s gzip)\n' "largest shard" "$(size "$shard_size")" "$(size "$(stat -c %s "$www/shards/$shard.gz")")"
printf '  %-44s %s (%s gzip)\n' "shards, total ($(wc -l <"$tmp/shards.txt"))" "$(size "$shards_identity")" "$(size "$shards_gzip")"
printf '  %-44s %s / %s\n' "key statements / checkpoint" "$(size "$keys_size")" "$(size "$checkpoint_size")"
printf '  %-44s %s ms, %s fetched (decoded)\n' "full pull + verify (mcp-verify catalog pull)" "$full_ms" "$(size "$full_bytes")"
printf '  %-44s %s ms, %s fetched (decoded)\n' "second pull, nothing changed" "$again_ms" "$(size "$again_bytes")"
printf '  %-44s %s ms, %s fetched (decoded), %s shard(s)\n' "pull after one publish" "$one_ms" "$(size "$one_bytes")" "$one_shards"
one_verdict=PASS; [ "$one_bytes" -le "$one_budget" ] || one_verdict=FAIL
printf '  %-44s %s  (target: <= index + 2 largest shards = %s)\n' "  ... bytes within target" "$one_verdict" "$(size "$one_budget")"

[ "$secs" -gt 0 ] || { [ "$one_verdict" = PASS ]; exit; }

# nginx serving the same bytes at the same paths.
ngx_port=$(free_port); ngx="http://127.0.0.1:$ngx_port"
chmod -R a+rX "$www"
start_nginx "$tmp/nginx" <<EOF
    open_file_cache max=64 inactive=600s;
    open_file_cache_valid 600s;
    gzip off;
    gzip_static on;
    gzip_vary on;
    etag on;
    server {
        listen 127.0.0.1:$ngx_port reuseport;
        location = /v0.1/catalog {
            alias $www/index.json;
            add_header Cache-Control no-cache;
        }
        location /v0.1/catalog/shards/ {
            alias $www/shards/;
            add_header Cache-Control "public, max-age=31536000, immutable";
        }
    }
EOF
for _ in $(seq 100); do curl -fsS --max-time 1 -o /dev/null "$ngx/v0.1/catalog" 2>/dev/null && break; sleep 0.05; done

# Same gzip bytes from both; each server's own ETag for them; 304 with it.
etag() { curl -fsS --max-time 10 -H 'Accept-Encoding: gzip' -o /dev/null -D - "$1" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag" { print $2 }'; }
for path in /v0.1/catalog "/v0.1/catalog/shards/$shard"; do
  get -H 'Accept-Encoding: gzip' -o "$tmp/reg.gz" -D "$tmp/reg.head" "$reg$path"
  get -H 'Accept-Encoding: gzip' -o "$tmp/ngx.gz" -D "$tmp/ngx.head" "$ngx$path"
  grep -qi '^content-encoding: gzip' "$tmp/ngx.head" || { echo "nginx did not send gzip for $path"; exit 1; }
  grep -qi '^content-type: application/json' "$tmp/ngx.head" || { echo "nginx sent another content type for $path"; exit 1; }
  cmp -s "$tmp/reg.gz" "$tmp/ngx.gz" || { echo "gzip bodies differ for $path"; exit 1; }
  cmp -s <(get "$reg$path") <(get "$ngx$path") || { echo "identity bodies differ for $path"; exit 1; }
done
echo
echo "both servers send byte-identical gzip and identity bodies"
reg_index_etag=$(etag "$reg/v0.1/catalog"); ngx_index_etag=$(etag "$ngx/v0.1/catalog")
reg_shard_etag=$(etag "$reg/v0.1/catalog/shards/$shard"); ngx_shard_etag=$(etag "$ngx/v0.1/catalog/shards/$shard")
for pair in "$reg/v0.1/catalog|$reg_index_etag" "$ngx/v0.1/catalog|$ngx_index_etag" \
  "$reg/v0.1/catalog/shards/$shard|$reg_shard_etag" "$ngx/v0.1/catalog/shards/$shard|$ngx_shard_etag"; do
  url="${pair%%|*}"; tag="${pair#*|}"
  code=$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -H 'Accept-Encoding: gzip' -H "If-None-Match: $tag" "$url")
  [ "$code" = 304 ] || { echo "$url with If-None-Match: $tag answered $code, not 304"; exit 1; }
done
echo "each answers 304 to its own gzip ETag (registry $reg_index_etag, nginx $ngx_index_etag for the index)"

median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# CPU time (user + system, clock ticks) of the processes PIDS so far.
ticks() { local p t=0; for p in $1; do t=$(( t + $(awk '{ print $14 + $15 }' "/proc/$p/stat") )); done; echo "$t"; }
hz=$(getconf CLK_TCK)
# Case NAME PIDS URL [HEADER...]: one wrk run against the server whose
# processes are PIDS, appending "req/s p99-ms cpu-us-per-request" to $tmp/NAME.
run() {
  local name="$1" pids="$2" url="$3"; shift 3
  local args=(-H 'Accept-Encoding: gzip') h out before after
  for h in "$@"; do args+=(-H "$h"); done
  before=$(ticks "$pids")
  out=$(timeout $((secs + 30)) wrk -t2 -c64 -d"${secs}s" --latency "${args[@]}" "$url")
  after=$(ticks "$pids")
  if grep -qE 'Non-2xx|Socket errors' <<<"$out"; then
    echo "wrk reported errors for $url:"; grep -E 'Non-2xx|Socket errors' <<<"$out"; exit 1
  fi
  echo "$(awk '/Requests\/sec/ { print $2 }' <<<"$out") $(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$out")")" \
    "$(awk -v t=$(( after - before )) -v hz="$hz" '/requests in/ { printf "%.2f", t * 1e6 / hz / $1 }' <<<"$out")" >>"$tmp/$name"
}
ngx_pids=$(pgrep -P "$nginx_pid" | tr '\n' ' ')
index="/v0.1/catalog"; shard_path="/v0.1/catalog/shards/$shard"
echo
echo "wrk -t2 -c64 -d${secs}s --latency -H 'Accept-Encoding: gzip', registry and nginx alternating, median of $rounds rounds"
for r in $(seq "$rounds"); do
  echo "  round $r/$rounds"
  run healthz "$reg_pid" "$reg/healthz"
  run reg-index-200 "$reg_pid" "$reg$index"
  run ngx-index-200 "$ngx_pids" "$ngx$index"
  run reg-index-304 "$reg_pid" "$reg$index" "If-None-Match: $reg_index_etag"
  run ngx-index-304 "$ngx_pids" "$ngx$index" "If-None-Match: $ngx_index_etag"
  run reg-shard-200 "$reg_pid" "$reg$shard_path"
  run ngx-shard-200 "$ngx_pids" "$ngx$shard_path"
  run reg-shard-304 "$reg_pid" "$reg$shard_path" "If-None-Match: $reg_shard_etag"
  run ngx-shard-304 "$ngx_pids" "$ngx$shard_path" "If-None-Match: $ngx_shard_etag"
done
med() { awk -v c="$2" '{ print $c }' "$tmp/$1" | median; }
echo
echo "targets: registry req/s >= 70 % of nginx's, registry p99 <= 1.5x nginx's"
echo "(CPU: server CPU time per request, user + system, in microseconds; not a target)"
printf '%-11s %10s %9s %10s %9s %8s %8s  %-7s %s\n' "" "registry" "p99 ms" "nginx" "p99 ms" "req/s" "p99" "verdict" "CPU us registry / nginx"
failed=0; [ "$one_verdict" = PASS ] || failed=1
for case in index-200 index-304 shard-200 shard-304; do
  line=$(awk -v a="$(med "reg-$case" 1)" -v c="$(med "reg-$case" 2)" -v b="$(med "ngx-$case" 1)" -v d="$(med "ngx-$case" 2)" -v n="${case/-/ }" \
    'BEGIN { rr = a / b; pr = c / d; printf "%-11s %10.0f %9.2f %10.0f %9.2f %7.0f%% %7.2fx  %s", n, a, c, b, d, rr * 100, pr, (rr >= 0.70 && pr <= 1.5) ? "PASS" : "FAIL" }')
  echo "$line    $(med "reg-$case" 3) / $(med "ngx-$case" 3)"
  [[ "$line" == *PASS ]] || failed=1
done
printf '%-11s %10.0f %9.2f   (the registry'"'"'s HTTP stack and middleware alone; CPU %s us)\n' "healthz" "$(med healthz 1)" "$(med healthz 2)" "$(med healthz 3)"
exit "$failed"
