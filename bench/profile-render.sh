#!/usr/bin/env bash
# Cost of deriving and rendering a runtime profile, against the baseline of
# validating the same manifest (which every render does first), measured in
# one process over testdata/manifests/profiles/:
#   bench/profile-render.sh [ROUNDS] [--release]
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-200}"
profile_flag=()
[ "${2:-}" = "--release" ] && profile_flag=(--release)
cargo run -q "${profile_flag[@]}" -p mcp-trust --example profile_bench -- "$rounds"
