"""tracker train, tracker evaluate, tracker classify"""

from __future__ import annotations

import glob
import json
from pathlib import Path

import click

from tracker.cli.common import column_mapping, column_options, open_store, quiet_option

LABEL_COLUMNS = ("id", "text", "lang", "stance", "arguments", "sentiment", "parent", "thread")


@click.command(short_help="Train stance, argument and sentiment models from labeled files.")
@click.option("--data", "data_files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Labeled CSV, TSV (.tsv or tab-separated .txt), JSONL or Parquet file; repeat for several "
                   "(default: data/labeled/*.csv).")
@click.option("--name", default="default", show_default=True, help="Bundle name, written to models/NAME/.")
@click.option("--out", type=click.Path(file_okay=False), help="Write the bundle to this directory instead.")
@click.option("--target-column", help="Column naming each row's stance target: one model per target.")
@click.option("--group-by", type=click.Choice(["thread", "author", "none"]), default="thread", show_default=True,
              help="Keep comments of one thread (or author) on one side of every CV split.")
@click.option("--folds", default=5, show_default=True, help="Cross-validation folds.")
@click.option("--no-evaluate", is_flag=True, help="Skip cross-validation (no metrics in the card).")
@click.option("--if-missing", is_flag=True,
              help="Do nothing when the bundle already exists (with a warning if it was trained on other data).")
@click.option("--with-reviews", is_flag=True, help="Add the human labels stored in --db to the training data.")
@click.option("--fast", is_flag=True,
              help="Word features only: several times faster to classify, a few points less accurate "
                   "(see docs/benchmarks.md).")
@column_options(*LABEL_COLUMNS)
@quiet_option
@click.pass_context
def train(ctx, data_files, name, out, target_column, group_by, folds, no_evaluate, if_missing, with_reviews, fast,
          quiet, **columns):
    """Train the three heads on labeled data, cross-validate them grouped by thread, and write
    a bundle with its model card (metrics per language and per class). The label sets come
    from the data; a head whose labels are absent is skipped, saying so.

    \b
    Example:
      tracker train                                   # data/labeled/*.csv -> models/default/
      tracker train --data mine.csv --name mine --text-column body --stance-column label
      tracker train --with-reviews                    # plus the labels of 'tracker review import'
    """
    from tracker.labeled import read_labeled
    from tracker.models import CARD_JSON, models_dir, read_card, save_bundle
    from tracker.predictor import TargetedPredictor
    from tracker.train import (DEFAULT_DATA_GLOB, TrainConfig, build_card, data_fingerprint, train as train_heads,
                               train_per_target)

    folder = Path(out) if out else models_dir() / name
    paths = list(data_files) or sorted(glob.glob(DEFAULT_DATA_GLOB))
    if if_missing and (folder / CARD_JSON).exists():
        trained_on = read_card(folder).get("data", {}).get("sha256")
        if paths and trained_on and trained_on != data_fingerprint(paths):
            given = " ".join(data_files) or DEFAULT_DATA_GLOB
            click.echo(f"warning: model bundle {folder} was trained on other labeled data than {given} "
                       f"(changed since?); kept as it is: run the same command without --if-missing to "
                       f"retrain it", err=True)
        else:
            click.echo(f"model bundle {folder} exists; nothing to do")
        return
    if not paths:
        raise click.UsageError(f"no labeled data: {DEFAULT_DATA_GLOB} matches nothing; give --data FILE")
    mapping = column_mapping(columns)
    frame = read_labeled(paths, mapping)
    if with_reviews:
        if target_column:
            raise click.UsageError("--with-reviews cannot be combined with --target-column (reviews have no target)")
        import pandas as pd

        from tracker.review import frame_fingerprint, review_training_frame
        from tracker.train import prepare

        reviews = review_training_frame(open_store(ctx, readonly=True))
        kept = frame[~frame["id"].isin(reviews["id"])] if "id" in frame else frame  # a reviewed row wins
        frame = pd.concat([prepare(kept).assign(from_reviews=False), reviews], ignore_index=True)
        click.echo(f"adding {len(reviews)} human labels from reviews", err=True)
    group_column = {"thread": "thread_id", "author": "author", "none": "__none__"}[group_by]
    config = TrainConfig(folds=folds, group_by=group_column, char_ngrams=not fast)
    click.echo(f"training on {len(frame)} rows from {len(paths)} file(s)", err=True)
    if target_column:
        results = train_per_target(frame, target_column, config, not quiet, not no_evaluate)
        predictor = TargetedPredictor({t: r.predictor for t, r in results.items()}, target_column)
    else:
        results = {"": train_heads(frame, config, progress=not quiet, evaluate=not no_evaluate)}
        predictor = results[""].predictor
    for line in next(iter(results.values())).skipped:
        click.echo(f"skipped {line}", err=True)
    card = build_card(frame, paths, results, config, target_column)
    if with_reviews:
        card["data"]["reviews_sha256"] = frame_fingerprint(reviews)
    folder = save_bundle(predictor, card, folder)
    click.echo(f"wrote {folder} ({json.loads((folder / 'card.json').read_text())['version']})")
    for target, result in results.items():
        stance = result.report.get("stance", {})
        if stance:
            figures = ", ".join(f"{scope} {part['macro_f1']:.3f}" for scope, part in stance.items()
                                if isinstance(part, dict) and "macro_f1" in part)
            click.echo(f"{target + ': ' if target else ''}stance macro-F1 (cross-validated): {figures}")


@click.command(short_help="Report a model's accuracy on a labeled file.")
@click.option("--data", "data_files", multiple=True, required=True, type=click.Path(exists=True, dir_okay=False),
              help="Labeled CSV, TSV (.tsv or tab-separated .txt), JSONL or Parquet file; repeat for several.")
@click.option("--model", help="Bundle name or directory (default: the current model).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@column_options(*LABEL_COLUMNS)
@quiet_option
def evaluate(data_files, model, as_json, quiet, **columns):
    """Report macro-F1, per-class precision/recall/F1, side F1, confusion matrix and
    calibration, overall and per language, for a model on labeled data.

    \b
    Example:
      tracker evaluate --data heldout.csv --model default --json
    """
    from tracker.evaluate import evaluate_frame, format_report
    from tracker.labeled import read_labeled
    from tracker.models import load_bundle

    predictor, card = load_bundle(model)
    frame = read_labeled(list(data_files), column_mapping(columns))
    report = evaluate_frame(predictor, frame)
    click.echo(json.dumps(report, indent=2) if as_json else format_report(report, card))


@click.command(short_help="Predict stance, arguments and sentiment for the store or a file.")
@click.argument("input_file", required=False, type=click.Path(exists=True, dir_okay=False))
@click.option("--out", type=click.Path(dir_okay=False), help="Output file when classifying INPUT_FILE.")
@click.option("--model", help="Bundle name or directory (default: the current model).")
@click.option("--text-column", default="text", show_default=True, help="Text column of INPUT_FILE.")
@click.option("--jobs", "-j", default=1, show_default=True,
              help="Processes that predict (this one and N-1 workers); 2 on a two-core machine.")
@click.option("--chunk-rows", default=10_000, show_default=True,  # tracker.classify.CHUNK_ROWS, not imported here
              help="Comments per chunk (larger: a little faster, more memory).")
@click.option("--context/--no-context", default=True, show_default=True,
              help="Read each row of INPUT_FILE with its parent, its author's other comments in the thread and "
                   "its replies, found in the file by its id, parent_id, thread_id and author columns.")
@quiet_option
@click.pass_context
def classify(ctx, input_file, out, model, text_column, jobs, chunk_rows, context, quiet):
    """Without INPUT_FILE, classify every comment in the store that has no prediction from
    the current model yet (a killed run resumes where it stopped). With INPUT_FILE (.csv,
    .tsv, tab-separated .txt, .jsonl or .parquet) and --out, write every input column plus
    lang, stance, stance_confidence, p_<label>, arguments, sentiment and sentiment_score.

    Each comment is read with its context: the comment it replies to, its author's other
    comments in the thread and the comments replying to it. In the store these come from the
    comments ingested. A file's rows take them from its parent_text, author_text and
    replies_text columns if it has them, else from the file itself through its id,
    parent_id, thread_id and author columns (the whole file's texts are held in memory for
    this; --no-context skips it).

    \b
    Example:
      tracker classify --jobs 2
      tracker classify comments.csv --out classified.parquet --text-column body
    """
    from tracker.workers import Workers

    if input_file and not out:
        raise click.UsageError("give --out OUTPUT with INPUT_FILE")
    if out and not input_file:
        raise click.UsageError("--out needs an INPUT_FILE; without one the store is classified")
    with Workers(jobs) as workers:  # they import their libraries while this process imports its own
        from tracker.classify import classify_file, classify_store
        from tracker.models import load_bundle

        predictor, card = load_bundle(model)
        if input_file:
            rows = classify_file(predictor, input_file, out, text_column, workers, chunk_rows, progress=not quiet,
                                 context=context)
        else:
            result = classify_store(open_store(ctx), predictor, card, workers, chunk_rows, progress=not quiet)
    if input_file:
        click.echo(f"wrote {rows} classified comments to {out} (model {card['version']})")
    else:
        again = result["read_with_neighbours"]
        click.echo(f"classified {result['classified']} comments with {result['model_version']}"
                   + (f"; read {again} again beside their neighbours' stance" if again else ""))
        if result.get("drift"):
            click.echo(f"drift from the training data: {result['drift']['score']:.2f} "
                       f"({', '.join(f'{k} {v:.2f}' for k, v in result['drift']['components'].items())})")
