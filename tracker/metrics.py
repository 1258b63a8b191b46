"""The evaluation report: the same figures for cross-validation, held-out splits and
`tracker evaluate`, overall and per language."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from tracker.schema import SIDE_STANCES

N_CALIBRATION_BINS = 10


def expected_calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = N_CALIBRATION_BINS) -> float:
    """Mean gap between confidence and accuracy, weighted by how many predictions fall in each bin."""
    confidence, correct = np.asarray(confidence, float), np.asarray(correct, float)
    if len(confidence) == 0:
        return float("nan")
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    gap = 0.0
    for b in range(bins):
        mask = which == b
        if mask.any():
            gap += mask.mean() * abs(confidence[mask].mean() - correct[mask].mean())
    return float(gap)


def reliability_table(confidence, correct, bins: int = N_CALIBRATION_BINS) -> list[dict]:
    confidence, correct = np.asarray(confidence, float), np.asarray(correct, float)
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    return [{"bin_low": float(edges[b]), "bin_high": float(edges[b + 1]), "count": int((which == b).sum()),
             "confidence": float(confidence[which == b].mean()) if (which == b).any() else None,
             "accuracy": float(correct[which == b].mean()) if (which == b).any() else None}
            for b in range(bins)]


NEUTRAL_LABELS = frozenset({"neutral", "off_topic", "none", "neither", "other", "unrelated", "discuss"})


def side_labels(labels) -> list:
    """The two labels that take a side: pro_open and pro_closed, or, in another label set, the
    two labels left once neutral ones are set aside (FAVOR and AGAINST beside NONE, say).
    Their mean F1 is the "side F1" (SemEval-2016 stance's F_avg for FAVOR/AGAINST/NONE)."""
    labels = list(labels)
    if all(side in labels for side in SIDE_STANCES):
        return list(SIDE_STANCES)
    sides = [label for label in labels if str(label).strip().lower() not in NEUTRAL_LABELS]
    return sides if len(sides) == 2 else []


def classification_report(y_true, y_pred, labels, confidence=None, sides: bool = True) -> dict:
    """Macro-F1, per-class precision/recall/F1/support, side F1 (a stance report, unless
    `sides` is False), confusion matrix, calibration."""
    y_true, y_pred = np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)
    labels = list(labels)
    precision, recall, f1, support = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    report = {
        "n": int(len(y_true)),
        "accuracy": float((y_true == y_pred).mean()) if len(y_true) else float("nan"),
        "macro_f1": float(f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)),
        "per_class": {label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
                      for label, p, r, f, s in zip(labels, precision, recall, f1, support)},
        "confusion": {"labels": labels, "matrix": confusion_matrix(y_true, y_pred, labels=labels).tolist()},
    }
    side = side_labels(labels) if sides else []
    if side:
        report["side_f1"] = float(np.mean([report["per_class"][s]["f1"] for s in side]))
    if confidence is not None:
        correct = y_true == y_pred
        report["ece"] = expected_calibration_error(confidence, correct)
        report["reliability"] = reliability_table(confidence, correct)
    return report


def multilabel_report(true_sets: list[set], pred_sets: list[set], tags) -> dict:
    per_tag = {}
    for tag in tags:
        t = np.array([tag in s for s in true_sets])
        p = np.array([tag in s for s in pred_sets])
        tp, fp, fn = int((t & p).sum()), int((~t & p).sum()), int((t & ~p).sum())
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_tag[tag] = {"precision": precision, "recall": recall, "f1": f1, "support": int(t.sum())}
    return {"n": len(true_sets), "macro_f1": float(np.mean([v["f1"] for v in per_tag.values()])) if per_tag else 0.0,
            "per_tag": per_tag}


def by_language(frame: pd.DataFrame, make_report, lang_column: str = "lang") -> dict:
    """`make_report(sub_frame)` overall and for each language present."""
    out = {"all": make_report(frame)}
    for lang, part in frame.groupby(lang_column):
        out[str(lang)] = make_report(part)
    return out
