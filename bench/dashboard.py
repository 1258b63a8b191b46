"""The dashboard's overview on a million comments: tracker's library calls against a pandas baseline.

Builds a temporary store of synthetic comments with predictions (random sources, languages,
times from December 2024 to April 2025, stances that lean pro_open after 20 January, argument
tags), written straight into SQLite. Then, each in a fresh process (cold: no Python caches,
the database file in the OS page cache as after any recent write), it times:

  (a) tracker: the overview's library calls, stance_over_time (corrected, with intervals),
      volume_over_time, net_stance_index and argument_counts, first with no filter and then
      after a filter change (French comments from two sources since 1 January);
  (b) baseline: one SELECT pulling every comment with its prediction into pandas, the same
      figures grouped there, then the same filter change applied to the frame in memory.

Both compute the same weekly counts; the script checks they agree before printing.

    python bench/dashboard.py [--rows 1000000] [--db PATH]   # --db keeps (and reuses) the store
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from common import ROOT, measure

sys.path.insert(0, str(ROOT))
from tracker import aggregates  # noqa: E402

SOURCES = ("hn", "reddit", "news-fr", "forum-fr", "discourse", "blog")
LANGS = ("en", "fr", "other")
STANCES = ("pro_open", "pro_closed", "neutral", "off_topic")
ARGUMENTS = ("cost", "performance", "openness", "geopolitics", "trust_safety", "business", "innovation")
SENTIMENTS = ("positive", "negative", "neutral")
VERSION = "bench-000000000000"
START, END, R1 = 1733011200, 1746057600, 1737331200  # 2024-12-01, 2025-05-01, 2025-01-20 (UTC)
CONFUSION = {"labels": list(STANCES), "matrix": [[80, 8, 9, 3], [7, 82, 9, 2], [10, 9, 76, 5], [4, 3, 8, 85]]}
CHANGED = {"langs": ("fr",), "sources": ("news-fr", "forum-fr"), "start": "2025-01-01"}


def build(path: Path, rows: int, seed: int = 11, chunk: int = 100_000) -> None:
    """Write `rows` synthetic comments and one prediction each into a new store at `path`."""
    from tracker.store import Store

    rng = np.random.default_rng(seed)
    tags = np.array([""] + [";".join(t for j, t in enumerate(ARGUMENTS) if mask >> j & 1)
                            for mask in range(1, 1 << len(ARGUMENTS)) if bin(mask).count("1") <= 2], dtype=object)
    store = Store(path)
    conn = store.conn
    conn.execute("PRAGMA synchronous = OFF")
    now = int(time.time())
    for first in range(0, rows, chunk):
        n = min(chunk, rows - first)
        ids = np.arange(first, first + n)
        created = rng.integers(START, END, n)
        source = rng.integers(0, len(SOURCES), n)
        lang = np.where(rng.random(n) < 0.08, 2, np.where(np.isin(source, (2, 3)), 1, 0))
        after = created >= R1
        weights = np.where(after[:, None], [0.36, 0.20, 0.34, 0.10], [0.20, 0.34, 0.36, 0.10])
        stance = (rng.random(n)[:, None] > np.cumsum(weights, axis=1)).sum(axis=1)
        comments = [(f"bench:{i}", SOURCES[s], f"{SOURCES[s]}:t{i // 400}", None, f"user{u}", int(t), LANGS[l],
                     f"synthetic comment {i}", f"synthetic comment {i}", None, None, "x", None, now)
                    for i, s, u, t, l in zip(ids, source, rng.integers(0, 60_000, n), created, lang)]
        predictions = [(f"bench:{i}", VERSION, STANCES[s], float(c), "{}", tags[a], SENTIMENTS[m], 0.0, now)
                       for i, s, c, a, m in zip(ids, stance, rng.uniform(0.3, 1.0, n).round(3),
                                                rng.integers(0, len(tags), n), rng.integers(0, 3, n))]
        with conn:
            conn.executemany("INSERT INTO comments (id, source, thread_id, parent_id, author, created_at, lang, text, "
                             "raw_text, quoted, url, content_hash, last_run_id, ingested_at) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", comments)
            conn.executemany("INSERT INTO predictions (comment_id, model_version, stance, stance_confidence, "
                             "probabilities, arguments, sentiment, sentiment_score, predicted_at) "
                             "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", predictions)
    conn.execute("ANALYZE")
    started = time.perf_counter()
    aggregates.rebuild(store, VERSION)  # what the end of a classify run does
    print(f"kept per-hour counts rebuilt in {time.perf_counter() - started:.1f} s (the end of every classify run)")
    store.close()


TRACKER = """
import time
from datetime import date
from tracker.store import Store
from tracker.trends import Filters, stance_over_time, volume_over_time, net_stance_index, argument_counts

def overview(store, filters):
    timings, t = {{}}, time.perf_counter()
    shares = stance_over_time(store, filters, "week", {confusion!r})
    timings["stance_over_time"] = time.perf_counter() - t; t = time.perf_counter()
    volume = volume_over_time(store, filters, "week", by="source")
    timings["volume_over_time"] = time.perf_counter() - t; t = time.perf_counter()
    net_stance_index(shares)
    timings["net_stance_index"] = time.perf_counter() - t; t = time.perf_counter()
    argument_counts(store, filters, "week")
    timings["argument_counts"] = time.perf_counter() - t
    weekly = {{str(p.date()): int(n) for p, n in volume.groupby("period")["n"].sum().items()}}
    return timings, weekly

store = Store({db!r}, readonly=True)
first, weekly = overview(store, Filters(model_version={version!r}))  # the dashboard names the version too
changed, weekly_changed = overview(store, Filters(langs={langs!r}, sources={sources!r}, start=date.fromisoformat({start!r}),
                                                  model_version={version!r}))
result = {{"first": first, "changed": changed, "weekly": weekly, "weekly_changed": weekly_changed}}
"""

BASELINE = """
import sqlite3, time
import numpy as np, pandas as pd
from tracker.prevalence import adjusted_shares

def overview(frame):
    timings, t = {{}}, time.perf_counter()
    period = frame["created_at"].dt.to_period("W-SUN").dt.start_time
    labels = {confusion!r}["labels"]; matrix = np.asarray({confusion!r}["matrix"])
    counts = frame.groupby([period, "stance"]).size().unstack(fill_value=0).reindex(columns=labels, fill_value=0)
    shares = {{p: adjusted_shares(row.to_numpy(), matrix, labels, seed=0) for p, row in counts.iterrows()}}
    timings["stance shares"] = time.perf_counter() - t; t = time.perf_counter()
    volume = frame.groupby([period, "source"]).size()
    timings["volume"] = time.perf_counter() - t; t = time.perf_counter()
    sides = counts["pro_open"] + counts["pro_closed"]
    net = (counts["pro_open"] - counts["pro_closed"]) / sides.replace(0, np.nan)
    timings["net index"] = time.perf_counter() - t; t = time.perf_counter()
    tags = frame.assign(period=period, argument=frame["arguments"].str.split(";")).explode("argument")
    tags = tags[tags["argument"].fillna("") != ""].groupby(["period", "stance", "argument"]).size()
    timings["argument counts"] = time.perf_counter() - t
    weekly = {{str(p.date()): int(n) for p, n in volume.groupby(level=0).sum().items()}}
    return timings, weekly

t = time.perf_counter()
frame = pd.read_sql_query(
    "SELECT c.created_at, c.source, c.lang, p.stance, p.arguments FROM comments c "
    "JOIN predictions p ON p.comment_id = c.id AND p.model_version = ?", sqlite3.connect({db!r}), params=({version!r},))
frame["created_at"] = pd.to_datetime(frame["created_at"], unit="s", utc=True).dt.tz_localize(None)
load = time.perf_counter() - t
first, weekly = overview(frame)
first = {{"SELECT every comment": load, **first}}
t = time.perf_counter()
picked = frame[frame["lang"].isin({langs!r}) & frame["source"].isin({sources!r}) & (frame["created_at"] >= pd.Timestamp({start!r}))]
changed, weekly_changed = overview(picked)
changed = {{"filter in memory": time.perf_counter() - t - sum(changed.values()), **changed}}
result = {{"first": first, "changed": changed, "weekly": weekly, "weekly_changed": weekly_changed}}
"""


def report(name: str, figures: dict) -> None:
    first, changed = figures["result"]["first"], figures["result"]["changed"]
    print(f"\n{name}\n  fresh process {figures['seconds']:.1f} s wall (imports included), peak {figures['peak_mb']:.0f} MB")
    print(f"  {'step':<24} {'first view':>11} {'filter change':>14}")
    for step in dict.fromkeys([*first, *changed]):
        cells = [f"{first[step]:>10.2f}s" if step in first else " " * 11,
                 f"{changed[step]:>13.2f}s" if step in changed else ""]
        print(f"  {step:<24} {cells[0]} {cells[1]}")
    print(f"  {'total':<24} {sum(first.values()):>10.2f}s {sum(changed.values()):>13.2f}s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--db", type=Path, help="Keep the generated store here (reused when it exists).")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "bench.db"
        if not db.exists():
            started = time.perf_counter()
            build(db, args.rows)
            print(f"built {db} with {args.rows:,} comments and predictions in {time.perf_counter() - started:.0f} s "
                  f"({db.stat().st_size / 1e6:.0f} MB)")
        values = dict(db=str(db), confusion=CONFUSION, version=VERSION, **CHANGED)
        tracker = measure(TRACKER.format(**values))
        baseline = measure(BASELINE.format(**values))
    for key in ("weekly", "weekly_changed"):
        if tracker["result"][key] != baseline["result"][key]:
            raise SystemExit(f"tracker and the baseline disagree on {key}: the benchmark compares different things")
    print(f"\nweekly comment counts agree ({sum(tracker['result']['weekly'].values()):,} comments, "
          f"{sum(tracker['result']['weekly_changed'].values()):,} after the filter change: {CHANGED})")
    report("tracker (aggregates in SQL per hour, then pandas)", tracker)
    report("baseline (one SELECT of every comment, grouped in pandas)", baseline)
    t, b = (sum(f["result"]["first"].values()) for f in (tracker, baseline))
    tc, bc = (sum(f["result"]["changed"].values()) for f in (tracker, baseline))
    print(f"\nfirst view: tracker {t:.2f} s vs baseline {b:.2f} s; after a filter change: {tc:.2f} s vs {bc:.2f} s; "
          f"peak memory {tracker['peak_mb']:.0f} MB vs {baseline['peak_mb']:.0f} MB")


if __name__ == "__main__":
    main()
