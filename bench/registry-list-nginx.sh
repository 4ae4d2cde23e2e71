#!/usr/bin/env bash
# The read API's first page against nginx serving the same bytes from a
# file, in the same run: GET /v0.1/servers (30 items) and
# GET /v0.1/servers?limit=100 from a bulk-loaded embedded store, then each
# answer saved and served by nginx at the same path; wrk runs on the two
# alternate ROUNDS times and the medians are compared. Target (issue #17):
# registry ≥ 50 % of nginx's req/s, p99 ≤ 2× nginx's.
#
#   bench/registry-list-nginx.sh [SERVERS] [VERSIONS] [SECONDS] [ROUNDS]   (defaults 10000 3 10 3)
#
# Needs wrk, curl, python3 and nginx (installed with apt-get when missing
# and run as root). Traffic stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
servers="${1:-10000}"; versions="${2:-3}"; secs="${3:-10}"; rounds="${4:-3}"
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)"; exit 2; }
need_nginx
cargo build --release --quiet --locked -p mcp-registry --bin mcp-registry --example bulk_load
target="${CARGO_TARGET_DIR:-target}/release"
tmp="$(mktemp -d)"; chmod 755 "$tmp"
www="$tmp/www"; mkdir -p "$www" "$tmp/nginx"
trap 'kill "${reg_pid:-}" "${nginx_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
"$target/examples/bulk_load" "$tmp/data" "$servers" "$versions" >/dev/null
reg_port=$(free_port); reg="http://127.0.0.1:$reg_port"
RUST_LOG=warn "$target/mcp-registry" serve --data-dir "$tmp/data" --listen "127.0.0.1:$reg_port" \
  --rate-limit-per-ip 0 2>"$tmp/registry.log" &
reg_pid=$!
for _ in $(seq 300); do curl -fsS "$reg/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS -o "$www/page30.json" "$reg/v0.1/servers"
curl -fsS -o "$www/page100.json" "$reg/v0.1/servers?limit=100"
echo "pages: $(wc -c <"$www/page30.json") bytes (30 items), $(wc -c <"$www/page100.json") bytes (100 items); $((servers * versions)) versions stored"
ngx_port=$(free_port); ngx="http://127.0.0.1:$ngx_port"
chmod -R a+rX "$www"
start_nginx "$tmp/nginx" <<CONF
    open_file_cache max=16 inactive=600s;
    server {
        listen 127.0.0.1:$ngx_port reuseport;
        location = /v0.1/servers {
            if (\$arg_limit = 100) { rewrite ^ /page100.json last; }
            rewrite ^ /page30.json last;
        }
        location / { root $www; }
    }
CONF
for _ in $(seq 100); do curl -fsS --max-time 1 -o /dev/null "$ngx/v0.1/servers" 2>/dev/null && break; sleep 0.05; done
for q in "" "?limit=100"; do
  cmp <(curl -fsS "$reg/v0.1/servers$q") <(curl -fsS "$ngx/v0.1/servers$q") \
    || { echo "nginx does not serve the registry's bytes for /v0.1/servers$q"; exit 1; }
done
echo "both serve byte-identical pages; wrk -t2 -c32 -d${secs}s, registry and nginx alternating, median of $rounds rounds"
measure() {
  local out; out=$(wrk -t2 -c32 -d"${secs}s" --latency "$1")
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(to_ms "$(awk '$1=="99%" {print $2}' <<<"$out")")"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-22s %10s %9s %10s %9s %8s %6s  %s\n' "" "registry" "p99 ms" "nginx" "p99 ms" "req/s" "p99" "verdict"
for q in "" "?limit=100"; do
  : > "$tmp/r"; : > "$tmp/n"
  for _ in $(seq "$rounds"); do
    measure "$reg/v0.1/servers$q" >> "$tmp/r"
    measure "$ngx/v0.1/servers$q" >> "$tmp/n"
  done
  rr=$(cut -d' ' -f1 "$tmp/r" | median); rp=$(cut -d' ' -f2 "$tmp/r" | median)
  nr=$(cut -d' ' -f1 "$tmp/n" | median); np=$(cut -d' ' -f2 "$tmp/n" | median)
  awk -v l="/v0.1/servers$q" -v rr="$rr" -v rp="$rp" -v nr="$nr" -v np="$np" 'BEGIN {
    ok = (rr / nr >= 0.5 && rp / np <= 2);
    printf "%-22s %10.0f %9.2f %10.0f %9.2f %7.0f%% %5.1fx  %s\n", l, rr, rp, nr, np, 100 * rr / nr, rp / np, ok ? "met" : "MISSED" }'
done
