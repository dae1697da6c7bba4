"""Rows of every table of a Tayori SQLite database, one "table count" per
line, sorted; sessions are left out (signing in and expiry change them),
and the full-text index is counted by its own tables (the virtual table
may use options this Python's SQLite does not know).
Usage: python3 scripts/lib/row-counts.py data/tayori.db"""
import sqlite3
import sys

db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
tables = [
    name
    for (name,) in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY name"
    )
    if name != "sessions"
]
for name in tables:
    (n,) = db.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()
    print(name, n)
