#!/usr/bin/env bash
# Overload campaign (registry/examples/overload_campaign.rs): the registry
# binary at twice its rate limits (429 with Retry-After, no 5xx, verification
# slots never exceeded, memory and descriptors printed), then under slow
# clients trickling headers or bodies (each cut by its timeout; a normal
# reader's p99 within 3x). Exits 1 when a property breaks.
#
#   bench/overload-campaign.sh [SECONDS] [SLOW_CONNECTIONS]
#
# Defaults: 60 s at twice the limits (after both buckets are emptied), 300
# slow connections. PROFILE=debug uses
# debug builds (scripts/test runs 10 s and 100 connections so).
set -euo pipefail
cd "$(dirname "$0")/.."
profile="${PROFILE:-release}"
cargo_profile="$([ "$profile" = debug ] && echo dev || echo "$profile")"
cargo build -q --locked --profile "$cargo_profile" -p mcp-registry -p mcp-verify --bins
cargo run -q --locked --profile "$cargo_profile" -p mcp-registry --example overload_campaign -- \
  --seconds "${1:-60}" --slow "${2:-300}"
