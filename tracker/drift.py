"""Drift: how far newly classified comments are from the data the model was trained on.

Three components, each in [0, 1] (0 = like the training data):

- `unseen_words`: the share of content words (tokens with letters, after the model's own
  folding and tokenizing, English and French stop words left out) that are not in the
  fitted word vectorizer's vocabulary, i.e. words the model has no weight for. With a model
  trained on most of data/labeled/, comments from held-out threads of the same debate score
  about 0.2 (rare words, names, typos) and comments on another topic about 0.6; a model
  trained on a few hundred rows knows fewer words and scores higher on everything.
- `confidence`: total variation distance between the model's stance confidence on the new
  comments and its cross-validated confidence on the training data (the card's reliability
  bins). A model that meets unfamiliar text grows unsure, and the histogram moves.
- `languages`: total variation distance between the language mix of the new comments and
  of the training data (card["data"]["languages"]); `other` counts as its own language.

The score is their weighted mean (WEIGHTS), over the components that can be computed (a
bundle trained with --no-evaluate has no reliability bins). A score at or above
DRIFT_THRESHOLD means the recent comments look unlike the training data: time for a review
round (`tracker review queue`) and a retrain.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from tracker.features import fold_texts, own_word_vectorizer
from tracker.schema import LANGS
from tracker.store import Store, from_epoch

WEIGHTS = {"unseen_words": 0.5, "confidence": 0.25, "languages": 0.25}
DRIFT_THRESHOLD = 0.3
DRIFT_SAMPLE = 5_000  # comments per run the score is computed on (a random sample beyond that)
_LETTER = re.compile(r"[^\W\d_]")
DRIFT_COLUMNS = ("run_id", "finished_at", "model_version", "classified", "n", "score", "unseen_words", "confidence",
                 "languages", "first_comment", "last_comment", "drifting")


@dataclass(frozen=True)
class Drift:
    score: float
    components: dict  # component name -> value in [0, 1]
    n: int  # comments measured

    def as_dict(self) -> dict:
        return asdict(self)


def total_variation(p, q) -> float:
    """Half the L1 distance between two histograms, each normalised to sum to 1; in [0, 1]."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    if p.sum() <= 0 or q.sum() <= 0:
        return float("nan")
    return float(0.5 * np.abs(p / p.sum() - q / q.sum()).sum())


def _predictors(predictor) -> list:
    return list(predictor.predictors.values()) if hasattr(predictor, "predictors") else [predictor]


def word_vocabulary(predictor) -> tuple[set[str], object] | None:
    """Single words known to the model's word vectorizer(s), and one vectorizer to tokenize with."""
    words, vectorizer = set(), None
    for part in _predictors(predictor):
        last = own_word_vectorizer(part.features)
        if last is None:
            continue
        vectorizer = vectorizer or last
        words.update(term for term in last.vocabulary_ if " " not in term)
    return (words, vectorizer) if vectorizer is not None else None


def _function_words() -> frozenset[str]:
    from tracker.text import stop_words

    return frozenset(fold_texts([word for lang in LANGS for word in stop_words(lang)]))


def unseen_word_share(texts, predictor) -> float:
    """Share of word tokens in `texts` that the model's word vocabulary does not hold."""
    known = word_vocabulary(predictor)
    if known is None:
        return float("nan")
    words, vectorizer = known
    tokenize, function_words = vectorizer.build_tokenizer(), _function_words()
    seen = total = 0
    for text in fold_texts([str(text) for text in texts]):  # the folding the features apply
        tokens = [t for t in tokenize(text)
                  if _LETTER.search(t) and not t.startswith("_") and t not in function_words]
        total += len(tokens)
        seen += sum(t in words for t in tokens)
    return (total - seen) / total if total else float("nan")


def reliability_bins(card: dict) -> list[dict]:
    """The card's cross-validated stance reliability bins, summed over targets for a per-target model."""
    metrics = card.get("metrics") or {}
    reports = [r for r in metrics.get("per_target", {}).values()] if "per_target" in metrics else [metrics]
    summed: dict[tuple, dict] = {}
    for report in reports:
        for row in report.get("stance", {}).get("all", {}).get("reliability", []):
            key = (row["bin_low"], row["bin_high"])
            summed.setdefault(key, {"bin_low": key[0], "bin_high": key[1], "count": 0})["count"] += row["count"]
    return [summed[k] for k in sorted(summed)]


def confidence_shift(confidences, card: dict) -> float:
    """Total variation between the confidence histogram of new comments and the card's bins."""
    bins = reliability_bins(card)
    confidences = np.asarray([c for c in confidences if c is not None and c == c], dtype=float)
    if not bins or not len(confidences):
        return float("nan")
    edges = np.array([b["bin_low"] for b in bins] + [bins[-1]["bin_high"]])
    which = np.clip(np.digitize(confidences, edges[1:-1]), 0, len(bins) - 1)
    return total_variation([b["count"] for b in bins], np.bincount(which, minlength=len(bins)))


def language_shift(langs, card: dict) -> float:
    """Total variation between the languages of new comments and of the training data."""
    trained = {k: v for k, v in (card.get("data") or {}).get("languages", {}).items() if v}
    new = Counter(str(lang or "other") for lang in langs)
    if not trained or not new:
        return float("nan")
    names = sorted(set(trained) | set(new))
    return total_variation([trained.get(n, 0) for n in names], [new.get(n, 0) for n in names])


def drift_score(predictor, card: dict, texts, langs, confidences) -> Drift:
    """The drift of a set of comments (their texts, languages and stance confidences) from
    the bundle's training data; see the module docstring for the components."""
    texts = list(texts)
    components = {"unseen_words": unseen_word_share(texts, predictor),
                  "confidence": confidence_shift(list(confidences), card),
                  "languages": language_shift(list(langs), card)}
    present = {k: round(float(v), 4) for k, v in components.items() if v == v}
    weight = sum(WEIGHTS[k] for k in present)
    score = sum(WEIGHTS[k] * v for k, v in present.items()) / weight if weight else float("nan")
    return Drift(score=round(float(score), 4), components=present, n=len(texts))


class DriftSample:
    """A uniform random sample (at most `size` comments) of what a classify run predicts, kept
    chunk by chunk while the run goes, so the drift is measured on exactly that run's comments
    in bounded memory (each comment draws a random key; the `size` smallest keys stay)."""

    def __init__(self, size: int = DRIFT_SAMPLE, seed: int = 0):
        self.size = size
        self.seen = 0
        self._rng = np.random.default_rng(seed)
        self._kept = pd.DataFrame(columns=["id", "text", "lang", "confidence", "key"])

    def add(self, chunk: pd.DataFrame, predicted: pd.DataFrame) -> None:
        """`chunk` has id, text, lang; `predicted` is the predictor's output for it."""
        confidence = predicted["stance_confidence"] if "stance_confidence" in predicted else np.nan
        part = pd.DataFrame({"id": chunk["id"].to_numpy(), "text": chunk["text"].to_numpy(),
                             "lang": chunk["lang"].to_numpy(), "confidence": np.asarray(confidence, dtype=float),
                             "key": self._rng.random(len(chunk))})
        self._kept = part if self._kept.empty else pd.concat([self._kept, part], ignore_index=True)
        self._kept = self._kept.nsmallest(self.size, "key")
        self.seen += len(chunk)

    @property
    def measured(self) -> pd.DataFrame:
        """The sampled comments: id, text, lang, confidence."""
        return self._kept.drop(columns=["key"])

    def details(self, store: Store, predictor, card: dict) -> dict:
        """Run details: {"drift": {score, components, n, classified, first_comment, last_comment}}
        (creation times of the measured comments, UTC), or {} when the run classified nothing."""
        kept = self.measured
        if kept.empty:
            return {}
        drift = drift_score(predictor, card, kept["text"], kept["lang"], kept["confidence"]).as_dict()
        ids = kept["id"].tolist()
        bounds = [store.conn.execute(f"SELECT min(created_at), max(created_at) FROM comments "
                                     f"WHERE id IN ({', '.join('?' * len(batch))})", batch).fetchone()
                  for batch in (ids[i:i + 500] for i in range(0, len(ids), 500))]
        drift.update(classified=self.seen, first_comment=from_epoch(min(b[0] for b in bounds)).isoformat(),
                     last_comment=from_epoch(max(b[1] for b in bounds)).isoformat())
        return {"drift": drift}


def drift_over_time(store: Store, threshold: float = DRIFT_THRESHOLD) -> pd.DataFrame:
    """One row per finished classify run that measured drift, oldest first.

    Columns: run_id, finished_at (UTC), model_version, classified (comments the run classified),
    n (comments measured: all of them, or a sample of DRIFT_SAMPLE), score, the three
    components, first_comment and last_comment (UTC creation times of the measured comments),
    drifting (score >= threshold).
    """
    rows = []
    for run_id, finished, version, details in store.conn.execute(
            "SELECT id, finished_at, model_version, details FROM runs "
            "WHERE kind = 'classify' AND status = 'done' AND details IS NOT NULL ORDER BY id"):
        drift = json.loads(details or "{}").get("drift")
        if not drift:
            continue
        components = drift.get("components", {})
        rows.append((run_id, from_epoch(finished), version, drift.get("classified", drift["n"]), drift["n"],
                     drift["score"], *(components.get(name, np.nan) for name in WEIGHTS),
                     pd.Timestamp(drift["first_comment"]), pd.Timestamp(drift["last_comment"]),
                     drift["score"] >= threshold))
    return pd.DataFrame(rows, columns=list(DRIFT_COLUMNS))


def drift_warning(history: pd.DataFrame, threshold: float = DRIFT_THRESHOLD) -> str | None:
    """A sentence for the dashboard when the latest measured run drifts past `threshold`."""
    if history.empty or history["score"].iloc[-1] < threshold:
        return None
    last = history.iloc[-1]
    return (f"The comments classified in run {last['run_id']} drift from the training data (score "
            f"{last['score']:.2f} >= {threshold:.2f}): review a round of comments ('tracker review queue') "
            "and retrain with 'tracker train --with-reviews'.")
