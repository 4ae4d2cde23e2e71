#!/usr/bin/env bash
# Recall of the tool-surface rules on the labelled malicious set
# (testdata/threats/) and false positives on Docker's 82 real tools.json
# files, per severity, with the time to scan them all and a bare keyword rule
# as the baseline in the same run.
#   bench/scan-eval.sh [CORPUS_DIR] [-v]
# CORPUS_DIR defaults to $MCP_TRUST_DOCKER_CORPUS, then testdata/corpus/docker-mcp-registry.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${1:-${MCP_TRUST_DOCKER_CORPUS:-testdata/corpus/docker-mcp-registry}}"
shift || true
cargo run --quiet --release -p mcp-trust --example scan_eval -- testdata/threats "$corpus" "$@"
