#!/usr/bin/env python3
"""Validate testdata/detection/ and print counts per source, class and split.

Usage: python3 testdata/detection/check.py   (exit status 1 on any error)
"""
import collections
import glob
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CLASSES = {"directive-framing", "concealment", "shadowing-redirection", "exfiltration",
           "credential-path", "unicode-hiding", "markup-active", "annotation-contradiction",
           "dangerous-passthrough", "rug-pull", "other"}
errors = []


def err(msg):
    errors.append(msg)


def expected_split(ident):
    return "held-out" if int(hashlib.sha256(ident.encode("utf-8")).hexdigest(), 16) % 3 == 0 else "dev"


def check_tool(tool, where):
    if not isinstance(tool, dict):
        err(f"{where}: tool is not an object")
        return
    if not isinstance(tool.get("name"), str) or not tool["name"]:
        err(f"{where}: tool has no string name")
    if "description" in tool and not isinstance(tool["description"], str):
        err(f"{where}: description is not a string")
    if "inputSchema" in tool and not isinstance(tool["inputSchema"], dict):
        err(f"{where}: inputSchema is not an object")
    if "annotations" in tool and not isinstance(tool["annotations"], dict):
        err(f"{where}: annotations is not an object")


def load(path):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        err(f"{path}: invalid JSON: {e}")
        return None


mal_by_source = collections.Counter()
mal_by_class = collections.Counter()
mal_by_split = collections.Counter()
mal_by_source_split = collections.defaultdict(collections.Counter)
also_counter = collections.Counter()
ids = set()
for path in sorted(glob.glob(os.path.join(HERE, "malicious", "*.json"))):
    rel = os.path.relpath(path, HERE)
    doc = load(path)
    if doc is None:
        continue
    for key in ("source", "url", "repository", "licence", "cases"):
        if key not in doc:
            err(f"{rel}: missing top-level {key!r}")
    slug = os.path.basename(path)[:-5]
    for i, case in enumerate(doc.get("cases", [])):
        where = f"{rel} case {i}"
        cid = case.get("id")
        if not isinstance(cid, str) or not cid.startswith(slug + "-"):
            err(f"{where}: id {cid!r} does not start with {slug}-")
        if cid in ids:
            err(f"{where}: duplicate id {cid}")
        ids.add(cid)
        cls = case.get("class")
        if cls not in CLASSES:
            err(f"{where}: unknown class {cls!r}")
        for a in case.get("also", []):
            if a not in CLASSES:
                err(f"{where}: unknown secondary class {a!r}")
            also_counter[a] += 1
        if case.get("split") != expected_split(cid or ""):
            err(f"{where}: split {case.get('split')!r} != rule {expected_split(cid or '')!r}")
        if not case.get("path"):
            err(f"{where}: no path")
        if cls == "rug-pull":
            if "pinned" not in case or "live" not in case:
                err(f"{where}: rug-pull needs pinned and live")
            else:
                check_tool(case["pinned"], where + " pinned")
                check_tool(case["live"], where + " live")
                if case["pinned"] == case["live"]:
                    err(f"{where}: pinned and live are identical")
        else:
            if "tool" not in case:
                err(f"{where}: no tool")
            else:
                check_tool(case["tool"], where)
        mal_by_source[slug] += 1
        mal_by_class[cls] += 1
        mal_by_split[case.get("split")] += 1
        mal_by_source_split[slug][case.get("split")] += 1

ben_by_server = {}
ben_split = collections.Counter()
ben_tools_split = collections.Counter()
for path in sorted(glob.glob(os.path.join(HERE, "benign", "*.json"))):
    rel = os.path.relpath(path, HERE)
    doc = load(path)
    if doc is None:
        continue
    for key in ("server", "repository", "commit", "path", "licence", "split", "tools"):
        if key not in doc:
            err(f"{rel}: missing top-level {key!r}")
    slug = os.path.basename(path)[:-5]
    if doc.get("split") != expected_split(slug):
        err(f"{rel}: split {doc.get('split')!r} != rule {expected_split(slug)!r}")
    names = collections.Counter()
    for i, tool in enumerate(doc.get("tools", [])):
        check_tool(tool, f"{rel} tool {i}")
        names[tool.get("name")] += 1
    for n, c in names.items():
        if c > 1:
            err(f"{rel}: tool name {n!r} appears {c} times")
    ben_by_server[slug] = (len(doc.get("tools", [])), doc.get("split"))
    ben_split[doc.get("split")] += 1
    ben_tools_split[doc.get("split")] += len(doc.get("tools", []))

print("MALICIOUS")
print(f"  cases: {sum(mal_by_source.values())}  sources: {len(mal_by_source)}")
print("  per source (dev / held-out):")
for s, n in sorted(mal_by_source.items(), key=lambda kv: -kv[1]):
    print(f"    {s:40s} {n:4d}  ({mal_by_source_split[s]['dev']} / {mal_by_source_split[s]['held-out']})")
print("  per class (primary):")
for c in sorted(CLASSES, key=lambda c: -mal_by_class[c]):
    print(f"    {c:28s} {mal_by_class[c]:4d}   (as secondary: {also_counter[c]})")
print(f"  per split: dev {mal_by_split['dev']}, held-out {mal_by_split['held-out']}")
print("BENIGN")
print(f"  tools: {sum(n for n, _ in ben_by_server.values())}  servers: {len(ben_by_server)}")
for s, (n, sp) in sorted(ben_by_server.items(), key=lambda kv: -kv[1][0]):
    print(f"    {s:48s} {n:4d}  {sp}")
print(f"  per split: servers dev {ben_split['dev']} / held-out {ben_split['held-out']}; "
      f"tools dev {ben_tools_split['dev']} / held-out {ben_tools_split['held-out']}")
if errors:
    print(f"\n{len(errors)} ERROR(S):")
    for e in errors[:200]:
        print("  " + e)
    sys.exit(1)
print("\nOK: every file is valid JSON, every tool has a string name, splits follow the rule.")
