"""Logistic regression blended with complement naive Bayes over the same features.

The two make different errors on short texts: naive Bayes weighs every word by how much more
often it appears in one label than in the others, logistic regression fits the words jointly
(Wang & Manning, 2012, on the same pairing). Averaging their probabilities gained a point of
stance macro-F1 in grouped cross-validation and on the independent sets (bench/model_choices.py).
"""

from __future__ import annotations

import numpy as np
from scipy.special import softmax
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB


def nonnegative(X):
    """The features as naive Bayes reads them, as counts: negative values (the VADER lexicon's
    compound score below zero) count as zero; X itself when it has none."""
    data = X.data if hasattr(X, "data") else np.asarray(X)
    return X.maximum(0) if data.size and data.min() < 0 else X


class NaiveBayesBlend:
    """`predict_proba` = (1 - weight) x logistic regression + weight x complement naive Bayes.

    Only what prediction needs is kept of the naive Bayes model: its per-label log weights as
    a features x labels float32 array (scikit-learn's also keeps three count arrays of the
    same size)."""

    def __init__(self, c: float, alpha: float = 0.1, weight: float = 0.5, seed: int = 13):
        self.c, self.alpha, self.weight, self.seed = c, alpha, weight, seed

    def fit(self, X, y) -> NaiveBayesBlend:
        self.logistic_ = LogisticRegression(C=self.c, max_iter=3000, class_weight="balanced",
                                            random_state=self.seed).fit(X, y)
        bayes = ComplementNB(alpha=self.alpha).fit(nonnegative(X), y)  # labels sorted, as logistic regression's
        self.log_weights_ = np.ascontiguousarray(bayes.feature_log_prob_.T, dtype=np.float32)  # features x labels
        self.classes_ = self.logistic_.classes_
        return self

    def bayes_proba(self, X) -> np.ndarray:
        """Complement naive Bayes's probabilities: the softmax of each label's summed log weights
        (what `ComplementNB.predict_proba` computes for two labels or more)."""
        return softmax(np.asarray(nonnegative(X) @ self.log_weights_, dtype=np.float64), axis=1)

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def predict_proba(self, X) -> np.ndarray:
        proba = self.logistic_.predict_proba(X)
        if self.weight:
            proba = (1 - self.weight) * proba + self.weight * self.bayes_proba(X)
        return proba


def tag_log_weights(X, has_tag, alpha: float = 0.1) -> np.ndarray:
    """Complement naive Bayes for one binary tag as one weight per feature: the tag's log
    weight minus the other label's, so that `expit(X @ w)` is `ComplementNB.predict_proba`'s
    probability of the tag."""
    bayes = ComplementNB(alpha=alpha).fit(nonnegative(X), np.asarray(has_tag, dtype=bool))
    return (bayes.feature_log_prob_[1] - bayes.feature_log_prob_[0]).astype(np.float32)
