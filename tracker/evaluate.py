"""Evaluate a model bundle on any labeled data."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tracker.batches import predict_pool
from tracker.errors import LabelError
from tracker.metrics import by_language, classification_report, multilabel_report
from tracker.schema import split_arguments
from tracker.train import prepare


def evaluate_frame(predictor, frame: pd.DataFrame) -> dict:
    data = prepare(frame)
    predicted = predict_pool(predictor, data)
    scored = data.assign(_stance=predicted.get("stance"), _conf=predicted.get("stance_confidence"),
                         _args=predicted.get("arguments"), _sent=predicted.get("sentiment"))
    report: dict = {}
    if "stance" in data and "stance" in predicted:
        labels = sorted(set(data["stance"]) | set(predicted["stance"]))
        report["stance"] = by_language(scored, lambda f: classification_report(f["stance"], f["_stance"], labels, f["_conf"]))
    if "arguments" in data and "arguments" in predicted:
        tags = sorted({t for v in data["arguments"] for t in split_arguments(v)} | set(predictor_tags(predictor)))
        report["arguments"] = by_language(scored, lambda f: multilabel_report(
            [set(split_arguments(v)) for v in f["arguments"]], [set(split_arguments(v)) for v in f["_args"]], tags))
    if "sentiment" in data and "sentiment" in predicted:
        labels = sorted(set(data["sentiment"]) | set(predicted["sentiment"]))
        report["sentiment"] = by_language(scored, lambda f: classification_report(f["sentiment"], f["_sent"], labels,
                                                                                  sides=False))
    if not report:
        raise LabelError("the data has no stance, arguments or sentiment column to compare the model with; "
                         "name them with --stance-column, --arguments-column, --sentiment-column")
    return report


def predictor_tags(predictor) -> list[str]:
    head = getattr(predictor, "arguments", None)
    return head.tags if head is not None else []


def format_report(report: dict, card: dict | None = None) -> str:
    lines = [f"model {card['version']}" if card else ""]
    for head in ("stance", "sentiment"):
        if head not in report:
            continue
        lines.append(f"\n{head}:")
        for scope, part in report[head].items():
            side = f", side F1 {part['side_f1']:.3f}" if "side_f1" in part else ""
            ece = f", ECE {part['ece']:.3f}" if part.get("ece") is not None and not np.isnan(part.get("ece", np.nan)) else ""
            lines.append(f"  [{scope}] n={part['n']} macro-F1 {part['macro_f1']:.3f}{side}, accuracy {part['accuracy']:.3f}{ece}")
        for label, c in report[head]["all"]["per_class"].items():
            lines.append(f"    {label:<12} P {c['precision']:.3f}  R {c['recall']:.3f}  F1 {c['f1']:.3f}  n={c['support']}")
        confusion = report[head]["all"]["confusion"]
        lines.append("    confusion (rows true, columns predicted): " + " ".join(confusion["labels"]))
        for label, row in zip(confusion["labels"], confusion["matrix"]):
            lines.append(f"    {label:<12} " + " ".join(f"{v:>5}" for v in row))
    if "arguments" in report:
        lines.append("\narguments:")
        for scope, part in report["arguments"].items():
            lines.append(f"  [{scope}] macro-F1 {part['macro_f1']:.3f}: " +
                         ", ".join(f"{t} {c['f1']:.2f}" for t, c in part["per_tag"].items()))
    return "\n".join(lines).strip()
