#!/usr/bin/env python3
"""Reads every rendered YAML file in DIR back with PyYAML (its pure-Python
parser and its libyaml one) and checks the documents are exactly the ones in
the JSON file beside it: no comment ended early, no key or document added.

    yaml_roundtrip.py DIR
"""
import json
import pathlib
import sys

import yaml

loaders = [("SafeLoader", yaml.SafeLoader)]
if getattr(yaml, "__with_libyaml__", False):
    loaders.append(("CSafeLoader", yaml.CSafeLoader))

out = pathlib.Path(sys.argv[1])
files = sorted(out.glob("*.yaml"))
if not files:
    sys.exit(f"no YAML files in {out}")
bad = 0
for f in files:
    want = json.loads(f.with_suffix(".json").read_text())
    text = f.read_text()
    for name, loader in loaders:
        try:
            got = list(yaml.load_all(text, Loader=loader))
        except yaml.YAMLError as e:
            print(f"{f.name}: {name} cannot parse it: {e}")
            bad += 1
            continue
        if got != want:
            print(f"{f.name}: {name} reads other documents than were rendered")
            bad += 1
if bad:
    sys.exit(f"{bad} rendering(s) read back differently")
print(f"    {len(files)} hostile renderings read back exactly by PyYAML ({', '.join(n for n, _ in loaders)})")
