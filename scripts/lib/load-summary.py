"""Figures of Goose request logs (JSON lines): per kind of request the
count, requests per second, p50 / p95 / p99 response time and errors, as a
Markdown table. Given two logs (a small and a large mailbox), also the
ratio of their p95s. Used by scripts/bench-load.sh.

A run starts with every session signing in (argon2, deliberately slow);
the figures are given for the whole run and again for the requests made
after the last sign-in ended: the signed-in sessions at work, which is
what Goose itself reports (it resets its metrics once every user runs)."""
import json
import sys
from collections import defaultdict


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round((len(values) - 1) * p))]


def read(path, signed_in=False):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    if signed_in:
        ends = [r["elapsed"] + r["response_time"] for r in rows if r["name"] == "sign in"]
        start = max(ends, default=0)
        rows = [r for r in rows if r["elapsed"] >= start]
    times = defaultdict(list)
    errors = defaultdict(int)
    first, last = None, None
    for r in rows:
        name = r["name"]
        times[name].append(r["response_time"])
        if not r["success"]:
            errors[name] += 1
        t = r["elapsed"]
        first = t if first is None else min(first, t)
        last = t if last is None else max(last, t)
    span = max((last - first) / 1000.0, 1.0) if first is not None else 1.0
    return times, errors, span


def table(path, signed_in=False):
    times, errors, span = read(path, signed_in)
    if signed_in:
        print(f"after the last sign-in ({span:.0f} s):")
    print("| request | count | req/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|")
    total = 0
    for name in sorted(times):
        v = times[name]
        total += len(v)
        print(f"| {name} | {len(v)} | {len(v) / span:.1f} | {pct(v, .5)} | {pct(v, .95)} | {pct(v, .99)} | {errors[name]} |")
    print(f"| all | {total} | {total / span:.1f} | | | | {sum(errors.values())} |")
    return times


paths = sys.argv[1:]
runs = []
for path in paths:
    if len(paths) > 1:
        print(f"\n{path}:")
    runs.append(table(path))
    if len(paths) == 1:
        table(path, signed_in=True)
if len(runs) == 2:
    small, large = runs
    print("\n| request | p95 small ms | p95 large ms | ratio |")
    print("|---|---|---|---|")
    for name in sorted(set(small) & set(large)):
        if name == "sign in":
            continue
        a, b = pct(small[name], .95), pct(large[name], .95)
        print(f"| {name} | {a} | {b} | {b / max(a, 1):.2f} |")
