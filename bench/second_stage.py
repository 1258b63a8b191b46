"""A second stance stage over the stance head's out-of-fold probabilities: does the predicted
stance of a comment's neighbours (its parent, its author's other comments in the thread, its
replies), or a recalibration of its own probabilities, beat the stance head alone?

The stance head already reads the neighbours' words, as blocks of its linear model; a second
stage could read their *stance*, which a linear model over words cannot form (a rebuttal of
a pro-open parent is pro-closed). In the corpus, 94% of the side comments whose author wrote
other side comments in the thread share those comments' majority side. Everything is
cross-validated with the training's grouped folds; the second stage is trained on the
out-of-fold probabilities of the other folds (cross-fitted). Prints stance macro-F1 (all,
en, fr) for:

- the stance head alone (the default model's cross-validated figure);
- its probabilities recalibrated by a multinomial logistic regression over their logarithms
  (matrix scaling), and the same fitted on all the corpus applied to the default model on the
  independent sets (`data/heldout/`, all of them together), which hold no threads;
- a second stage (logistic regression, gradient boosting) over the comment's own
  probabilities and its neighbours' (mean over several): the neighbours' from the full stance
  head (at prediction time two passes over a file), from a head on their own words only, or
  estimated from the comment's own context blocks by three linear heads (parent, author,
  replies) trained on the neighbours' labels (one pass, as the model predicts now).

    python bench/second_stage.py               # about 13 minutes on two cores
    python bench/second_stage.py --held-out    # the two-pass stage on held-out threads instead
    python bench/second_stage.py --combiner    # variants of the built stage's combiner (5 minutes)
"""

from __future__ import annotations

import argparse
import glob
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tracker.features import text_features  # noqa: E402
from tracker.labeled import read_labeled  # noqa: E402
from tracker.models import load_bundle  # noqa: E402
from tracker.neighbours import EPS, Links, fit_stage  # noqa: E402
from tracker.train import TrainConfig, _part_columns, cross_validate, prepare  # noqa: E402

HELDOUT = sorted(glob.glob("data/heldout/independent*.csv"))


def macro_f1(frame: pd.DataFrame, predicted) -> str:
    predicted = np.asarray(predicted, dtype=object)
    scores = [f1_score(frame["stance"][mask], predicted[mask.to_numpy()], average="macro")
              for mask in (frame["lang"].notna(), frame["lang"].eq("en"), frame["lang"].eq("fr"))]
    return "all {:.3f}  en {:.3f}  fr {:.3f}".format(*scores)


class Neighbours(Links):
    """`tracker.neighbours.Links` with each comment's author's other comments and replies as
    lists of rows (what `block_heads` reads), and features whose own and neighbours' parts may
    come from different heads."""

    def __init__(self, frame: pd.DataFrame):
        super().__init__(frame)
        rows = np.arange(self.size)
        members = pd.Series(rows[self.group >= 0]).groupby(self.group[self.group >= 0]).apply(list).to_dict()
        self.author = [[j for j in members.get(g, []) if j != i] for i, g in enumerate(self.group)]
        replies = pd.Series(rows)[self.parent >= 0].groupby(self.parent[self.parent >= 0]).apply(list)
        self.replies = [replies.get(i, []) for i in rows]

    def features(self, own: np.ndarray, theirs: np.ndarray) -> np.ndarray:
        """`Links.features` of every row, the own part from `own`, the neighbours' from `theirs`."""
        k = own.shape[1]
        return np.hstack([np.log(own + EPS), super().features(theirs, np.arange(self.size))[:, k:]])


def cross_fitted(X: np.ndarray, y: np.ndarray, folds: np.ndarray, make) -> np.ndarray:
    predicted = np.empty(len(y), dtype=object)
    for fold in np.unique(folds):
        train, test = folds != fold, folds == fold
        predicted[test] = make().fit(X[train], y[train]).predict(X[test])
    return predicted


def block_heads(frame: pd.DataFrame, near: Neighbours, labels: list[str], folds: np.ndarray) -> np.ndarray:
    """Out-of-fold estimates of the parent's, the author's other comments' and the replies'
    stance, each from the comment's own context block (the words the model reads there),
    trained on those comments' labels (their share of each label where several)."""
    index = {label: k for k, label in enumerate(labels)}
    y = frame["stance"].map(index).to_numpy()
    k = len(labels)

    def shares(groups):
        out = np.full((len(frame), k), np.nan)
        for i, group in enumerate(groups):
            if len(group):
                out[i] = np.bincount(y[group], minlength=k) / len(group)
        return out

    targets = {"parent": shares([[p] if p >= 0 else [] for p in near.parent]), "author": shares(near.author),
               "replies": shares(near.replies)}
    config = TrainConfig()
    out = np.zeros((len(frame), 3 * k + 3))
    for fold in np.unique(folds):
        train, test = np.flatnonzero(folds != fold), np.flatnonzero(folds == fold)
        features = text_features(config.char_ngrams, config.context_weight, config.lexicon, config.min_df,
                                 config.author_weight, config.replies_weight)
        X_train, X_test = features.fit_transform(frame.iloc[train]), features.transform(frame.iloc[test])
        columns = _part_columns(features, frame.iloc[train[:1]])
        for b, (block, target) in enumerate(targets.items()):
            c = columns[block]
            known = np.flatnonzero(~np.isnan(target[train, 0]))
            rows, label = np.repeat(known, k), np.tile(np.arange(k), len(known))  # one row per label, weighted
            weight = target[train][known].ravel()
            head = LogisticRegression(C=4.0, max_iter=3000).fit(X_train[:, c][rows[weight > 0]], label[weight > 0],
                                                                 sample_weight=weight[weight > 0])
            estimate = np.full((len(test), k), EPS)
            estimate[:, head.classes_] = head.predict_proba(X_test[:, c])
            has = np.asarray(X_test[:, c].getnnz(axis=1) > 0)[:, None]
            out[test, b * k:(b + 1) * k] = np.log(estimate) * has
            out[test, 3 * k + b] = has[:, 0]
    return out


def held_out(frame: pd.DataFrame) -> None:
    """The two-pass stage with logistic regression, without cross-fitting: trained on the
    out-of-fold probabilities of 80% of the threads (the split of `bench/accuracy.py`),
    scored on the other 20%, whose first-stage probabilities come from the head trained on
    the 80%."""
    from sklearn.model_selection import GroupShuffleSplit

    from tracker.train import train

    split = GroupShuffleSplit(n_splits=1, test_size=0.2, random_state=11)
    train_rows, test_rows = next(split.split(frame, groups=frame["thread_id"]))
    part, test = frame.iloc[train_rows].reset_index(drop=True), frame.iloc[test_rows].reset_index(drop=True)
    P = cross_validate(part, ["stance"], TrainConfig())["stance"]
    head = train(part, TrainConfig(), evaluate=False).predictor
    Q = head.stance.predict_proba(head.features.transform(test))
    labels = np.asarray([str(c) for c in head.stance.classes_], dtype=object)
    combiner = LogisticRegression(C=1.0, max_iter=3000).fit(Neighbours(part).features(P, P), part["stance"])
    print(f"trained on {len(part)} comments, scored on the {len(test)} of the held-out threads; stance macro-F1")
    print(f"{'stance head alone':<64} {macro_f1(test, labels[Q.argmax(axis=1)])}")
    print(f"{'+ its neighbours from the full head (two passes), logistic regression':<64} "
          f"{macro_f1(test, combiner.predict(Neighbours(test).features(Q, Q)))}")


def combiners(frame: pd.DataFrame, cache: str | None = None) -> None:
    """The built stage (`tracker.neighbours`) and variants of its combiner, cross-fitted on the
    head's out-of-fold probabilities as `tracker train` gives them to it (after the head's
    temperature, to 4 decimals)."""
    from tracker.train import _useful_temperature, scale

    words_config = TrainConfig(context_weight=0.0, author_weight=0.0, replies_weight=0.0, bare_copies=False)
    if cache and Path(cache).exists():
        saved = np.load(cache)
        oof = {"stance": saved["stance"], "fold": saved["fold"], "stance_labels": sorted(frame["stance"].unique())}
        words = saved["words"]
    else:
        oof = cross_validate(frame, ["stance"], TrainConfig())
        words = cross_validate(frame, ["stance"], words_config)["stance"]  # the same folds: same seed and labels
        if cache:
            np.savez(cache, stance=oof["stance"], fold=oof["fold"], words=words)
    labels, folds = oof["stance_labels"], oof["fold"]
    y = frame["stance"].to_numpy()
    temperature = _useful_temperature(oof["stance"], np.array([labels.index(v) for v in y]))
    P = (scale(oof["stance"], temperature) if temperature else oof["stance"]).round(4)
    links = Links(frame)
    rows = np.arange(len(frame))
    near = links.has_any(rows)
    built = links.features(P, rows)
    k = len(labels)
    # the built stage's inputs: own (k), then parent, author, replies, grandparent, siblings,
    # thread (k + 1 each: their probabilities and an indicator)
    blocks = [built[:, :k]] + [built[:, k + b * (k + 1):k + (b + 1) * (k + 1)] for b in range(6)]
    X = np.hstack(blocks[:4])  # the ninth session's design: parent, author, replies
    lang = pd.get_dummies(frame["lang"]).to_numpy(dtype=float)
    print(f"{len(frame)} comments, {near.sum()} with neighbours; stance macro-F1 (temperature {temperature})")
    print(f"{'stance head alone':<64} {macro_f1(frame, np.asarray(labels)[P.argmax(axis=1)])}")
    variants = {
        "parent, author, replies (C=1)": (X, dict(C=1.0)),
        "the same, C=0.3": (X, dict(C=0.3)),
        "the same, C=3": (X, dict(C=3.0)),
        "the same, balanced class weights": (X, dict(C=1.0, class_weight="balanced")),
        "the same + language indicators": (np.hstack([X, lang]), dict(C=1.0)),
        "the same + language interactions": (np.hstack([X, (X[:, :, None] * lang[:, None, :]).reshape(len(X), -1)]),
                                             dict(C=1.0)),
        "+ grandparent": (np.hstack([X, blocks[4]]), dict(C=1.0)),
        "+ siblings": (np.hstack([X, blocks[5]]), dict(C=1.0)),
        "+ thread": (np.hstack([X, blocks[6]]), dict(C=1.0)),
        "+ all three: the built stage (tracker.neighbours)": (built, dict(C=1.0)),
        "the built stage + a second stance head on the own words": (
            np.hstack([built, links.features(words.round(4), rows)]), dict(C=1.0)),
    }

    def scored(features, make) -> str:
        predicted = np.asarray(labels, dtype=object)[P.argmax(axis=1)]
        predicted[near] = cross_fitted(features[near], y[near], folds[near], make)
        return macro_f1(frame, predicted)

    for name, (features, options) in variants.items():
        print(f"{name:<64} "
              f"{scored(features, lambda: LogisticRegression(solver='newton-cholesky', max_iter=300, **options))}")
    print(f"{'the built stage, gradient boosting':<64} " + scored(built, lambda: HistGradientBoostingClassifier(
        max_iter=200, learning_rate=0.05, random_state=0)))
    # a second round: the neighbours' probabilities from the first round's stage (cross-fitted;
    # a fold's first-round figures come from stages that saw the other folds, so this round's
    # combiner has seen, at second hand, the labels of the fold it predicts)
    first = fit_stage(P, frame, labels, folds)[1]
    again = np.hstack([np.log(P + EPS), links.features(first, rows)[:, k:]])
    print(f"{'two rounds (neighbours read from the first round)':<64} "
          f"{scored(again, lambda: LogisticRegression(solver='newton-cholesky', max_iter=300))}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--held-out", action="store_true",
                        help="the two-pass stage trained on 80%% of the threads, scored on the others")
    parser.add_argument("--combiner", action="store_true", help="variants of the built stage's combiner")
    parser.add_argument("--oof-cache", help="with --combiner: keep the out-of-fold probabilities in this .npz file")
    args = parser.parse_args()
    frame = prepare(read_labeled(sorted(glob.glob("data/labeled/*.csv"))))
    if args.combiner:
        combiners(frame, args.oof_cache)
        return
    if args.held_out:
        held_out(frame)
        return
    y = frame["stance"].to_numpy()
    oof = cross_validate(frame, ["stance"], TrainConfig())
    labels, folds, P = oof["stance_labels"], oof["fold"], oof["stance"]
    print(f"{len(frame)} comments, {TrainConfig().folds} folds grouped by thread; stance macro-F1")
    print(f"{'stance head alone':<64} {macro_f1(frame, np.asarray(labels)[P.argmax(axis=1)])}")

    def matrix_scaling():
        return LogisticRegression(C=1.0, max_iter=3000)

    print(f"{'recalibrated (matrix scaling, cross-fitted)':<64} "
          f"{macro_f1(frame, cross_fitted(np.log(P + EPS), y, folds, matrix_scaling))}")
    heldout = prepare(read_labeled(HELDOUT).assign(parent_text=""))
    predictor, _ = load_bundle()
    head = getattr(predictor.stance, "classifier", predictor.stance)  # before its temperature
    raw = head.predict_proba(predictor.features.transform(heldout))
    fitted = matrix_scaling().fit(np.log(P + EPS), y)
    print(f"{'independent sets, default model':<64} {macro_f1(heldout, np.asarray(labels)[raw.argmax(axis=1)])}")
    print(f"{'independent sets, default model recalibrated':<64} {macro_f1(heldout, fitted.predict(np.log(raw + EPS)))}")

    near = Neighbours(frame)
    text_only = cross_validate(frame, ["stance"], TrainConfig(context_weight=0.0, author_weight=0.0,
                                                              replies_weight=0.0, bare_copies=False))["stance"]
    print(f"{'stance head on the own words only':<64} {macro_f1(frame, np.asarray(labels)[text_only.argmax(axis=1)])}")
    second = {"logistic regression": lambda: LogisticRegression(C=1.0, max_iter=3000),
              "gradient boosting": lambda: HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05,
                                                                          random_state=0)}
    inputs = {"neighbours' full stance head (two passes)": near.features(P, P),
              "neighbours' own-words head": near.features(P, text_only),
              "the own context blocks' heads (one pass)": np.hstack([np.log(P + EPS),
                                                                      block_heads(frame, near, labels, folds)])}
    for source, X in inputs.items():
        for learner, make in second.items():
            print(f"{source + ', ' + learner:<64} {macro_f1(frame, cross_fitted(X, y, folds, make))}")


if __name__ == "__main__":
    main()
