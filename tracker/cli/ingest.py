"""tracker ingest"""

from __future__ import annotations

from pathlib import Path

import click

from tracker.cli.common import column_mapping, column_options, open_store, quiet_option
from tracker.ingest.base import ReadOptions
from tracker.ingest.formats import FORMAT_MODULES, detect_format
from tracker.ingest.pipeline import ingest_file
from tracker.times import zone

FORUM_TIMEZONE = "Europe/Paris"  # saved forum pages show board-local times without an offset


@click.command(short_help="Store comments from files (CSV/TSV, JSONL, Parquet, forum exports).")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(list(FORMAT_MODULES)), help="Force the input format (default: detected).")
@click.option("--encoding", help="Text encoding of CSV/JSONL input (default: detected; e.g. cp1252).")
@click.option("--timezone", "tz", default=None, help="Zone for times without offset (default UTC; forum pages Europe/Paris).")
@click.option("--source", help="Source name for every record (default: the file's source column or format).")
@click.option("--rejects", type=click.Path(dir_okay=False), help="Rejects file (default: rejects/<file>.rejects.csv).")
@column_options("id", "text", "time", "author", "thread", "parent", "source", "url", "lang")
@quiet_option
@click.pass_context
def ingest(ctx, files, fmt, encoding, tz, source, rejects, quiet, **columns):
    """Store comments from FILES: rows that cannot be stored go to a rejects file with their
    row and reason, and the summary counts read = stored + rejected. Ingesting a file again
    changes nothing; a comment whose text changed is updated.

    \b
    Example:
      tracker ingest data/sample/*.jsonl
      tracker ingest export.csv --text-column body --time-column posted --timezone Europe/Paris
    """
    mapping = column_mapping(columns)
    if tz:
        zone(tz)
    if rejects and len(files) > 1:
        raise click.UsageError("--rejects names one file; with several inputs leave it out (one rejects file per input)")
    store = open_store(ctx)
    total_read = total_rejected = 0
    for path in files:
        file_format = fmt or detect_format(Path(path))
        default_tz = FORUM_TIMEZONE if file_format == "forum-html" else "UTC"
        options = ReadOptions(timezone=tz or default_tz, encoding=encoding, columns=mapping, source=source)
        summary = ingest_file(store, path, fmt=file_format, options=options, rejects_path=rejects,
                              progress=not quiet)
        click.echo(summary.line())
        total_read += summary.read
        total_rejected += summary.rejected
    if len(files) > 1:
        click.echo(f"total: read {total_read}, stored {total_read - total_rejected}, rejected {total_rejected}")
