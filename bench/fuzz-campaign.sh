#!/usr/bin/env bash
# Mutation campaign over every parser and verifier that reads untrusted bytes
# (trust/tests/fuzz_campaign.rs): a production Sigstore bundle, DSSE
# envelopes, signed checkpoints, inclusion and consistency proofs, manifests,
# Docker catalog entries, JSON-RPC lines through the guard and the responses
# a catalog client fetches, each mutated
# CASES times. Fails on a panic or on a mutated input accepted as something
# other than the original; prints per target how many mutations were still
# accepted (with the original's claims).
#
#   bench/fuzz-campaign.sh [CASES] [SEED]
#
# Defaults: 10,000 cases per target, a seed from the clock (printed; pass it
# to replay). `cargo test` runs 300 cases per target with seed 0.
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${1:-10000}"
seed="${2:-$(date +%s)}"
echo "fuzz campaign: $cases mutations per target, seed $seed"
MCP_TRUST_FUZZ_CASES="$cases" MCP_TRUST_FUZZ_SEED="$seed" \
  cargo test -q --release --locked -p mcp-trust --test fuzz_campaign -- --nocapture --test-threads 1 2>&1 \
  | grep -E '^fuzz |^test result|panicked|minimal failing|FAILED' || true
test "${PIPESTATUS[0]}" -eq 0
