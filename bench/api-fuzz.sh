#!/usr/bin/env bash
# API fuzzing with schemathesis (PyPI) against the live registry's own
# /openapi.json: every operation, the admin ones with an admin token and
# publishing with a namespace token, generated from the document and from
# its negation. Fails on a 5xx, a response that violates the documented
# schema, a status code the document does not list, a schema-violating
# request that is accepted, or a malformed response. Not checked: that every
# schema-valid request is accepted (`positive_data_acceptance`), since the
# API refuses values no schema can describe (cursors it did not issue, a log
# range whose end is before its start, a namespace name that is not
# reverse-DNS) with a documented 400.
#
#   bench/api-fuzz.sh [EXAMPLES]
#
# Default: 100 examples per operation and phase. PROFILE=debug uses a debug
# build (scripts/test runs 10 examples so).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
profile="${PROFILE:-release}"
cargo_profile="$([ "$profile" = debug ] && echo dev || echo "$profile")"
examples="${1:-100}"
venv="${MCP_TRUST_VENVS:-$HOME/.cache/mcp-trust/venvs}/schemathesis"
if ! "$venv/bin/st" --version 2>/dev/null | grep -q '4.32.5'; then
  mkdir -p "$(dirname "$venv")"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "schemathesis==4.32.5"
fi
cargo build -q --locked --profile "$cargo_profile" -p mcp-registry --bins
bin="${CARGO_TARGET_DIR:-$PWD/target}/$profile/mcp-registry"
work="$(mktemp -d)"
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
"$bin" --data-dir "$work/data" admin namespace create io.github.acme \
  --signer-identity-regexp 'https://github\.com/acme/.+' \
  --signer-issuer https://token.actions.githubusercontent.com >/dev/null
"$bin" --data-dir "$work/data" admin token create --admin 2>/dev/null > "$work/admin.token"
"$bin" --data-dir "$work/data" admin token create --namespace io.github.acme 2>/dev/null > "$work/acme.token"
port="$(free_port)"
NO_COLOR=1 "$bin" --data-dir "$work/data" serve --listen "127.0.0.1:$port" \
  --trusted-root testdata/signatures/public-good-trusted-root.json \
  --rate-limit-per-ip 0 --rate-limit-per-token 0 > "$work/registry.log" 2>&1 &
pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.1; done
run() {
  local token="$1"; shift
  # From the scratch directory: schemathesis keeps a cache in its working directory.
  (cd "$work" && "$venv/bin/st" run "http://127.0.0.1:$port/openapi.json" --no-color \
    -H "Authorization: Bearer $(cat "$token")" \
    --exclude-checks positive_data_acceptance \
    --max-examples "$examples" --seed 1 "$@")
}
status=0
echo "==> every operation, admin token ($examples examples per operation and phase)"
run "$work/admin.token" > "$work/admin.out" 2>&1 || status=1
tail -n 25 "$work/admin.out"
echo "==> publishing, namespace token"
run "$work/acme.token" --include-path /v0.1/publish > "$work/publish.out" 2>&1 || status=1
tail -n 15 "$work/publish.out"
if [ "$status" -ne 0 ]; then
  echo "schemathesis found failures; the registry log follows" >&2
  grep -E "ERROR|panicked" "$work/registry.log" | tail -20 >&2 || true
  sed -n '/FAILURES/,/SUMMARY/p' "$work/admin.out" "$work/publish.out" >&2
fi
exit "$status"
