"""Which model shape generalises best: measured with the same grouped cross-validation.

Compares, on data/labeled/: one model for both languages versus one per language; with and
without the parent comment, the author's other comments in the thread, and the replies, as
context; with
and without char n-grams and the VADER lexicon; logistic regression alone or blended with
complement naive Bayes; and the default again with other fold seeds (how far a figure moves
with the partition alone).
Prints stance macro-F1 per language, on replies, on comments whose author wrote others in
the thread ("with author"), on comments that drew replies ("with replies"), argument
macro-F1, sentiment macro-F1 for each variant.

    python bench/model_choices.py [--only TEXT]   # variants whose name contains TEXT
"""

from __future__ import annotations

import argparse
import glob
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.context import AUTHOR_TEXT, REPLIES_TEXT  # noqa: E402
from tracker.labeled import read_labeled  # noqa: E402
from tracker.metrics import classification_report  # noqa: E402
from tracker.train import TrainConfig, active_heads, cross_validate, prepare, report_from_oof, tune_thresholds  # noqa: E402

VARIANTS = {
    "default (both languages, parent 1.0, author 1.0, replies 1.0 with bare copies, chars, no lexicon, naive Bayes blend)":
        TrainConfig(),
    "no replies context": TrainConfig(replies_weight=0.0),
    "replies context without bare copies": TrainConfig(bare_copies=False),
    "no author context": TrainConfig(author_weight=0.0),
    "author context 0.5": TrainConfig(author_weight=0.5),
    "author context 1.5": TrainConfig(author_weight=1.5),
    "logistic regression alone (no naive Bayes blend)": TrainConfig(naive_bayes=0.0, naive_bayes_arguments=0.0),
    "parent context 0.5": TrainConfig(context_weight=0.5),
    "no parent context": TrainConfig(context_weight=0.0),
    "no char n-grams": TrainConfig(char_ngrams=False),
    "with VADER lexicon": TrainConfig(lexicon=True),
    # the default again with other folds: how far the figures move with the partition alone
    "default, fold seed 14": TrainConfig(seed=14),
    "default, fold seed 15": TrainConfig(seed=15),
}


def summary(frame: pd.DataFrame, config: TrainConfig) -> dict:
    heads, _ = active_heads(frame)
    oof = cross_validate(frame, heads, config)
    thresholds = tune_thresholds(oof["arguments"], oof["Y"])
    report = report_from_oof(frame, oof, thresholds, None)
    labels = np.asarray(oof["stance_labels"], dtype=object)

    def on(column):  # stance macro-F1 on the comments that have this context
        has = frame[column].ne("").to_numpy()
        return classification_report(frame["stance"][has].tolist(), list(labels[oof["stance"][has].argmax(axis=1)]),
                                     list(labels))["macro_f1"]

    return {"with_author": on(AUTHOR_TEXT), "with_replies": on(REPLIES_TEXT), "stance_all": report["stance"]["all"]["macro_f1"], "stance_en": report["stance"].get("en", {}).get("macro_f1"),
            "stance_fr": report["stance"].get("fr", {}).get("macro_f1"),
            "replies": report["stance_replies"]["macro_f1"], "side_f1": report["stance"]["all"]["side_f1"],
            "arguments": report["arguments"]["all"]["macro_f1"], "sentiment": report["sentiment"]["all"]["macro_f1"],
            "_oof": oof}


def per_language(frame: pd.DataFrame, config: TrainConfig) -> dict:
    """One model per language, evaluated on the same kind of grouped folds, pooled."""
    results, truth, predicted = {}, [], []
    for lang in ("en", "fr"):
        part = frame[frame["lang"] == lang].reset_index(drop=True)
        result = summary(part, config)
        labels = result["_oof"]["stance_labels"]
        truth += part["stance"].tolist()
        predicted += list(np.asarray(labels, dtype=object)[result["_oof"]["stance"].argmax(axis=1)])
        results[lang] = result
    pooled = classification_report(truth, predicted, sorted(set(truth)))
    return {"with_author": np.nan, "with_replies": np.nan, "stance_all": pooled["macro_f1"], "stance_en": results["en"]["stance_all"],
            "stance_fr": results["fr"]["stance_all"], "replies": np.nan, "side_f1": pooled["side_f1"],
            "arguments": np.mean([results[l]["arguments"] for l in results]),
            "sentiment": np.mean([results[l]["sentiment"] for l in results])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="", help="run only the variants whose name contains this text")
    args = parser.parse_args()
    frame = prepare(read_labeled(sorted(glob.glob("data/labeled/*.csv"))))
    rows = []
    for name, config in VARIANTS.items():
        if args.only not in name:
            continue
        start = time.perf_counter()
        figures = summary(frame, config)
        figures.pop("_oof")
        rows.append({"variant": name, **figures, "seconds": time.perf_counter() - start})
        print(rows[-1], flush=True)
    if args.only in "one model per language":
        start = time.perf_counter()
        rows.append({"variant": "one model per language", **per_language(frame, TrainConfig()),
                     "seconds": time.perf_counter() - start})
        print(rows[-1], flush=True)
    print(pd.DataFrame(rows).round(3).to_string(index=False))


if __name__ == "__main__":
    main()
