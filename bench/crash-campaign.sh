#!/usr/bin/env bash
# Crash campaign on the embedded store: the registry binary under verified
# publishes, yanks and revocations, killed with SIGKILL at random moments
# (some right after a catalog key rotation and reload) and restarted; after
# each restart every acknowledged write must be served, nothing half-written,
# and a gateway's kept state must accept the new signed catalog (no rollback,
# log consistent, no entry lost); at the end the signed catalog must list
# exactly what was acknowledged. Exits 1 on the first broken property.
#
#   bench/crash-campaign.sh [CYCLES] [CLIENTS] [SEED]
#   STORE=postgres bench/crash-campaign.sh [CYCLES] …   two replicas on one
#       PostgreSQL (fsync on): a replica SIGKILLed each cycle, PostgreSQL itself
#       stopped -m immediate every fifth; one gateway pulls from both replicas
#
# Defaults: 200 cycles (60 with STORE=postgres), 4 clients, a seed from the
# clock (printed; pass it to replay). PROFILE=debug uses debug builds
# (scripts/test runs 20 cycles on each store so).
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${PROFILE:-release}"
cargo build -q --locked --profile "$([ "$profile" = debug ] && echo dev || echo "$profile")" -p mcp-registry -p mcp-verify --bins
default_cycles=200; [ "${STORE:-embedded}" = postgres ] && default_cycles=60
args=(--cycles "${1:-$default_cycles}" --clients "${2:-4}")
[ "${STORE:-embedded}" = postgres ] && args+=(--postgres)
[ -n "${3:-}" ] && args+=(--seed "$3")
cargo run -q --locked --profile "$([ "$profile" = debug ] && echo dev || echo "$profile")" -p mcp-registry --example crash_campaign -- "${args[@]}"
