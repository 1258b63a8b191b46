"""Accuracy of the default configuration on a held-out split of data/labeled/ (by thread),
beside the cross-validated figures, on each independent set in data/heldout/ and all of them
together, and on the independent threads of data/heldout/threads/ (each comment read with its
thread, and by the stance head alone).

    python bench/accuracy.py [--test-share 0.2]
"""

from __future__ import annotations

import argparse
import copy
import glob
import sys
from pathlib import Path

import numpy as np
from sklearn.model_selection import GroupShuffleSplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.evaluate import evaluate_frame, format_report  # noqa: E402
from tracker.labeled import read_labeled  # noqa: E402
from tracker.train import TrainConfig, prepare, train  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--test-share", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    frame = prepare(read_labeled(sorted(glob.glob("data/labeled/*.csv"))))
    split = GroupShuffleSplit(n_splits=1, test_size=args.test_share, random_state=args.seed)
    train_idx, test_idx = next(split.split(frame, groups=frame["thread_id"]))
    train_part, test_part = frame.iloc[train_idx], frame.iloc[test_idx]
    print(f"train {len(train_part)} rows ({train_part['thread_id'].nunique()} threads), "
          f"held out {len(test_part)} rows ({test_part['thread_id'].nunique()} threads)\n")
    result = train(train_part, TrainConfig())
    print("== cross-validated on the training part (5 folds grouped by thread) ==")
    for scope, part in result.report["stance"].items():
        if isinstance(part, dict) and "macro_f1" in part:
            print(f"  stance [{scope}] macro-F1 {part['macro_f1']:.3f}  side F1 {part.get('side_f1', np.nan):.3f}")
    print("\n== held-out threads ==")
    print(format_report(evaluate_frame(result.predictor, test_part)))
    independent = sorted(glob.glob("data/heldout/*.csv"))
    for path in independent:
        print(f"\n== independent set {path} (written apart from data/labeled) ==")
        print(format_report(evaluate_frame(result.predictor, read_labeled([path]))))
    if len(independent) > 1:
        print("\n== independent sets together ==")
        print(format_report(evaluate_frame(result.predictor, read_labeled(independent))))
    threads = sorted(glob.glob("data/heldout/threads/*.csv"))
    if threads:
        alone = copy.copy(result.predictor)
        alone.neighbours = None
        for name, paths in [(path, [path]) for path in threads] + [("together", threads)]:
            print(f"\n== independent threads, {name} (written apart from data/labeled) ==")
            print(format_report(evaluate_frame(result.predictor, read_labeled(paths))))
            stance = evaluate_frame(alone, read_labeled(paths))["stance"]
            print("  the stance head alone: " + ", ".join(f"[{scope}] {part['macro_f1']:.3f}"
                                                         for scope, part in stance.items()))


if __name__ == "__main__":
    main()
