"""Figures of one Goose request log (JSON lines): per kind of request the
count, requests per second, p50 / p95 / p99 response time and errors, as a
Markdown table. Used by scripts/bench-load.sh."""
import json
import sys
from collections import defaultdict


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round((len(values) - 1) * p))]


times = defaultdict(list)
errors = defaultdict(int)
first, last = None, None
with open(sys.argv[1], encoding="utf-8") as f:
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
print("| request | count | req/s | p50 ms | p95 ms | p99 ms | errors |")
print("|---|---|---|---|---|---|---|")
total = 0
for name in sorted(times):
    v = times[name]
    total += len(v)
    print(f"| {name} | {len(v)} | {len(v) / span:.1f} | {pct(v, .5)} | {pct(v, .95)} | {pct(v, .99)} | {errors[name]} |")
print(f"| all | {total} | {total / span:.1f} | | | | {sum(errors.values())} |")
