"""`tracker classify` end to end, file to file, against a bare TF-IDF + LogisticRegression.

Builds a CSV of N comments drawn from data/labeled/ (threads of 50, each comment replying to
the one before, each thread's authors drawn from 40 people), then in fresh processes measures comments/s and
peak memory of (a) `tracker classify INPUT --out OUTPUT` (language id, three heads, Parquet
output) for each bundle given with --model (default: the current one) with --jobs 1 and 2,
each comment read with its parent and its author's other comments found in the file, and
with --jobs 2 --no-context, each comment read alone, and (b) a baseline
that reads the same CSV with pandas and predicts stance with a word TF-IDF + LogisticRegression
fitted on data/labeled/ (fitting excluded from its time).

With --with-context the input also carries `parent_text` (for 76% of rows, as in the
corpus), `author_text` (one to three other comments for 66% of rows) and `replies_text` (one
to three replies for 55% of rows, as in the corpus), drawn at random from the corpus rather
than found in the file.

    python bench/classify.py [--rows 200000] [--model default --model /path/to/fast-bundle] [--with-context]
                             [--without-stage]
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

from common import measure
from ingest import corpus_texts, generate

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tracker.context import SEPARATOR  # noqa: E402
from tracker.models import resolve  # noqa: E402

TRACKER = """
from tracker.cli import main
try:
    main(["classify", {source!r}, "--out", {out!r}, "--jobs", "{jobs}", "--model", {model!r}, "--quiet", *{extra!r}])
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


def _rewrite(path: Path, change) -> list[dict]:
    """Apply `change` to every row of a generated CSV, in place; returns the rows."""
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        change(row)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return rows


def thread_authors(path: Path, per_thread: int = 40, seed: int = 13) -> float:
    """Draw each thread's authors from 40 people, so that, about as in the corpus (66%), most
    comments have another by their author in the thread; returns that share."""
    rng, people = random.Random(seed), {}

    def change(row):
        pool = people.setdefault(row["thread_id"], [f"user{rng.randint(0, 50_000)}" for _ in range(per_thread)])
        row["author"] = rng.choice(pool)

    keys = [(row["thread_id"], row["author"]) for row in _rewrite(path, change)]
    counts = Counter(keys)
    return sum(counts[key] > 1 for key in keys) / len(keys)


def add_context(path: Path, seed: int = 11) -> None:
    """Give the rows of a generated CSV a parent's text and their author's other comments,
    drawn from the corpus in the corpus's proportions."""
    rng, texts = random.Random(seed), corpus_texts()

    def change(row):
        row["parent_text"] = rng.choice(texts) if rng.random() < 0.76 else ""
        row["author_text"] = SEPARATOR.join(rng.sample(texts, rng.randint(1, 3))) if rng.random() < 0.66 else ""
        row["replies_text"] = SEPARATOR.join(rng.sample(texts, rng.randint(1, 3))) if rng.random() < 0.55 else ""

    _rewrite(path, change)


def without_stage(model: str, folder: Path) -> str:
    """A copy of bundle `model` without its second stance stage, saved in `folder`."""
    from tracker.models import load_bundle, save_bundle

    predictor, card = load_bundle(model)
    predictor.neighbours = None
    kept = {key: value for key, value in card.items() if key not in ("version", "model_sha256", "name", "created_at")}
    return str(save_bundle(predictor, kept, folder / f"{resolve(model).name}-without-stage"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--model", action="append", help="bundle name or directory (repeat)")
    parser.add_argument("--chunk-rows", type=int, help="passed to tracker classify (default: its own)")
    parser.add_argument("--without-stage", action="store_true",
                        help="also measure each model without its second stance stage (a copy in a temporary folder)")
    parser.add_argument("--with-context", action="store_true",
                        help="add parent_text, author_text and replies_text columns drawn from the corpus")
    args = parser.parse_args()
    models = args.model or [resolve(None).name]
    with tempfile.TemporaryDirectory() as tmp:
        if args.without_stage:
            models = models + [without_stage(model, Path(tmp)) for model in models]
        source = Path(tmp) / "comments.csv"
        generate(source, args.rows)
        with_author = thread_authors(source)
        if args.with_context:
            add_context(source)
        rows = []
        for model in models:
            for jobs, extra in ((1, []), (2, []), (2, ["--no-context"])):
                extra = extra + (["--chunk-rows", str(args.chunk_rows)] if args.chunk_rows else [])
                out = str(Path(tmp) / f"out{jobs}.parquet")
                figures = measure(TRACKER.format(source=str(source), out=out, jobs=jobs, model=str(model), extra=extra))
                name = f"classify {Path(model).name} --jobs {jobs} {' '.join(extra)}".strip()
                rows.append((name, args.rows / figures["seconds"], figures))
        figures = measure(BASELINE.format(source=str(source), out=str(Path(tmp) / "baseline.csv")))
        rows.append(("bare word TF-IDF + LR (stance only)", args.rows / figures["result"], figures))
    print(f"{args.rows} comments, file to file" + (", with parent_text, author_text and replies_text columns"
                                                   if args.with_context else
                                                   f"; {with_author:.0%} have another comment by their author in the thread"))
    print(f"{'method':<48} {'comments/s':>11} {'peak MB':>8} {'worker MB':>9}")
    for name, rate, figures in rows:
        print(f"{name:<48} {rate:>11.0f} {figures['peak_mb']:>8.0f} {figures['children_peak_mb']:>9.0f}")
    baseline = rows[-1][1]
    for name, rate, _ in rows[:-1]:
        print(f"{name}: {rate / baseline:.2f}x the baseline")


if __name__ == "__main__":
    main()
