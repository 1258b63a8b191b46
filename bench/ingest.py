"""Ingest throughput and memory: `tracker ingest` against a naive pandas baseline.

Generates CSVs of 100k and 1M comments (drawn from data/labeled/), then in fresh processes measures rows/s and peak
memory of (a) tracker's streaming ingest (quote stripping, language id, rejects, upserts)
and (b) `pandas.read_csv` + `DataFrame.to_sql` (no cleaning, whole file in memory).

    python bench/ingest.py [--rows 1000000] [--small 100000]
"""

from __future__ import annotations

import argparse
import csv
import random
import tempfile
from pathlib import Path

from common import measure

def corpus_texts() -> list[str]:
    """The raw comments of data/labeled/ (quotes included): realistic length, language and markup."""
    texts = []
    for path in sorted(Path(__file__).resolve().parent.parent.glob("data/labeled/*.csv")):
        with open(path, encoding="utf-8") as handle:
            texts += [row["raw_text"] or row["text"] for row in csv.DictReader(handle)]
    return texts


def generate(path: Path, rows: int, seed: int = 7) -> None:
    """Rows drawn at random from the labeled corpus, for a throughput test (repeats are fine)."""
    rng = random.Random(seed)
    texts = corpus_texts()
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "text", "created_at", "author", "thread_id", "parent_id"])
        for n in range(rows):
            writer.writerow([n, rng.choice(texts), 1734700000 + n * 11, f"user{rng.randint(0, 5000)}", f"t{n // 50}",
                             n - 1 if n % 50 else ""])


TRACKER = """
from pathlib import Path
from tracker.store import Store
from tracker.ingest.pipeline import ingest_file
summary = ingest_file(Store({db!r}), Path({csv!r}), rejects_path={rejects!r})
result = {{"read": summary.read, "stored": summary.stored, "rejected": summary.rejected}}
"""

PANDAS = """
import sqlite3, pandas as pd
frame = pd.read_csv({csv!r})
frame.to_sql("comments", sqlite3.connect({db!r}), index=False, chunksize=20000)
result = {{"read": len(frame)}}
"""


def run(rows: int, folder: Path) -> dict:
    source = folder / f"comments_{rows}.csv"
    generate(source, rows)
    figures = {}
    for name, body in (("tracker ingest", TRACKER), ("pandas read_csv + to_sql", PANDAS)):
        db = folder / f"{name.split()[0]}_{rows}.db"
        figures[name] = measure(body.format(db=str(db), csv=str(source), rejects=str(folder / "rejects.csv")))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        results = {rows: run(rows, Path(tmp)) for rows in (args.small, args.rows)}
    print(f"{'rows':>9}  {'method':<26} {'rows/s':>9} {'seconds':>8} {'peak MB':>8}")
    for rows, figures in results.items():
        for name, f in figures.items():
            print(f"{rows:>9}  {name:<26} {rows / f['seconds']:>9.0f} {f['seconds']:>8.1f} {f['peak_mb']:>8.0f}")
    t_small, t_big = (results[r]["tracker ingest"] for r in (args.small, args.rows))
    p_small, p_big = (results[r]["pandas read_csv + to_sql"] for r in (args.small, args.rows))
    print(f"tracker speed relative to pandas at {args.rows} rows: "
          f"{p_big['seconds'] / t_big['seconds']:.2f}x")
    print(f"peak memory {args.rows} rows / {args.small} rows: tracker {t_big['peak_mb'] / t_small['peak_mb']:.2f}x, "
          f"pandas {p_big['peak_mb'] / p_small['peak_mb']:.2f}x")
    print(f"tracker counts at {args.rows} rows: {t_big['result']}")


if __name__ == "__main__":
    main()
