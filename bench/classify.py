"""`tracker classify` end to end, file to file, against a bare TF-IDF + LogisticRegression.

Builds a CSV of N comments drawn from data/labeled/, then in fresh processes measures
comments/s and peak memory of (a) `tracker classify INPUT --out OUTPUT` (language id, three
heads, Parquet output) for each bundle given with --model (default: the current one) with
--jobs 1 and 2, and (b) a baseline
that reads the same CSV with pandas and predicts stance with a word TF-IDF + LogisticRegression
fitted on data/labeled/ (fitting excluded from its time).

With --with-context the input also carries `parent_text` (for 76% of rows, as in the
corpus) and `author_text` (the author's other comments in the thread: one to three for 66%
of rows), so the context blocks do the work they do on a forum's threads in the store.

    python bench/classify.py [--rows 200000] [--model default --model /path/to/fast-bundle] [--with-context]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
from pathlib import Path

from common import measure
from ingest import corpus_texts, generate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tracker.models import resolve  # noqa: E402

TRACKER = """
from tracker.cli import main
try:
    main(["classify", {source!r}, "--out", {out!r}, "--jobs", "{jobs}", "--model", {model!r}, "--quiet"])
except SystemExit as exc:
    assert not exc.code, exc.code
result = "ok"
"""

BASELINE = """
import glob, time
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
labeled = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in glob.glob("data/labeled/*.csv")])
model = make_pipeline(TfidfVectorizer(sublinear_tf=True), LogisticRegression(max_iter=2000)).fit(labeled["text"], labeled["stance"])
start = time.perf_counter()
frame = pd.read_csv({source!r}, dtype=str, keep_default_na=False)
frame["stance"] = model.predict(frame["text"])
frame.to_csv({out!r}, index=False)
result = time.perf_counter() - start
"""


def add_context(path: Path, seed: int = 11) -> None:
    """Give the rows of a generated CSV a parent's text and their author's other comments,
    drawn from the corpus in the corpus's proportions."""
    rng, texts = random.Random(seed), corpus_texts()
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["parent_text"] = rng.choice(texts) if rng.random() < 0.76 else ""
        row["author_text"] = "\n".join(rng.sample(texts, rng.randint(1, 3))) if rng.random() < 0.66 else ""
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--model", action="append", help="bundle name or directory (repeat)")
    parser.add_argument("--with-context", action="store_true",
                        help="add parent_text and author_text columns, as the store gives them")
    args = parser.parse_args()
    models = args.model or [resolve(None).name]
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "comments.csv"
        generate(source, args.rows)
        if args.with_context:
            add_context(source)
        rows = []
        for model in models:
            for jobs in (1, 2):
                out = str(Path(tmp) / f"out{jobs}.parquet")
                figures = measure(TRACKER.format(source=str(source), out=out, jobs=jobs, model=str(model)))
                rows.append((f"classify {Path(model).name} --jobs {jobs}", args.rows / figures["seconds"], figures))
        figures = measure(BASELINE.format(source=str(source), out=str(Path(tmp) / "baseline.csv")))
        rows.append(("bare word TF-IDF + LR (stance only)", args.rows / figures["result"], figures))
    print(f"{args.rows} comments, file to file" + (", with parent and author context" if args.with_context else ""))
    print(f"{'method':<40} {'comments/s':>11} {'peak MB':>8} {'worker MB':>9}")
    for name, rate, figures in rows:
        print(f"{name:<40} {rate:>11.0f} {figures['peak_mb']:>8.0f} {figures['children_peak_mb']:>9.0f}")
    baseline = rows[-1][1]
    for name, rate, _ in rows[:-1]:
        print(f"{name}: {rate / baseline:.2f}x the baseline")


if __name__ == "__main__":
    main()
