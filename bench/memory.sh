#!/usr/bin/env bash
# Peak and steady memory of `mcp-registry serve` at scale: bulk-loads SERVERS
# servers into an embedded store once, then, for each configuration, starts
# the registry on a fresh copy of that store, so each run does the first
# signing of every record, and reads the process's peak RSS (VmHWM) once the
# signed catalog is served and the tool index is loaded, and its RSS
# (VmRSS) SETTLE seconds later: first as shipped, then once per extra
# configuration, which differs only in its environment. The baseline of
# the same run is glibc's own settings:
#   CONFIGS='glibc defaults:GLIBC_TUNABLES=glibc.malloc.arena_max=16'
# (any glibc.malloc setting in the environment turns the server's off).
# Target (issue #17): ≤ 300 MB (286 MiB) at 100,000 servers, in the first
# signing and in steady serving.
#
#   bench/memory.sh [SERVERS] [SETTLE]     # defaults 100000 5
#
# Extra configurations: CONFIGS='label:ENV=VALUE,ENV2=VALUE;label2:…'.
# STORE=DIR keeps the bulk-loaded store in DIR and reuses it on later runs
# (a 100,000-server bulk load takes about four minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
servers="${1:-100000}"; settle="${2:-5}"
cargo build --release --quiet --locked -p mcp-registry --bin mcp-registry --example bulk_load
target="${CARGO_TARGET_DIR:-target}/release"
tmp="$(mktemp -d)"
trap 'kill -9 "${reg_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"' EXIT
port="$(free_port)"
reg="http://127.0.0.1:$port"
code() { curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$@"; }
pristine="${STORE:-$tmp/pristine}"
if [ -e "$pristine/registry.redb" ]; then
  echo "reusing the store in $pristine"
else
  t=$(date +%s)
  "$target/examples/bulk_load" "$pristine" "$servers" 1 >/dev/null
  echo "bulk load: $servers servers in $(( $(date +%s) - t )) s"
fi
mib() { awk -v k="$1:" '$1 == k { printf "%d", $2 / 1024 }' "/proc/$reg_pid/status"; }
# run LABEL [ENV=VALUE …]
run() {
  local label="$1"; shift
  rm -rf "$tmp/data"; cp -r "$pristine" "$tmp/data"
  : > "$tmp/registry.log"
  local t0; t0=$(date +%s%N)
  env "$@" RUST_LOG=warn,mcp_registry::publish=info "$target/mcp-registry" serve --data-dir "$tmp/data" \
    --listen "127.0.0.1:$port" --rate-limit-per-ip 0 2>>"$tmp/registry.log" &
  reg_pid=$!
  until [ "$(code "$reg/v0.1/catalog")" = 200 ]; do
    kill -0 "$reg_pid" 2>/dev/null || { echo "the registry exited:" >&2; tail -20 "$tmp/registry.log" >&2; exit 1; }
    sleep 0.05
  done
  local served=$(( ($(date +%s%N) - t0) / 1000000 ))
  until grep -q "tool index loaded" "$tmp/registry.log"; do sleep 0.05; done
  local peak; peak=$(mib VmHWM)
  sleep "$settle"
  local steady; steady=$(mib VmRSS)
  printf '  %-28s catalog served in %6d ms   peak %4d MiB   after %ss %4d MiB   (target 286 MiB: %s)\n' \
    "$label" "$served" "$peak" "$settle" "$steady" "$([ "$peak" -le 286 ] && [ "$steady" -le 286 ] && echo met || echo MISSED)"
  kill -9 "$reg_pid"; wait "$reg_pid" 2>/dev/null || true
}
echo "first start on a copy of the store, $servers servers:"
run "as shipped"
IFS=';' read -ra extra <<<"${CONFIGS:-}"
for c in "${extra[@]}"; do
  [ -n "$c" ] || continue
  IFS=',' read -ra envs <<<"${c#*:}"
  run "${c%%:*}" "${envs[@]}"
done
