#!/usr/bin/env bash
# Soak campaign (registry/examples/soak_campaign.rs): the registry binary
# under a steady mix of verified publishes, yanks and revocations, reads of
# every kind and gateways pulling the signed catalog every 5 s, for SECONDS
# after a warm-up. Prints each window (reads, p50, p99, resident memory,
# open descriptors) and exits 1 when an answer breaks the API's contract, a
# pull fails, resident memory grows more than 10 %, descriptors grow, the
# read p99 rises more than 1.5x from the first half to the second, or the
# last signed catalog misses an acknowledged version.
#
#   bench/soak-campaign.sh [SECONDS] [WARMUP] [PRELOAD]
#   STORE=postgres bench/soak-campaign.sh …   the same on a PostgreSQL cluster
#
# Defaults: 600 s measured after 300 s of warm-up, 2,000 servers preloaded.
# The warm-up is the registry's grace for replaced shards (300 s, kept
# servable for gateways in the middle of a pull): memory reaches its steady
# state only once the first replaced shards age out.
# PROFILE=debug uses debug builds (scripts/test runs 40 s after 10 s, 100
# servers, on each store so).
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${PROFILE:-release}"
cargo_profile="$([ "$profile" = debug ] && echo dev || echo "$profile")"
cargo build -q --locked --profile "$cargo_profile" -p mcp-registry -p mcp-verify --bins
seconds="${1:-600}"
args=(--seconds "$seconds" --warmup "${2:-300}" --preload "${3:-2000}")
[ "$seconds" -lt 100 ] && args+=(--windows 4)
[ "${STORE:-embedded}" = postgres ] && args+=(--postgres)
cargo run -q --locked --profile "$cargo_profile" -p mcp-registry --example soak_campaign -- "${args[@]}"
