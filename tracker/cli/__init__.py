"""The command-line interface: parses, calls the library, formats. No work of its own.

Errors from the library (TrackerError) become one line on stderr and exit code 1; usage
errors exit with 2 (click's convention).
"""

from __future__ import annotations

import importlib
import sys

import click

from tracker import __version__
from tracker.errors import TrackerError
from tracker.store import DB_ENV, DEFAULT_DB

# (module, attribute) of each command or group, in the order --help lists them.
COMMANDS = (
    ("tracker.cli.ingest", "ingest"),
    ("tracker.cli.fetch", "fetch"),
    ("tracker.cli.store", "stats"),
    ("tracker.cli.store", "export"),
    ("tracker.cli.data", "data"),
    ("tracker.cli.models", "train"),
    ("tracker.cli.models", "evaluate"),
    ("tracker.cli.models", "classify"),
    ("tracker.cli.trends", "trends"),
    ("tracker.cli.trends", "shifts"),
    ("tracker.cli.review", "review"),
    ("tracker.cli.review", "labels"),
)

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.version_option(__version__, prog_name="tracker")
@click.option("--db", type=click.Path(dir_okay=False), envvar=DB_ENV, default=DEFAULT_DB, show_default=True,
              help=f"SQLite database file (or set {DB_ENV}).")
@click.pass_context
def cli(ctx: click.Context, db: str) -> None:
    """Track stances and arguments in forum debates about open versus proprietary AI.

    \b
    Typical session:
      tracker ingest comments.csv          # store comments (CSV, JSONL, Parquet, forum exports)
      tracker classify                     # stance, arguments and sentiment for new comments
      tracker trends --grain week          # share of each stance over time
      tracker export --out comments.csv    # comments with their labels
    """
    ctx.obj = {"db": db}


for module_name, attribute in COMMANDS:
    cli.add_command(getattr(importlib.import_module(module_name), attribute))


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="tracker", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("tracker: aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except TrackerError as exc:
        click.echo(f"tracker: error: {exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        click.echo("tracker: interrupted; rerun the same command to resume", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
