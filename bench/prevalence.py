"""Label shares: raw counting versus the corrected estimate, when the true mix moves.

Trains on 70% of the threads of data/labeled/ (its cross-validated confusion matrix is the
correction), predicts the other 30%, then draws samples of that held-out part with chosen
true stance shares (Dirichlet, several sample sizes) and reports the mean absolute error of
raw classify-and-count and of adjusted classify-and-count (ACC), and how often the 95%
interval covers the truth.

    python bench/prevalence.py [--draws 300]
"""

from __future__ import annotations

import argparse
import glob
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupShuffleSplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.classify import predict_frame  # noqa: E402
from tracker.labeled import read_labeled  # noqa: E402
from tracker.prevalence import adjusted_shares  # noqa: E402
from tracker.train import TrainConfig, prepare, train  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--draws", type=int, default=300)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    frame = prepare(read_labeled(sorted(glob.glob("data/labeled/*.csv"))))
    train_idx, test_idx = next(GroupShuffleSplit(1, test_size=0.3, random_state=args.seed)
                               .split(frame, groups=frame["thread_id"]))
    result = train(frame.iloc[train_idx], TrainConfig())
    confusion = result.report["stance"]["all"]["confusion"]
    labels = confusion["labels"]
    test = frame.iloc[test_idx].reset_index(drop=True)
    test["predicted"] = predict_frame(result.predictor, test)["stance"].to_numpy()
    by_label = {label: np.flatnonzero(test["stance"].to_numpy() == label) for label in labels}
    rng = np.random.default_rng(args.seed)
    rows = []
    for size in (100, 300, 1000):
        for _ in range(args.draws):
            truth = rng.dirichlet(np.ones(len(labels)))
            counts = rng.multinomial(size, truth)
            picked = np.concatenate([rng.choice(by_label[l], n, replace=True) for l, n in zip(labels, counts)])
            predicted = test["predicted"].to_numpy()[picked]
            observed = np.array([(predicted == l).sum() for l in labels])
            true_share = counts / size
            shares = adjusted_shares(observed, confusion["matrix"], labels, draws=200)
            rows.append({"size": size,
                         "raw_mae": np.abs(shares["raw_share"].to_numpy() - true_share).mean(),
                         "acc_mae": np.abs(shares["share"].to_numpy() - true_share).mean(),
                         "covered": ((shares["low"] <= true_share + 1e-9) & (true_share <= shares["high"] + 1e-9)).mean()})
    table = pd.DataFrame(rows).groupby("size").mean()
    print(f"held-out part: {len(test)} comments; {args.draws} draws per sample size; true shares ~ Dirichlet(1,1,1,1)")
    print(table.round(4).to_string())
    print(f"overall: raw MAE {table['raw_mae'].mean():.4f}, corrected MAE {table['acc_mae'].mean():.4f}")


if __name__ == "__main__":
    main()
