"""`tracker classify` end to end, file to file, against a bare TF-IDF + LogisticRegression.

Builds a CSV of N comments drawn from data/labeled/, then in fresh processes measures
comments/s and peak memory of (a) `tracker classify INPUT --out OUTPUT` with the current
model (language id, three heads, parquet/CSV output) for --jobs 1 and 2, and (b) a baseline
that reads the same CSV with pandas and predicts stance with a word TF-IDF + LogisticRegression
fitted on data/labeled/ (fitting excluded from its time).

    python bench/classify.py [--rows 200000]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from common import measure
from ingest import generate

TRACKER = """
from tracker.cli import main
try:
    main(["classify", {source!r}, "--out", {out!r}, "--jobs", "{jobs}", "--quiet"])
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "comments.csv"
        generate(source, args.rows)
        rows = []
        for jobs in (1, 2):
            figures = measure(TRACKER.format(source=str(source), out=str(Path(tmp) / f"out{jobs}.parquet"), jobs=jobs))
            rows.append((f"tracker classify --jobs {jobs} (3 heads)", args.rows / figures["seconds"], figures))
        figures = measure(BASELINE.format(source=str(source), out=str(Path(tmp) / "baseline.csv")))
        rows.append(("bare word TF-IDF + LR (stance only)", args.rows / figures["result"], figures))
    print(f"{args.rows} comments, file to file")
    print(f"{'method':<40} {'comments/s':>11} {'peak MB':>8}")
    for name, rate, figures in rows:
        print(f"{name:<40} {rate:>11.0f} {figures['peak_mb']:>8.0f}")
    print(f"best tracker rate / baseline rate: {max(r[1] for r in rows[:2]) / rows[2][1]:.2f}")


if __name__ == "__main__":
    main()
