"""How stance accuracy grows with labeled data, on comments written apart from it.

Trains the default model's stance head on a random share of the threads of data/labeled/
(several draws per share) and scores it on every set in data/heldout/ together, beside the
generalisation across writers: trained on the first corpus's six files, scored on the files
of the later sessions (other writers, other places), and back.

    python bench/learning_curve.py [--shares 0.25 0.5 0.75 1.0] [--draws 3]
"""

from __future__ import annotations

import argparse
import glob
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import f1_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.labeled import read_labeled  # noqa: E402
from tracker.train import TrainConfig, prepare, train  # noqa: E402

FIRST_CORPUS = ["fr_news_a", "fr_news_b", "fr_forum", "en_hn", "en_reddit", "en_blind"]


def stance_f1(train_part: pd.DataFrame, test: pd.DataFrame) -> dict:
    """Stance macro-F1 on `test`, all and per language, of the default stance head."""
    predictor = train(train_part[["id", "text", "parent_id", "lang", "stance", "thread_id"]], TrainConfig(),
                      evaluate=False).predictor
    predicted = predictor.stance.predict(predictor.features.transform(test))
    truth, lang = test["stance"].to_numpy(), test["lang"].to_numpy()
    scores = {"all": f1_score(truth, predicted, average="macro")}
    for code in ("en", "fr"):
        scores[code] = f1_score(truth[lang == code], predicted[lang == code], average="macro")
    return scores


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shares", type=float, nargs="+", default=[0.25, 0.5, 0.75, 1.0])
    parser.add_argument("--draws", type=int, default=3, help="Random draws of threads per share below 1.")
    args = parser.parse_args()
    paths = sorted(glob.glob("data/labeled/*.csv"))
    frame = prepare(read_labeled(paths))
    heldout = prepare(read_labeled(sorted(glob.glob("data/heldout/*.csv"))))
    threads = frame["thread_id"].unique()
    print(f"stance macro-F1 on data/heldout/ ({len(heldout)} comments) by size of the training data")
    print("share  comments   all     en     fr")
    for share in args.shares:
        rows = []
        for draw in range(args.draws if share < 1 else 1):
            keep = np.random.default_rng(draw).choice(threads, int(round(len(threads) * share)), replace=False)
            part = frame[frame["thread_id"].isin(keep)]
            rows.append({**stance_f1(part, heldout), "n": len(part)})
        mean = pd.DataFrame(rows).mean()
        print(f"{share:5.2f}  {mean['n']:8.0f}  {mean['all']:.3f}  {mean['en']:.3f}  {mean['fr']:.3f}", flush=True)
    first = frame["id"].str.rsplit("-", n=1).str[0].isin(FIRST_CORPUS)
    print("\nacross writers (trained on one part of data/labeled/, scored on the other)")
    for name, a, b in (("first corpus -> later sessions' files", first, ~first),
                       ("later sessions' files -> first corpus", ~first, first)):
        scores = stance_f1(frame[a], frame[b])
        print(f"  {name}: {a.sum()} -> {b.sum()}: {scores['all']:.3f} (en {scores['en']:.3f}, fr {scores['fr']:.3f})")


if __name__ == "__main__":
    main()
