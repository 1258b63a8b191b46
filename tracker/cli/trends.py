"""tracker trends, tracker shifts"""

from __future__ import annotations

import sys

import click

from tracker.cli.common import open_store
from tracker.schema import STANCES
from tracker.trends import GRAINS, Filters

EVENTS_HELP = "Dated events CSV (date,event,description) to name the nearest event."


def _filter_options(function):
    options = [
        click.option("--grain", type=click.Choice(list(GRAINS)), default="week", show_default=True,
                     help="Length of a period."),
        click.option("--since", type=click.DateTime(["%Y-%m-%d"]), help="First day (YYYY-MM-DD, inclusive)."),
        click.option("--until", type=click.DateTime(["%Y-%m-%d"]), help="Last day (YYYY-MM-DD, inclusive)."),
        click.option("--source", "sources", multiple=True, help="Only this source; repeat for several."),
        click.option("--lang", "langs", multiple=True, help="Only this language (en, fr, ...); repeat for several."),
        click.option("--tz", default="UTC", show_default=True, help="Time zone periods are counted in (IANA name)."),
        click.option("--min-confidence", type=click.FloatRange(0, 1), default=0.0, show_default=True,
                     help="Leave out predictions less confident than this (human labels always count)."),
        click.option("--model", "model_version", help="Model version whose predictions to use (default: the latest)."),
    ]
    for option in reversed(options):
        function = option(function)
    return function


def _filters(since, until, sources, langs, tz, min_confidence, model_version) -> Filters:
    from tracker.times import zone

    zone(tz)  # an unknown zone fails here, with a message naming --tz
    as_date = lambda moment: moment.date() if moment else None
    if since and until and since > until:
        raise click.BadParameter(f"--since {since:%Y-%m-%d} is after --until {until:%Y-%m-%d}", param_hint="--since")
    return Filters(start=as_date(since), end=as_date(until), sources=tuple(sources), langs=tuple(langs),
                   min_confidence=min_confidence, tz=tz, model_version=model_version)


def _prepare(ctx, filters: Filters):
    """(store, confusion or None, model version); None store when there is nothing to show."""
    from tracker.views import NO_DATA, card_for_version, data_state, stance_confusion

    store = open_store(ctx, readonly=True)
    state = data_state(store)
    if not state["ready"]:
        click.echo(NO_DATA.replace("`", "'"), err=True)
        return None, None, None
    version = filters.model_version or state["model_version"]
    confusion = stance_confusion(card_for_version(version))
    return store, confusion, version


def _pct(value) -> str:
    return "   -" if value != value else f"{value * 100:3.0f}%"


@click.command(short_help="Share of each stance per day, week or month, with 95% intervals.")
@_filter_options
@click.option("--raw", is_flag=True, help="Count the classifier's labels as they are (no error correction).")
@click.option("--csv", "as_csv", is_flag=True, help="Write the tidy table as CSV on stdout.")
@click.pass_context
def trends(ctx, grain, since, until, sources, langs, tz, min_confidence, model_version, raw, as_csv):
    """Print the share of each stance per period. Shares are corrected for the classifier's
    known errors with the cross-validated confusion matrix in the model card (adjusted
    classify-and-count), with 95% intervals; --raw counts the labels as they are.

    \b
    Example:
      tracker trends --grain week --since 2025-01-01 --lang en
      tracker trends --grain month --tz Europe/Paris --csv > shares.csv
    """
    from tracker.trends import stance_over_time

    filters = _filters(since, until, sources, langs, tz, min_confidence, model_version)
    store, confusion, version = _prepare(ctx, filters)
    if store is None:
        return
    shares = stance_over_time(store, filters, grain, None if raw else confusion)
    if as_csv:
        shares.to_csv(sys.stdout, index=False, date_format="%Y-%m-%d")
        return
    if shares.empty:
        click.echo("no comments match these filters", err=True)
        return
    corrected = not raw and confusion is not None
    if not raw and confusion is None:
        click.echo(f"no model card for {version} in the models directory: shares are not corrected", err=True)
    labels = [label for label in STANCES if label in set(shares["stance"])]
    click.echo(f"{'period':<10}  {'comments':>8}  " + "  ".join(f"{label:<20}" for label in labels))
    for period, part in shares.groupby("period"):
        by_label = part.set_index("stance")
        cells = []
        for label in labels:
            row = by_label.loc[label]
            cell = _pct(row["raw_share"] if raw else row["share"])
            if not raw:
                cell += f" [{_pct(row['low']).strip()}-{_pct(row['high']).strip()}]"
            cells.append(f"{cell:<20}")
        click.echo(f"{period:%Y-%m-%d}  {int(part['total'].iloc[0]):>8}  " + "  ".join(cells))
    what = "corrected shares with 95% intervals" if corrected else "raw shares" if raw else \
        "uncorrected shares with multinomial 95% intervals"
    click.echo(f"{what}; model {version}; periods are {grain}s starting on the date shown ({tz})", err=True)


@click.command(short_help="Detected shifts in a stance's share, with the nearest dated event.")
@_filter_options
@click.option("--stance", "label", type=click.Choice(list(STANCES)), default="pro_open", show_default=True,
              help="The stance whose share to follow.")
@click.option("--events", "events_path", type=click.Path(dir_okay=False), default="data/events.csv",
              show_default=True, help=EVENTS_HELP)
@click.option("--csv", "as_csv", is_flag=True, help="Write the shifts as CSV on stdout.")
@click.pass_context
def shifts(ctx, grain, since, until, sources, langs, tz, min_confidence, model_version, label, events_path, as_csv):
    """Find the periods where a stance's share changed (change points in its corrected share
    per period) and print each with the shares before and after, their 95% intervals and the
    nearest dated event.

    \b
    Example:
      tracker shifts --stance pro_open --grain week
      tracker shifts --grain day --since 2025-01-01 --until 2025-02-28 --csv > shifts.csv
    """
    from tracker.shifts import detect_shifts, read_events
    from tracker.trends import stance_over_time

    filters = _filters(since, until, sources, langs, tz, min_confidence, model_version)
    store, confusion, version = _prepare(ctx, filters)
    if store is None:
        return
    shares = stance_over_time(store, filters, grain, confusion)
    found = detect_shifts(shares, label, confusion, read_events(events_path))
    if as_csv:
        found.to_csv(sys.stdout, index=False, date_format="%Y-%m-%d")
        return
    if found.empty:
        click.echo(f"no shift detected in the {label} share over {shares['period'].nunique()} {grain}s", err=True)
        return
    for row in found.itertuples():
        line = (f"{row.period:%Y-%m-%d}  {label} {_pct(row.before).strip()} [{_pct(row.before_low).strip()}-"
                f"{_pct(row.before_high).strip()}] -> {_pct(row.after).strip()} [{_pct(row.after_low).strip()}-"
                f"{_pct(row.after_high).strip()}]  ({row.delta * 100:+.0f} points)")
        if row.nearest_event:
            days = int(row.days_from_event)
            when = "the same day" if days == 0 else f"{abs(days)} days {'after' if days > 0 else 'before'} the shift"
            line += f"  nearest event: {row.nearest_event} ({row.event_date:%Y-%m-%d}, {when})"
        click.echo(line)
