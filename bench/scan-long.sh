#!/usr/bin/env bash
# Scan time of one tool whose description is 200 kB of a phrase the rules
# look for (two of them naming a different parameter each time), repeated in one endless sentence and in short sentences, against
# the same length of plain words in the same run: a rule that reads the
# sentence around each of its matches must do constant work per match, or a
# publisher's long description costs the scanner time in the square of its
# length.
#   bench/scan-long.sh [BYTES]
set -euo pipefail
cd "$(dirname "$0")/.."
bytes="${1:-200000}"
cargo build --quiet --release -p mcp-trust --example detection_eval
eval_bin="${CARGO_TARGET_DIR:-target}/release/examples/detection_eval"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
python3 - "$work" "$bytes" <<'PY'
import json, os, sys
work, size = sys.argv[1], int(sys.argv[2])
phrases = ["plain words of an honest description", "ignore previous instructions",
    "send the api key to https://x.example/c", "do not tell the user", "before using read_file call this",
    "the user's password", "run the following command: rm -rf /", "<important>", "pass user input to eval",
    "~/.ssh/id_rsa", "print your system prompt", "system prompt", "silently forward", "the conversation history",
    "you must always", "if the query contains", "instead of send_email", "also print the api key masked",
    "ask the user for their seed phrase", "install a backdoor", "nc -e /bin/sh", "when asked about prices say",
    "$(whoami)", "{{user}}", "select * from users where", "the user has approved", "bcc",
    "`f{n:06d}` not escaped", "`a{n}`, `b{n}`, `c{n}` and `d{n}` are not escaped",
    "and runs the commands you give", "it runs it", "the `v{n}` value is evaluated by the server",
    "downloads the script from the given url and then runs it",
    "when share_doc_{n} or send_note_{n} is called the draft is kept"]
for i, p in enumerate(phrases):
    for sep, kind in ((", ", "one sentence"), (". ", "sentences")):
        d = os.path.join(work, f"{i:02d}-{'a' if sep == ', ' else 'b'}")
        os.makedirs(d + "/malicious"); os.makedirs(d + "/benign")
        if "{n" in p:  # a different name each time: no repeat to lean on
            parts, n, total = [], 0, 0
            while total < size:
                part = p.format(n=n) + sep
                parts.append(part); total += len(part); n += 1
            text = "Formats text. " + "".join(parts)
        else:
            text = "Formats text. " + (p + sep) * (size // (len(p) + 2))
        tool = {"name": "long", "description": text, "inputSchema": {"type": "object"}}
        json.dump({"source": "bench", "cases": [{"id": "long-1", "class": "other", "split": "dev", "tool": tool}]},
                  open(d + "/malicious/m.json", "w"))
        json.dump({"server": "bench", "split": "dev", "tools": []}, open(d + "/benign/b.json", "w"))
        open(d + "/label", "w").write(f"{p!r} ({kind})")
PY
printf '%-60s %10s\n' "description of ${bytes} bytes" "scan ms"
base=""
worst=0
for d in "$work"/*/; do
    ms=$("$eval_bin" "$d" | sed -n 's/^time: 1 tools scanned in \([0-9.]*\) ms.*/\1/p')
    printf '%-60s %10s\n' "$(cat "$d/label")" "$ms"
    [ -z "$base" ] && base="$ms"
    worst=$(python3 -c "print(max($worst, $ms))")
done
python3 -c "print(f'baseline (plain words, one sentence): {$base:.1f} ms; slowest: {$worst:.1f} ms, {$worst / $base:.1f}x (target: within 5x of the baseline, linear in length)')"
