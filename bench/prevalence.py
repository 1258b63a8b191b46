"""Label shares: raw counting versus the corrected estimate, when the true mix moves.

For several splits, trains on 70% of the threads of data/labeled/ (its cross-validated
confusion matrix is the correction), predicts the other 30%, then draws samples of that
held-out part with chosen true stance shares (Dirichlet, several sample sizes) and reports
the mean absolute error of raw classify-and-count and of adjusted classify-and-count (ACC),
and how often the 95% interval covers the truth, with the design effect of the
cross-validation's threads (the product's interval) and without it (errors taken as
independent), in the same run.

Samples are drawn without replacement (sizes 100, 300, 600; shares that need more comments
of a label than the held-out part has are drawn again), which is what a week of new
comments is, and with replacement (100, 300, 1000). A sample drawn with replacement that is
as large as the held-out part repeats its comments, so it carries that part's own
misclassification noise on top of its own: its coverage at 1,000 understates the interval's.

    python bench/prevalence.py [--splits 5] [--draws 100] [--test-size 0.3]
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

from tracker.batches import predict_pool  # noqa: E402
from tracker.labeled import read_labeled  # noqa: E402
from tracker.prevalence import adjusted_shares  # noqa: E402
from tracker.train import TrainConfig, prepare, train  # noqa: E402


def covered(shares: pd.DataFrame, truth: np.ndarray) -> float:
    return float(((shares["low"] <= truth + 1e-9) & (truth <= shares["high"] + 1e-9)).mean())


def draw_sample(rng, by_label: dict, labels: list, size: int, replace: bool) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a sample of `size` held-out comments whose true stance shares are drawn from a
    flat Dirichlet, and its true counts. Without replacement, shares needing more comments of a
    label than the held-out part has are drawn again."""
    available = np.array([len(by_label[l]) for l in labels])
    while True:
        counts = rng.multinomial(size, rng.dirichlet(np.ones(len(labels))))
        if replace or (counts <= available).all():
            break
    picked = np.concatenate([rng.choice(by_label[l], n, replace=replace) for l, n in zip(labels, counts)])
    return picked, counts


def one_split(frame: pd.DataFrame, seed: int, draws: int, test_size: float) -> tuple[list[dict], float]:
    """Train on the other threads, then score the estimates on samples of `test_size` of them."""
    train_idx, test_idx = next(GroupShuffleSplit(1, test_size=test_size, random_state=seed)
                               .split(frame, groups=frame["thread_id"]))
    result = train(frame.iloc[train_idx], TrainConfig())
    confusion = result.report["stance"]["all"]["confusion"]
    labels = confusion["labels"]
    test = frame.iloc[test_idx].reset_index(drop=True)
    test["predicted"] = predict_pool(result.predictor, test)["stance"].to_numpy()
    by_label = {label: np.flatnonzero(test["stance"].to_numpy() == label) for label in labels}
    rng = np.random.default_rng(seed)
    rows = []
    for size, replace in ((100, True), (300, True), (1000, True), (100, False), (300, False), (600, False)):
        for _ in range(draws):
            picked, counts = draw_sample(rng, by_label, labels, size, replace)
            predicted = test["predicted"].to_numpy()[picked]
            observed = np.array([(predicted == l).sum() for l in labels])
            true_share = counts / size
            shares = adjusted_shares(observed, confusion["matrix"], labels, draws=200,
                                     design_effect=confusion["design_effect"])
            independent = adjusted_shares(observed, confusion["matrix"], labels, draws=200)
            rows.append({"split": seed, "size": size, "replace": replace,
                         "raw_mae": np.abs(shares["raw_share"].to_numpy() - true_share).mean(),
                         "acc_mae": np.abs(shares["share"].to_numpy() - true_share).mean(),
                         "covered": covered(shares, true_share), "covered_independent": covered(independent, true_share),
                         "width": (shares["high"] - shares["low"]).mean(),
                         "width_independent": (independent["high"] - independent["low"]).mean()})
    return rows, confusion["design_effect"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--draws", type=int, default=100, help="Samples per size and split.")
    parser.add_argument("--splits", type=int, default=5, help="Train/test splits by thread.")
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--test-size", type=float, default=0.3, help="Share of the threads held out.")
    args = parser.parse_args()
    frame = prepare(read_labeled(sorted(glob.glob("data/labeled/*.csv"))))
    rows, effects = [], []
    for seed in range(args.seed, args.seed + args.splits):
        split_rows, effect = one_split(frame, seed, args.draws, args.test_size)
        rows += split_rows
        effects.append(effect)
    results = pd.DataFrame(rows)
    table = results.drop(columns="split").groupby(["replace", "size"]).mean()
    print(f"{args.splits} splits (seeds {args.seed}-{args.seed + args.splits - 1}), {args.draws} draws per sample size "
          f"and split; true shares ~ Dirichlet(1,1,1,1); design effects {effects}")
    print(table.round(4).to_string())
    print("coverage per split:")
    print(results.pivot_table(index="split", columns=["replace", "size"], values="covered").round(3).to_string())
    print(f"overall: raw MAE {table['raw_mae'].mean():.4f}, corrected MAE {table['acc_mae'].mean():.4f}")


if __name__ == "__main__":
    main()
