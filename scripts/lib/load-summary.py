"""Figures of Goose request logs (JSON lines): per kind of request the
count, requests per second, p50 / p95 / p99 response time and errors, as a
Markdown table. Given two logs (a small and a large mailbox), also the
ratio of their p95s. Used by scripts/bench-load.sh."""
import json
import sys
from collections import defaultdict


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round((len(values) - 1) * p))]


def read(path):
    times = defaultdict(list)
    errors = defaultdict(int)
    first, last = None, None
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            name = r["name"]
            times[name].append(r["response_time"])
            if not r["success"]:
                errors[name] += 1
            t = r["elapsed"]
            first = t if first is None else min(first, t)
            last = t if last is None else max(last, t)
    span = max((last - first) / 1000.0, 1.0) if first is not None else 1.0
    return times, errors, span


def table(path):
    times, errors, span = read(path)
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
if len(runs) == 2:
    small, large = runs
    print("\n| request | p95 small ms | p95 large ms | ratio |")
    print("|---|---|---|---|")
    for name in sorted(set(small) & set(large)):
        if name == "sign in":
            continue
        a, b = pct(small[name], .95), pct(large[name], .95)
        print(f"| {name} | {a} | {b} | {b / max(a, 1):.2f} |")
