"""Large threads in the store: `tracker classify` (both passes) and a later ingest into the thread,
for one thread of N comments against the same N comments in threads of 50.

The second stance stage reads each waiting comment beside its thread's other comments, its
parent's, replies' and siblings'; the ingest marks the comments whose neighbours a newcomer
changes. Forum threads under a big story run to tens of thousands of comments, most of them
direct replies to the post. Builds four stores of N comments drawn from data/labeled/ (each
thread's authors posting about four times):

- threads of 50, each comment replying to an earlier one at random (the baseline);
- one deep thread of N, each comment replying to an earlier one at random;
- one flat thread of N, every comment replying to the first;
- one deep thread of N where one regular writes a quarter of the comments (a live chat, an
  author answering everyone under their post);

then, in a fresh process each, classifies the store with the current model on one job
(seconds of the whole run and of its second pass), and ingests `--more` new comments into
the first thread (seconds of the ingest, then of the classify run that reads them). Prints
each figure and its ratio to the baseline's.

    python bench/store_threads.py [--rows 100000] [--more 2000]
"""

from __future__ import annotations

import argparse

from common import ROOT, measure

BODY = """
import random
import sys
import tempfile
import time
from datetime import datetime, timezone

import tracker.classify as classify
from tracker.models import load_bundle
from tracker.schema import Comment
from tracker.store import Store
sys.path.insert(0, {bench!r})
from ingest import corpus_texts

rows, more, shape = {rows}, {more}, {shape!r}
per = 50 if shape == "threads of 50" else rows
rng, texts = random.Random(3), corpus_texts()
predictor, card = load_bundle()


def comment(i):
    thread, k = divmod(i, per) if i < rows else (0, i)
    parent = None if k == 0 else f"x:{{thread}}:0" if shape == "flat thread" else f"x:{{thread}}:{{rng.randrange(min(k, per))}}"
    return Comment(id=f"x:{{thread}}:{{k}}", source="x", created_at=datetime.fromtimestamp(1737000000 + i, timezone.utc),
                   text=rng.choice(texts), raw_text="", thread_id=f"t{{thread}}", parent_id=parent,
                   author=author(thread), lang="en")


def author(thread):
    if shape == "thread with a regular" and rng.random() < 0.25:
        return "regular"
    return f"u{{thread}}-{{rng.randrange(max(2, min(per, rows) // 4))}}"


second = []
inner = classify._read_with_neighbours


def timed(*args, **kwargs):
    start = time.perf_counter()
    out = inner(*args, **kwargs)
    second.append(time.perf_counter() - start)
    return out


classify._read_with_neighbours = timed
with tempfile.TemporaryDirectory() as folder:
    store = Store(f"{{folder}}/store.db")
    store.upsert_comments([comment(i) for i in range(rows)])
    start = time.perf_counter()
    classify.classify_store(store, predictor, card)
    first_run = time.perf_counter() - start
    start = time.perf_counter()
    store.upsert_comments([comment(i) for i in range(rows, rows + more)])
    ingest = time.perf_counter() - start
    start = time.perf_counter()
    again = classify.classify_store(store, predictor, card)
    result = {{"classify": first_run, "second pass": second[0], "ingest more": ingest,
              "classify again": time.perf_counter() - start, "read again": again["read_with_neighbours"]}}
"""

SHAPES = ("threads of 50", "deep thread", "flat thread", "thread with a regular")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--more", type=int, default=2_000, help="comments ingested into the first thread afterwards")
    args = parser.parse_args()
    figures = {}
    for shape in SHAPES:
        figures[shape] = measure(BODY.format(rows=args.rows, more=args.more, shape=shape, bench=str(ROOT / "bench")))["result"]
        print(shape, {key: round(value, 1) for key, value in figures[shape].items()}, flush=True)
    base = figures[SHAPES[0]]
    print(f"\n{args.rows} comments in the store, then {args.more} more in its first thread (seconds, one job)")
    print(f"{'store':<24}" + "".join(f"{key:>16}" for key in base if key != "read again") + f"{'read again':>12}")
    for shape, row in figures.items():
        cells = "".join(f"{row[key]:>9.1f} ({row[key] / max(base[key], 1e-9):>4.1f}x)" for key in base if key != "read again")
        print(f"{shape:<24}{cells}{row['read again']:>12}")


if __name__ == "__main__":
    main()
