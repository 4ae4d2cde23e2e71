#!/usr/bin/env bash
# Whole-process `mcp-verify verify-bundle` versus sigstore-python 4.5.1 (behind
# the sigstore-conformance wrapper, same arguments) on the conformance
# `rekor2-happy-path` bundle, alternating runs in one invocation; peak RSS of
# each; then the in-process cost of our path versus a bare sigstore_verify call.
#
#   bench/verify-bundle.sh [RUNS]
#
# Targets: >= 100x faster than sigstore-python, <= 10 MB peak RSS, in-process
# ratio <= 1.1. Builds the release binary; makes a sigstore-python venv under
# ~/.cache when missing (needs python3-venv and PyPI). Figures go to
# docs/performance.md by hand, with this command.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
runs="${1:-20}"
case_dir="$root/testdata/sigstore-conformance/bundle-verify/rekor2-happy-path"
identity="https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
issuer="https://token.actions.githubusercontent.com"

cargo build --release --locked -p mcp-verify >/dev/null
ours_bin="${CARGO_TARGET_DIR:-$root/target}/release/mcp-verify"
venv="${SIGSTORE_PYTHON_VENV:-$HOME/.cache/sigstore-python-4.5.1}"
if ! "$venv/bin/python" -c 'import sigstore' 2>/dev/null; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q "sigstore==4.5.1"
fi
wrapper="$root/../shared/conformance/sigstore-python-conformance"

args=(verify-bundle --bundle "$case_dir/bundle.sigstore.json"
      --certificate-identity "$identity" --certificate-oidc-issuer "$issuer"
      --trusted-root "$case_dir/trusted_root.json" "$root/testdata/sigstore-conformance/bundle-verify/a.txt")
ours=("$ours_bin" "${args[@]}")
python=(env "PATH=$venv/bin:$PATH" "$venv/bin/python" "$wrapper" "${args[@]}")

"${ours[@]}" >/dev/null 2>&1 || { echo "mcp-verify does not verify the bundle" >&2; exit 1; }
"${python[@]}" >/dev/null 2>&1 || { echo "sigstore-python does not verify the bundle" >&2; exit 1; }

# Alternate the two so that machine load drifts onto both alike.
now_us() { local t=$EPOCHREALTIME; echo $(( ${t/./} )); }
ours_t=(); python_t=()
for _ in $(seq "$runs"); do
  t0=$(now_us); "${ours[@]}" >/dev/null 2>&1; t1=$(now_us)
  "${python[@]}" >/dev/null 2>&1; t2=$(now_us)
  ours_t+=($((t1 - t0))); python_t+=($((t2 - t1)))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
mo=$(median "${ours_t[@]}"); mp=$(median "${python_t[@]}")
rss() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ {print $2}'; }
ro=$(rss "${ours[@]}"); rp=$(rss "${python[@]}")

echo "whole process, rekor2-happy-path, $runs alternating runs (median wall time, peak RSS):"
div() { awk -v a="$1" -v b="$2" 'BEGIN {print a / b}'; }
printf '  mcp-verify verify-bundle       %10.2f ms  %8.1f MB\n' "$(div "$mo" 1000)" "$(div "$ro" 1024)"
printf '  sigstore-python 4.5.1          %10.2f ms  %8.1f MB\n' "$(div "$mp" 1000)" "$(div "$rp" 1024)"
printf '  speed-up                       %10.1fx     (target >= 100x)\n' "$(div "$mp" "$mo")"
printf '  mcp-verify peak RSS target     <= 10 MB: %s\n' "$([ "$ro" -le 10240 ] && echo met || echo MISSED)"

if command -v hyperfine >/dev/null; then
  echo
  echo "hyperfine (same commands, for its statistics):"
  hyperfine -N --warmup 3 --runs "$runs" --style basic \
    -n mcp-verify "$(printf '%q ' "${ours[@]}")" \
    -n sigstore-python "$(printf '%q ' "${python[@]}")" 2>&1 | sed 's/^/  /'
fi

echo
echo "in process (cargo bench -p mcp-trust --bench verify_bundle):"
cargo bench --locked -p mcp-trust --bench verify_bundle 2>/dev/null | sed 's/^/  /'
