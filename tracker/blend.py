"""Logistic regression blended with complement naive Bayes over the same features.

The two make different errors on short texts: naive Bayes weighs every word by how much more
often it appears in one label than in the others, logistic regression fits the words jointly
(Wang & Manning, 2012, found naive Bayes's log-count ratios and a discriminative model
better together on short texts). Averaging their probabilities gained a point of stance
macro-F1 in grouped cross-validation and on the independent sets (bench/model_choices.py).
"""

from __future__ import annotations

import numpy as np
from scipy.special import expit, softmax
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB


class NaiveBayesBlend:
    """`predict_proba` = (1 - weight) x logistic regression + weight x complement naive Bayes.

    Only what prediction needs is kept of the two models: their weights side by side in one
    features x (2 x labels) float32 array, so that both scores come from one pass over the
    sparse features, and the regression's intercepts (scikit-learn's naive Bayes also keeps
    three count arrays of the same size)."""

    def __init__(self, logistic: LogisticRegression, alpha: float = 0.1, weight: float = 0.5):
        self.logistic, self.alpha, self.weight = logistic, alpha, weight

    def fit(self, X, y) -> NaiveBayesBlend:
        """Fit both models on X, whose features are non-negative weights (TF-IDF, lexicon parts)."""
        logistic = clone(self.logistic).fit(X, y)
        bayes = ComplementNB(alpha=self.alpha).fit(X, y)  # labels sorted, as logistic regression's
        self.classes_ = logistic.classes_
        self.intercept_ = logistic.intercept_.astype(np.float64)
        self.weights_ = np.ascontiguousarray(np.hstack([logistic.coef_.T, bayes.feature_log_prob_.T]),
                                             dtype=np.float32)
        return self

    def _scores(self, X) -> tuple[np.ndarray, np.ndarray]:
        """The regression's decision scores and naive Bayes's summed log weights."""
        return self._split(X @ self.weights_)

    def _split(self, product) -> tuple[np.ndarray, np.ndarray]:
        both = np.asarray(product, dtype=np.float64)
        split = len(self.intercept_)  # one column for two labels, one per label otherwise
        return both[:, :split], both[:, split:]

    def product_weights(self) -> np.ndarray:
        """The weights whose product with the features `proba_from` reads (`Predictor` multiplies
        the features by every head's at once)."""
        return self.weights_

    def logistic_proba(self, X) -> np.ndarray:
        return self._logistic(self._scores(X)[0])

    def bayes_proba(self, X) -> np.ndarray:
        """Complement naive Bayes's probabilities: the softmax of each label's summed log weights
        (what `ComplementNB.predict_proba` computes for two labels or more)."""
        return softmax(self._scores(X)[1], axis=1)

    def _logistic(self, scores: np.ndarray) -> np.ndarray:
        scores = scores + self.intercept_
        if scores.shape[1] == 1:
            positive = expit(scores[:, 0])
            return np.column_stack([1 - positive, positive])
        return softmax(scores, axis=1)

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def predict_proba(self, X) -> np.ndarray:
        return self.proba_from(X @ self.weights_)

    def proba_from(self, product) -> np.ndarray:
        """`predict_proba` from the features' product with `product_weights()`."""
        logistic, bayes = self._split(product)
        proba = self._logistic(logistic)
        if self.weight:
            proba = (1 - self.weight) * proba + self.weight * softmax(bayes, axis=1)
        return proba


def tag_log_weights(X, has_tag, alpha: float = 0.1) -> np.ndarray:
    """Complement naive Bayes for one binary tag as one weight per feature: the tag's log
    weight minus the other label's, so that `expit(X @ w)` is `ComplementNB.predict_proba`'s
    probability of the tag."""
    bayes = ComplementNB(alpha=alpha).fit(X, np.asarray(has_tag, dtype=bool))
    return (bayes.feature_log_prob_[1] - bayes.feature_log_prob_[0]).astype(np.float32)
