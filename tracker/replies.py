"""A reply's stance read against its parent's: "Exactly." under a pro-open comment is pro-open.

Replies get their own stance classifier, which sees a comment's features plus its own word
n-grams crossed with the stance its parent takes, so that words of agreement and
disagreement ("exactly", "faux", "wrong") can point to a side relative to the parent.
Comments without a parent keep the plain stance classifier, whose weights the crossing would
otherwise weaken (measured in docs/benchmarks.md). The parent's stance is read by a small
word model from the parent's words, which the features already hold, and in training each
comment's parent is read by a model that never saw the comment's thread, as at prediction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.model_selection import GroupKFold

from tracker.features import own_text


@dataclass
class ReplyStance:
    reader: object  # fitted classifier: the parent's stance from the parent block of the features
    classifier: object  # fitted stance classifier for replies, on `features(X)`
    words: slice  # columns of the comment's own word n-grams
    parent: slice  # columns of the parent's word n-grams

    def has_parent(self, X) -> np.ndarray:
        return np.diff(sparse.csr_matrix(X)[:, self.parent].indptr) > 0

    def parent_labels(self, X) -> np.ndarray:
        """Index (in the reader's classes) of the stance each row's parent takes, -1 without one."""
        X = sparse.csr_matrix(X)
        found, rows = np.full(X.shape[0], -1), self.has_parent(X)
        if rows.any():
            found[rows] = self.reader.predict_proba(X[rows][:, self.parent]).argmax(axis=1)
        return found

    def features(self, X, parent_labels: np.ndarray | None = None) -> sparse.csr_matrix:
        """The features, then the own words crossed with the parent's stance and its indicator."""
        X = sparse.csr_matrix(X)
        found = self.parent_labels(X) if parent_labels is None else np.asarray(parent_labels)
        extra = crossed(X[:, self.words], found, len(self.reader.classes_))
        return sparse.hstack([X, extra], format="csr")

    def predict_proba(self, X) -> np.ndarray:
        return self.classifier.predict_proba(self.features(X))


def crossed(words: sparse.csr_matrix, found: np.ndarray, n_labels: int) -> sparse.csr_matrix:
    """Row i's word columns moved into the block of its parent's stance (nothing for a row
    without a parent), then one indicator column per stance."""
    n_rows, n_words = words.shape
    keep = found >= 0
    words = (sparse.diags(keep.astype(words.dtype)) @ words).tocsr()
    words.eliminate_zeros()
    rows = np.repeat(np.arange(n_rows), np.diff(words.indptr))
    moved = sparse.csr_matrix((words.data, words.indices + found[rows] * n_words, words.indptr),
                              shape=(n_rows, n_labels * n_words))
    indicator = sparse.csr_matrix((np.ones(keep.sum(), dtype=words.dtype), (np.flatnonzero(keep), found[keep])),
                                  shape=(n_rows, n_labels))
    return sparse.hstack([moved, indicator], format="csr")


def block_slices(features) -> tuple[slice, slice] | None:
    """Columns of the own word n-grams and of the parent's in a fitted `text_features` union,
    or None when it has no parent block."""
    parts = dict(features.transformer_list)
    if "parent" not in parts:
        return None
    own = parts["own"].steps[-1][1]
    sizes = [len(vectorizer.vocabulary_) for _, vectorizer in own.transformer_list]
    start = sum(sizes)
    return slice(0, sizes[0]), slice(start, start + len(parts["parent"].steps[-1][1].vocabulary_))


def fit_reply_stance(features, X, frame, y, groups, make_classifier) -> ReplyStance | None:
    """The reader (stance from a comment's words in the parent block's vocabulary) and the
    replies' classifier, trained with each row's parent read out of fold by group; None when
    the features have no parent block or the data has too few groups or replies."""
    slices = block_slices(features)
    n_folds = min(5, len(set(groups)))
    if slices is None or n_folds < 2:
        return None
    words, parent = slices
    X, y = sparse.csr_matrix(X), np.asarray(y)
    weight = (features.transformer_weights or {}).get("parent", 1.0)
    parent_vectorizer = dict(features.transformer_list)["parent"].steps[-1][1]
    as_parent = parent_vectorizer.transform(own_text(frame)) * weight  # each comment's words, as a parent's
    reader = make_classifier().fit(as_parent, y)
    head = ReplyStance(reader, None, words, parent)
    rows = head.has_parent(X)
    if rows.sum() < 2 * len(reader.classes_):
        return None
    found = np.full(len(y), -1)
    for train, test in GroupKFold(n_folds).split(X, y, groups):
        fold_reader = make_classifier().fit(as_parent[train], y[train])
        test = test[rows[test]]
        if len(test):
            index = fold_reader.predict_proba(X[test][:, parent]).argmax(axis=1)
            found[test] = [list(reader.classes_).index(fold_reader.classes_[i]) for i in index]
    head.classifier = make_classifier().fit(head.features(X, found), y)
    return head
