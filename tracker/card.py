"""The readable model card (Markdown) rendered from the card's JSON."""

from __future__ import annotations


def _pct(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _class_table(report: dict, title: str) -> list[str]:
    lines = [f"### {title}", "", "| scope | n | macro-F1 | side F1 | accuracy | ECE |", "|---|---|---|---|---|---|"]
    for scope, part in report.items():
        if isinstance(part, dict) and "macro_f1" in part:
            lines.append(f"| {scope} | {part['n']} | {_pct(part['macro_f1'])} | {_pct(part.get('side_f1'))} | "
                         f"{_pct(part.get('accuracy'))} | {_pct(part.get('ece'))} |")
    lines += ["", "| label | " + " | ".join(s for s in report if isinstance(report[s], dict) and "per_class" in report[s])
              + " |", "|---|" + "---|" * sum(1 for s in report if isinstance(report[s], dict) and "per_class" in report[s])]
    scopes = [s for s in report if isinstance(report[s], dict) and "per_class" in report[s]]
    labels = report["all"]["per_class"].keys() if "all" in report else []
    for label in labels:
        cells = []
        for scope in scopes:
            c = report[scope]["per_class"].get(label)
            cells.append(f"P {c['precision']:.2f} R {c['recall']:.2f} F1 {c['f1']:.2f} (n={c['support']})" if c else "")
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    if "all" in report:
        confusion = report["all"]["confusion"]
        lines += ["", "Confusion matrix (rows: true, columns: predicted):", "",
                  "| | " + " | ".join(confusion["labels"]) + " |", "|---|" + "---|" * len(confusion["labels"])]
        for label, row in zip(confusion["labels"], confusion["matrix"]):
            lines.append(f"| {label} | " + " | ".join(str(v) for v in row) + " |")
    return lines + [""]


def card_markdown(card: dict) -> str:
    lines = [f"# Model card: {card.get('name')}", "",
             f"- version: `{card.get('version')}`", f"- created: {card.get('created_at')}",
             f"- model file SHA-256: `{card.get('model_sha256')}`",
             f"- training data: {card.get('data', {}).get('rows')} rows ({card.get('data', {}).get('from_reviews', 0)} from reviews), "
             f"SHA-256 `{card.get('data', {}).get('sha256')}`",
             f"- files: {', '.join(card.get('data', {}).get('files', []))}",
             f"- languages: {card.get('data', {}).get('languages')}",
             f"- labels: {card.get('labels')}", f"- heads skipped: {card.get('skipped') or 'none'}",
             f"- configuration: `{card.get('config')}`",
             f"- libraries: {', '.join(f'{k} {v}' for k, v in card.get('libraries', {}).items())}", ""]
    metrics = card.get("metrics") or {}
    if not metrics:
        lines += ["No cross-validated metrics (trained with --no-evaluate).", ""]
    cv = metrics.get("cv", {})
    if cv:
        lines += [f"## Cross-validated metrics ({cv.get('folds')} folds grouped by {cv.get('grouped_by')})", ""]
    if "stance" in metrics:
        lines += _class_table(metrics["stance"], "Stance")
    near = cv.get("neighbours")
    if near:
        alone = ", ".join(f"{scope} {_pct(value)}" for scope, value in near["head_alone_macro_f1"].items())
        lines += [f"Stance is read in two stages: the head, then a second stage over the head's predicted stance of "
                  f"each comment's neighbours (parent, grandparent, replies, siblings, the author's other comments in "
                  f"the thread, the rest of the thread) for the {near['comments_with_neighbours']} comments that have "
                  f"one (cross-fitted above). The head alone: macro-F1 {alone}.", ""]
    if "stance_replies" in metrics:
        r = metrics["stance_replies"]
        lines += [f"Stance on replies (with parent context): macro-F1 {_pct(r['macro_f1'])} on {r['n']} replies.", ""]
    if "stance_with_author" in metrics:
        r = metrics["stance_with_author"]
        lines += [f"Stance on comments whose author wrote others in the thread (author context): macro-F1 "
                  f"{_pct(r['macro_f1'])} on {r['n']} comments.", ""]
    if "stance_with_replies" in metrics:
        r = metrics["stance_with_replies"]
        lines += [f"Stance on comments that drew replies (replies as context): macro-F1 {_pct(r['macro_f1'])} "
                  f"on {r['n']} comments.", ""]
    if "arguments" in metrics:
        lines += ["### Arguments", "", "| scope | tag | precision | recall | F1 | support |", "|---|---|---|---|---|---|"]
        for scope, part in metrics["arguments"].items():
            if isinstance(part, dict) and "per_tag" in part:
                for tag, c in part["per_tag"].items():
                    lines.append(f"| {scope} | {tag} | {c['precision']:.2f} | {c['recall']:.2f} | {c['f1']:.2f} | {c['support']} |")
        lines += ["", f"Thresholds tuned in cross-validation: {metrics['arguments'].get('thresholds')}", ""]
    if "sentiment" in metrics:
        lines += _class_table(metrics["sentiment"], "Sentiment")
    for key, value in (card.get("extra") or {}).items():
        lines += [f"## {key}", "", str(value), ""]
    return "\n".join(lines)
