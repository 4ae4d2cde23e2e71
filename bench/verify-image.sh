#!/usr/bin/env bash
# `image@sha256:` verification end to end against a real loopback
# docker-registry: discovery (round trips and bounded fetches) and
# verification (crypto) timed apart, cold and warm, against a baseline of
# the bare GETs in the same run; then the whole `mcp-verify` process.
#
#   bench/verify-image.sh [RUNS]
#
# Needs docker-registry (scripts/test installs it). Figures go to
# docs/performance.md by hand, with this command.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-50}"
cargo run -q --release --locked -p mcp-trust --example verify_image_bench -- "$runs"
