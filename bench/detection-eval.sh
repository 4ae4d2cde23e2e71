#!/usr/bin/env bash
# Recall of the tool scan on poisoned tools published by other people, and
# false findings on real tools of 60 servers outside Docker's catalog
# (testdata/detection/), per part (development / held-out), class and
# source, with the time per tool.
#   bench/detection-eval.sh [-v]      -v lists every miss and every flagged real tool
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run --quiet --release -p mcp-trust --example detection_eval -- testdata/detection "$@"
