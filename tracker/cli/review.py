"""tracker review queue, tracker review import, tracker labels export"""

from __future__ import annotations

import click

from tracker.cli.common import open_store


@click.group(short_help="Label the comments the model is least sure of, outside the dashboard.")
def review():
    """Build a queue of comments to label (uncertainty sampling with a clustering step) and
    bring the labels back. Human labels never overwrite the model's predictions; they take
    precedence over them everywhere a stance is shown or counted."""


@review.command(short_help="Write the comments to label next (most uncertain, diverse) to a file.")
@click.option("--n", "n", default=200, show_default=True, help="How many comments to queue.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Queue file (.csv, .jsonl or .parquet).")
@click.option("--method", type=click.Choice(["entropy", "margin", "least_confidence", "random"]),
              default="entropy", show_default=True,
              help="Uncertainty over the stance probabilities, or 'random': a uniform sample of the "
                   "unlabeled comments (as good as uncertainty once about a thousand are labeled, "
                   "and its labels measure the model on your own comments with 'tracker evaluate').")
@click.option("--cluster/--no-cluster", default=True, show_default=True,
              help="One comment per topic cluster of the most uncertain ones (fewer near-identical "
                   "comments; in simulation ahead of random picks over the first several hundred "
                   "labels, level with them later), or strictly most uncertain first.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of --method random.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="First day of comments (inclusive).")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last day of comments (inclusive).")
@click.option("--source", "sources", multiple=True, help="Only this source; repeat for several.")
@click.option("--thread", "threads", multiple=True, help="Only this thread id; repeat for several.")
@click.option("--lang", "langs", multiple=True, help="Only this language (en, fr, other); repeat for several.")
@click.option("--timezone", "tz", default="UTC", show_default=True, help="Time zone of --since and --until.")
@click.option("--model", "model_version", help="Model version whose predictions to rank (default: the latest).")
@click.pass_context
def queue(ctx, n, out, method, cluster, seed, since, until, sources, threads, langs, tz, model_version):
    """Write the N unlabeled comments the model is least sure of, chosen so they are not
    near-duplicates, with blank stance, arguments, sentiment and note columns to fill in
    (the model's guess is in model_stance). Bring the file back with 'tracker review import'.
    With --method random, N comments drawn at random instead.

    \b
    Example:
      tracker review queue --n 200 --out queue.csv
      tracker review queue --n 50 --lang fr --since 2025-01-27 --out fr.csv
      tracker review queue --n 300 --method random --out sample.csv
    """
    from tracker.export import write_frames
    from tracker.review import QUEUE_COLUMNS, review_queue
    from tracker.trends import Filters

    filters = Filters(start=since.date() if since else None, end=until.date() if until else None,
                      sources=sources, threads=threads, langs=langs, tz=tz, model_version=model_version)
    frame = review_queue(open_store(ctx, readonly=True), n, filters, method, cluster, seed)
    rows = write_frames([frame] if len(frame) else [], out, columns=list(QUEUE_COLUMNS))
    click.echo(f"wrote {rows} comments to review to {out}"
               + ("" if rows else " (no unlabeled classified comment matches)"))


@review.command("import", short_help="Store the labels of a filled-in queue file, checked row by row.")
@click.argument("label_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--reviewer", help="Who labeled the rows (for rows without a reviewer column).")
@click.option("--model", help="Check labels against this bundle's label sets when it was trained on labels of "
                              "its own (default: the label contract).")
@click.pass_context
def import_(ctx, label_file, reviewer, model):
    """Store the labels in LABEL_FILE (id, stance, arguments, sentiment, optional note and
    reviewer). Every row is checked first: ids must be comments in the store and labels must
    follow docs/labeling.md. If any row is bad, each problem is listed with its row and field
    and nothing is stored. Blank rows are skipped as not labeled yet.

    \b
    Example:
      tracker review import queue.csv --reviewer ana
    """
    from tracker.models import load_bundle
    from tracker.review import import_labels

    card = load_bundle(model)[1] if model else None
    result = import_labels(open_store(ctx), label_file, reviewer, card)
    click.echo(f"stored {result.stored} labels ({result.unchanged} unchanged, {result.skipped} blank rows skipped)")


@click.group(short_help="Export the human labels in the label contract's format.")
def labels():
    """Human labels stored by reviews (dashboard or 'tracker review import')."""


@labels.command("export", short_help="Write every labeled comment's latest human label to a file.")
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="Output file (.csv, .jsonl or .parquet).")
@click.pass_context
def export_(ctx, out):
    """Write the latest human label of every labeled comment in the format of
    docs/labeling.md (id, lang, text, stance, arguments, sentiment and metadata) plus
    reviewer and labeled_at, ready for 'tracker data check' and 'tracker train --data'.

    \b
    Example:
      tracker labels export --out labels.csv
    """
    from tracker.review import export_labels

    rows = export_labels(open_store(ctx, readonly=True), out)
    click.echo(f"wrote {rows} human labels to {out}")
