"""The fitted model: shared text features and three heads (stance, arguments, sentiment).

A `Predictor` is what a bundle's joblib file holds. `predict` takes a DataFrame with `text`,
`parent_text` and `lang` and returns one row per comment with the prediction columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from tracker.schema import ARGUMENT_SEPARATOR


@dataclass
class ArgumentHead:
    """One binary classifier per tag, each with its own decision threshold."""

    tags: list[str]
    classifiers: list  # fitted LogisticRegression, one per tag (None for a tag seen on every row or none)
    thresholds: list[float]
    # complement naive Bayes per tag, as features x tags log-weight differences (tag minus not
    # tag; columns of absent tags unused), and its weight in the blend; None in bundles before it
    bayes: np.ndarray | None = None
    bayes_weight: float = 0.0

    def probabilities(self, features) -> np.ndarray:
        """Each tag's probability: the logistic of its classifier's score, all tags' scores
        (and naive Bayes's, when the head has it) computed in one pass over the features (what
        `predict_proba` gives one at a time), blended."""
        present, weights, _ = self._stacked()
        if not present:
            return np.zeros((features.shape[0], len(self.tags)), dtype=np.float32)
        return self.proba_from(features @ weights)

    def product_weights(self) -> np.ndarray | None:
        """The weights whose product with the features `proba_from` reads (None without tags)."""
        return self._stacked()[1]

    def proba_from(self, product) -> np.ndarray:
        """`probabilities` from the features' product with `product_weights()`."""
        from scipy.special import expit

        present, _, bias = self._stacked()
        scores = np.asarray(product)
        out = np.zeros((scores.shape[0], len(self.tags)), dtype=np.float32)
        out[:, present] = expit(scores[:, :len(present)] + bias)
        if self.bayes is not None and self.bayes_weight:
            out[:, present] = (1 - self.bayes_weight) * out[:, present] + self.bayes_weight * expit(
                scores[:, len(present):])
        return out

    def _stacked(self) -> tuple[list[int], np.ndarray, np.ndarray]:
        """The tags with a classifier, their coefficients (then naive Bayes's) side by side as
        one C-ordered float32 array, and their intercepts; built once per loaded bundle and
        never saved with it."""
        cached = self.__dict__.get("_stacked_weights")
        if cached is None:
            present = [j for j, classifier in enumerate(self.classifiers) if classifier is not None]
            columns = [self.classifiers[j].coef_.ravel() for j in present]
            if self.bayes is not None:
                columns += [self.bayes[:, j] for j in present]
            weights = np.ascontiguousarray(np.column_stack(columns), dtype=np.float32) if present else None
            bias = np.array([self.classifiers[j].intercept_[0] for j in present])
            cached = self.__dict__["_stacked_weights"] = (present, weights, bias)
        return cached

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_stacked_weights", None)
        return state

    def decide(self, probabilities: np.ndarray) -> list[str]:
        """Each row's tags above their thresholds, joined; each combination present in the batch
        is joined once (rows keyed by their packed tag bits), not once per row."""
        chosen = probabilities >= np.asarray(self.thresholds)[None, :]
        if not self.tags:
            return [""] * len(chosen)
        packed = np.ascontiguousarray(np.packbits(chosen, axis=1))
        _, first, inverse = np.unique(packed.view(f"V{packed.shape[1]}").ravel(), return_index=True,
                                      return_inverse=True)
        joined = np.array([ARGUMENT_SEPARATOR.join(t for t, on in zip(self.tags, chosen[i]) if on) for i in first],
                          dtype=object)
        return joined[inverse.ravel()].tolist()


@dataclass
class Predictor:
    features: object  # a fitted FeatureUnion
    stance: object | None = None  # fitted classifier with predict_proba and classes_
    arguments: ArgumentHead | None = None
    sentiment: object | None = None
    config: dict = field(default_factory=dict)
    neighbours: object | None = None  # a NeighbourStance (tracker/neighbours.py), read in a second pass

    @property
    def stance_labels(self) -> list[str]:
        return [str(c) for c in self.stance.classes_] if self.stance is not None else []

    def __getstate__(self) -> dict:
        state = dict(self.__dict__)
        state.pop("_product_weights", None)
        return state

    def _heads_product(self) -> tuple[np.ndarray, dict] | None:
        """Every head's `product_weights` side by side, and each head's columns among them, when
        every head has them: the features, read from memory once instead of once per head,
        give all the scores in one product (10,000 comments: 63 ms against 103 for three, for
        about 50 MB more per process). Built once per loaded bundle and never saved."""
        if "_product_weights" not in self.__dict__:
            heads = [head for head in (self.stance, self.arguments, self.sentiment) if head is not None]
            weights = [getattr(head, "product_weights", lambda: None)() for head in heads]
            stacked = None
            if heads and all(w is not None for w in weights):
                ends = np.cumsum([w.shape[1] for w in weights])
                columns = {id(head): slice(end - w.shape[1], end) for head, w, end in zip(heads, weights, ends)}
                stacked = (np.ascontiguousarray(np.hstack(weights), dtype=np.float32), columns)
            self.__dict__["_product_weights"] = stacked
        return self.__dict__["_product_weights"]

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        from scipy import sparse

        from tracker.pieces import transform_parts

        parts = transform_parts(self.features, frame)  # each distinct text of the batch read once
        product = self._heads_product()
        if product is not None:  # the features' product with every head's weights, block by block
            weights, columns, start = product[0], product[1], 0
            scores = np.zeros((len(frame), weights.shape[1]), dtype=np.float32)
            for part in parts:
                scores += part @ weights[start:start + part.shape[1]]
                start += part.shape[1]

            def probabilities(head):
                return head.proba_from(scores[:, columns[id(head)]])
        else:
            X = sparse.hstack(parts, format="csr")

            def probabilities(head):
                return head.probabilities(X) if head is self.arguments else head.predict_proba(X)
        out = pd.DataFrame(index=frame.index)
        if self.stance is not None:
            proba = probabilities(self.stance)
            labels = self.stance_labels
            best = proba.argmax(axis=1)
            out["stance"] = np.asarray(labels, dtype=object)[best]
            out["stance_confidence"] = proba.max(axis=1).round(4)
            for j, label in enumerate(labels):
                out[f"p_{label}"] = proba[:, j].round(4)
        if self.arguments is not None:
            out["arguments"] = self.arguments.decide(probabilities(self.arguments))
        if self.sentiment is not None:
            proba = probabilities(self.sentiment)
            labels = [str(c) for c in self.sentiment.classes_]
            out["sentiment"] = np.asarray(labels, dtype=object)[proba.argmax(axis=1)]
            positive = proba[:, labels.index("positive")] if "positive" in labels else 0.0
            negative = proba[:, labels.index("negative")] if "negative" in labels else 0.0
            out["sentiment_score"] = np.round(positive - negative, 4)
        return out


@dataclass
class TargetedPredictor:
    """One Predictor per stance target; each row is classified by its target's model."""

    predictors: dict[str, Predictor]
    target_column: str

    def predict(self, frame: pd.DataFrame) -> pd.DataFrame:
        from tracker.errors import InputError

        if self.target_column not in frame:
            raise InputError(f"this model classifies per target: the input needs a '{self.target_column}' column")
        parts = []
        unknown = set(frame[self.target_column].astype(str)) - set(self.predictors)
        if unknown:
            raise InputError(f"targets {sorted(unknown)[:5]} have no model; known: {sorted(self.predictors)}")
        for target, part in frame.groupby(frame[self.target_column].astype(str)):
            parts.append(self.predictors[target].predict(part))
        return pd.concat(parts).reindex(frame.index)

    @property
    def stance_labels(self) -> list[str]:
        labels: list[str] = []
        for predictor in self.predictors.values():
            labels += [label for label in predictor.stance_labels if label not in labels]
        return labels
