"""tracker data check, tracker data stats"""

from __future__ import annotations

import json

import click

from tracker.labeled import check_labeled_file, describe_labeled, read_labeled


@click.group(short_help="Check and describe labeled files (the label contract of docs/labeling.md).")
def data():
    """Check and describe labeled files."""


@data.command(short_help="Validate labeled files against the label contract, row by row.")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--max-problems", default=50, show_default=True, help="How many problems to print per file.")
def check(files, max_problems):
    """Validate labeled FILES: every problem is printed with its file, row and field, and the
    exit code is 1 when there is any.

    \b
    Example:
      tracker data check data/labeled/*.csv
    """
    total = 0
    for path in files:
        problems = check_labeled_file(path)
        total += len(problems)
        for problem in problems[:max_problems]:
            click.echo(str(problem), err=True)
        if len(problems) > max_problems:
            click.echo(f"{path}: ... and {len(problems) - max_problems} more", err=True)
        click.echo(f"{path}: {'ok' if not problems else f'{len(problems)} problem(s)'}")
    if total:
        raise SystemExit(1)


@data.command(short_help="Counts per language of stances, sentiments and argument tags.")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON for machines.")
def stats(files, as_json):
    """Describe labeled FILES.

    \b
    Example:
      tracker data stats data/labeled/*.csv
    """
    summary = describe_labeled(read_labeled(files))
    if as_json:
        click.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    click.echo(f"rows: {summary['rows']}")
    for lang, part in summary["by_lang"].items():
        click.echo(f"\n[{lang}] {part['rows']} rows")
        for key in ("stance", "sentiment", "arguments", "sources"):
            cells = ", ".join(f"{k} {v} ({v / part['rows']:.0%})" for k, v in sorted(part[key].items()))
            click.echo(f"  {key}: {cells}")
    for key in ("traits", "quoting_replies"):
        if key in summary:
            click.echo(f"{key}: {summary[key]}")
