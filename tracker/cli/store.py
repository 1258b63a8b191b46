"""tracker stats, tracker export"""

from __future__ import annotations

import click

from tracker.cli.common import open_store
from tracker.export import EXPORT_FORMATS, write_frames
from tracker.store import comments_with_labels, store_stats


@click.command(short_help="Show what is in the store: comments, sources, predictions, labels.")
@click.pass_context
def stats(ctx):
    """Show what is in the store.

    \b
    Example:
      tracker stats
    """
    figures = store_stats(open_store(ctx, readonly=True))
    click.echo(f"comments: {figures['comments']}")
    if figures["first"]:
        click.echo(f"period:   {figures['first']:%Y-%m-%d} to {figures['last']:%Y-%m-%d} (UTC)")
    for row in figures["by_source"]:
        click.echo(f"  {row['source']:<14} {row['lang']:<6} {row['comments']:>9}")
    for row in figures["predictions"]:
        click.echo(f"predictions by {row['model_version']}: {row['comments']} (last {row['last']:%Y-%m-%d %H:%M} UTC)")
    labels = figures["labels"]
    click.echo(f"human labels: {labels['labels']} on {labels['comments']} comments by {labels['reviewers']} reviewers")
    for run in figures["runs"]:
        click.echo(f"run {run['id']} {run['kind']} {run['status']}: read {run['read']}, stored {run['stored']}, "
                   f"rejected {run['rejected']}  {run['input'] or ''}")


@click.command(short_help="Write comments with their stance, arguments and sentiment to CSV or Parquet.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="Output file (.csv, .jsonl or .parquet).")
@click.option("--format", "fmt", type=click.Choice(EXPORT_FORMATS), help="Output format (default: from the extension).")
@click.option("--model", "model_version", help="Model version whose predictions to export (default: the latest).")
@click.pass_context
def export(ctx, out, fmt, model_version):
    """Write every comment with its latest labels: a human label when there is one, else the
    model's prediction (`label_source` says which). In CSV, cells starting with = + - @ are
    prefixed with an apostrophe so spreadsheets do not run them as formulas.

    \b
    Example:
      tracker export --out comments.parquet
    """
    store = open_store(ctx, readonly=True)
    rows = write_frames(comments_with_labels(store, model_version), out, fmt)
    click.echo(f"wrote {rows} comments to {out}")
