"""Tidy DataFrames for the dashboard's views that trends, shifts, authors and browse do not
already give: what the store holds, headline deltas around an event, the comments that
exemplify a shift, per-thread summaries, the comments table as shown, and the model card
as tables.

Like trends.py, every function returns plain data (a DataFrame or a dict) and draws nothing.
"""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from tracker.authors import pseudonym
from tracker.browse import comments_table
from tracker.errors import ModelError
from tracker.export import safe_for_spreadsheet
from tracker.models import CARD_JSON, CURRENT, models_dir, read_card
from tracker.prevalence import adjusted_shares, correction
from tracker.schema import SIDE_STANCES, STANCES
from tracker.store import Store, latest_model_version
from tracker.text import split_quotes
from tracker.trends import STANCE_SQL, Filters, argument_counts, hourly_counts, query_labeled

NO_DATA = "No data yet: run `tracker ingest FILE` then `tracker classify`."
SAFE_URL_SCHEMES = ("http://", "https://")
GRAIN_STEPS = {"day": pd.DateOffset(days=1), "week": pd.DateOffset(weeks=1), "month": pd.DateOffset(months=1)}


# --- what the store holds ---------------------------------------------------------------


def data_state(store: Store) -> dict:
    """comments (count), model_version (of the latest predictions, or None), predicted
    (comments with a prediction from that version) and ready (both non-zero)."""
    comments = store.conn.execute("SELECT count(*) FROM comments").fetchone()[0]
    version = latest_model_version(store)
    predicted = 0
    if version:
        predicted = store.conn.execute("SELECT count(*) FROM predictions WHERE model_version = ?",
                                       (version,)).fetchone()[0]
    return {"comments": comments, "model_version": version, "predicted": predicted,
            "ready": bool(comments and predicted)}


def filter_options(store: Store) -> dict:
    """What the sidebar offers: sources, langs (lists), threads (DataFrame: thread_id, comments;
    busiest first), first and last (UTC dates of the oldest and newest comment)."""
    conn = store.conn
    sources = [row[0] for row in conn.execute("SELECT DISTINCT source FROM comments ORDER BY 1")]
    langs = [row[0] for row in conn.execute("SELECT DISTINCT lang FROM comments ORDER BY 1")]
    threads = pd.read_sql_query("SELECT thread_id, count(*) AS comments FROM comments "
                                "WHERE thread_id IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1", conn)
    first, last = conn.execute("SELECT min(created_at), max(created_at) FROM comments").fetchone()
    as_date = lambda seconds: pd.Timestamp(seconds, unit="s", tz="UTC").date() if seconds is not None else None
    return {"sources": sources, "langs": langs, "threads": threads, "first": as_date(first), "last": as_date(last)}


def composition(store: Store, filters: Filters, hourly: pd.DataFrame | None = None) -> pd.DataFrame:
    """Comments per source and language. Columns: source, lang, n (busiest first).

    `hourly`, the `trends.hourly_counts` of the same filters when already at hand, saves a query
    (here and in the other functions that take it)."""
    hourly = hourly_counts(store, filters) if hourly is None else hourly
    if hourly.empty:
        return pd.DataFrame(columns=["source", "lang", "n"])
    out = hourly.groupby(["source", "lang"], as_index=False)["n"].sum()
    return out.sort_values(["n", "source", "lang"], ascending=[False, True, True]).reset_index(drop=True)


def thread_summary(store: Store, filters: Filters) -> pd.DataFrame:
    """One row per thread: thread_id, source, comments, first, last (UTC), the share of each
    stance (raw, one column per stance) and net (pro_open minus pro_closed over both)."""
    frame = query_labeled(store, f"c.thread_id, c.source, {STANCE_SQL} AS stance, count(*) AS n, "
                          "min(c.created_at) AS first, max(c.created_at) AS last", filters,
                          "AND c.thread_id IS NOT NULL GROUP BY 1, 2, 3")
    columns = ["thread_id", "source", "comments", "first", "last", *STANCES, "net"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    wide = frame.pivot_table(index=["thread_id", "source"], columns="stance", values="n", aggfunc="sum",
                             fill_value=0).reindex(columns=list(STANCES), fill_value=0)
    times = frame.groupby(["thread_id", "source"]).agg(first=("first", "min"), last=("last", "max"))
    out = wide.join(times)
    out["comments"] = wide.sum(axis=1)
    for label in STANCES:
        out[label] = wide[label] / out["comments"]
    sides = wide["pro_open"] + wide["pro_closed"]
    out["net"] = (wide["pro_open"] - wide["pro_closed"]) / sides.where(sides > 0)
    for column in ("first", "last"):
        out[column] = pd.to_datetime(out[column], unit="s", utc=True)
    out = out.reset_index().sort_values(["comments", "thread_id"], ascending=[False, True])
    return out[columns].reset_index(drop=True)


# --- the model card ---------------------------------------------------------------------


def card_for_version(version: str | None, base: str | Path | None = None) -> dict | None:
    """The card of the bundle whose version is `version` (the current bundle first, then every
    folder under the models directory), or None when no bundle there has that version."""
    if not version:
        return None
    base = Path(base) if base is not None else models_dir()
    folders = []
    current = base / CURRENT
    if current.exists():
        folders.append(base / current.read_text().strip())
    if base.is_dir():
        folders += sorted(p for p in base.iterdir() if p.is_dir() and p not in folders)
    for folder in folders:
        if (folder / CARD_JSON).exists():
            try:
                card = read_card(folder)
            except ModelError:  # an unreadable card elsewhere must not hide the right one
                continue
            if card.get("version") == version:
                return card
    return None


def stance_confusion(card: dict | None) -> dict | None:
    """The cross-validated stance confusion ({labels, matrix}) of a card, or None."""
    try:
        return card["metrics"]["stance"]["all"]["confusion"]
    except (KeyError, TypeError):
        return None


def card_summary(card: dict) -> dict:
    """name, version, created_at, rows, files, languages (dict), labels (dict), libraries (dict),
    cv (dict: folds, grouped_by, temperature), stance_macro_f1 (all languages, or None)."""
    data = card.get("data") or {}
    return {"name": card.get("name"), "version": card.get("version"), "created_at": card.get("created_at"),
            "rows": data.get("rows"), "files": list(data.get("files") or []),
            "languages": dict(data.get("languages") or {}), "labels": dict(card.get("labels") or {}),
            "libraries": dict(card.get("libraries") or {}), "cv": dict((card.get("metrics") or {}).get("cv") or {}),
            "stance_macro_f1": (_head(card, "stance").get("all") or {}).get("macro_f1")}


def _head(card: dict, head: str) -> dict:
    return ((card or {}).get("metrics") or {}).get(head) or {}


def _scopes(report: dict):
    return [(scope, part) for scope, part in report.items() if isinstance(part, dict) and "n" in part]


def card_scores(card: dict, head: str = "stance") -> pd.DataFrame:
    """Headline scores of one head per scope (all, then each language).
    Columns: scope, n, accuracy, macro_f1, side_f1, ece."""
    rows = [(scope, part.get("n"), part.get("accuracy"), part.get("macro_f1"), part.get("side_f1"), part.get("ece"))
            for scope, part in _scopes(_head(card, head))]
    return pd.DataFrame(rows, columns=["scope", "n", "accuracy", "macro_f1", "side_f1", "ece"])


def card_per_class(card: dict, head: str = "stance") -> pd.DataFrame:
    """Columns: scope, label, precision, recall, f1, support."""
    rows = []
    for scope, part in _scopes(_head(card, head)):
        for label, c in (part.get("per_class") or part.get("per_tag") or {}).items():
            rows.append((scope, label, c["precision"], c["recall"], c["f1"], c["support"]))
    return pd.DataFrame(rows, columns=["scope", "label", "precision", "recall", "f1", "support"])


def card_confusion(card: dict, head: str = "stance", scope: str = "all") -> pd.DataFrame:
    """The cross-validated confusion matrix, long. Columns: true, predicted, n, share_of_true."""
    confusion = (_head(card, head).get(scope) or {}).get("confusion")
    if not confusion:
        return pd.DataFrame(columns=["true", "predicted", "n", "share_of_true"])
    labels, matrix = confusion["labels"], np.asarray(confusion["matrix"], dtype=float)
    totals = matrix.sum(axis=1)
    rows = [(t, p, int(matrix[i, j]), matrix[i, j] / totals[i] if totals[i] else np.nan)
            for i, t in enumerate(labels) for j, p in enumerate(labels)]
    return pd.DataFrame(rows, columns=["true", "predicted", "n", "share_of_true"])


def card_reliability(card: dict, head: str = "stance", scope: str = "all") -> pd.DataFrame:
    """The reliability table (calibration). Columns: bin_low, bin_high, count, confidence, accuracy;
    bins holding no prediction are left out."""
    table = (_head(card, head).get(scope) or {}).get("reliability") or []
    frame = pd.DataFrame(table, columns=["bin_low", "bin_high", "count", "confidence", "accuracy"])
    return frame[frame["count"] > 0].astype(float).reset_index(drop=True)


def card_arguments(card: dict) -> pd.DataFrame:
    """Argument tags' cross-validated scores. Columns: scope, tag, precision, recall, f1, support, threshold."""
    report = _head(card, "arguments")
    thresholds = report.get("thresholds") or {}
    rows = [(scope, tag, c["precision"], c["recall"], c["f1"], c["support"], thresholds.get(tag))
            for scope, part in _scopes(report) for tag, c in (part.get("per_tag") or {}).items()]
    return pd.DataFrame(rows, columns=["scope", "tag", "precision", "recall", "f1", "support", "threshold"])


# --- events and headline deltas ---------------------------------------------------------


def local_day(moment) -> pd.Timestamp:
    """Midnight of a date or timestamp, naive (as the `period` columns of trends are)."""
    moment = pd.Timestamp(moment)
    return (moment.tz_localize(None) if moment.tzinfo else moment).normalize()


def events_in_range(events: pd.DataFrame, start: date | None, end: date | None) -> pd.DataFrame:
    """The events dated between `start` and `end` (inclusive; None leaves that side open)."""
    keep = pd.Series(True, index=events.index)
    if start is not None:
        keep &= events["date"] >= local_day(start)
    if end is not None:
        keep &= events["date"] <= local_day(end)
    return events[keep].reset_index(drop=True)


def _local_hours(store: Store, filters: Filters, hourly: pd.DataFrame | None = None) -> pd.DataFrame:
    hourly = hourly_counts(store, filters) if hourly is None else hourly.copy()
    hourly["local"] = hourly["hour"].dt.tz_convert(filters.tz).dt.tz_localize(None)
    return hourly


def event_splits(store: Store, filters: Filters, events: pd.DataFrame,
                 hourly: pd.DataFrame | None = None) -> pd.DataFrame:
    """For each event, the selected comments before its day and from its day on, overall and
    in the seven days either side. Columns: date, event, description, n_before, n_after,
    week_before, week_after; only events with selected comments on both sides."""
    columns = ["date", "event", "description", "n_before", "n_after", "week_before", "week_after"]
    hourly = _local_hours(store, filters, hourly)
    if hourly.empty or events.empty:
        return pd.DataFrame(columns=columns)
    ordered = hourly.sort_values("local")
    moments = ordered["local"].to_numpy()
    cumulative = np.concatenate([[0], ordered["n"].cumsum().to_numpy()])
    upto = lambda days: cumulative[np.searchsorted(moments, (events["date"] + pd.Timedelta(days=days)).to_numpy())]
    out = events.assign(n_before=upto(0), n_after=cumulative[-1] - upto(0),
                        week_before=upto(0) - upto(-7), week_after=upto(7) - upto(0))
    for column in columns[3:]:
        out[column] = out[column].astype(int)
    return out[(out["n_before"] > 0) & (out["n_after"] > 0)][columns].reset_index(drop=True)


def reference_event(splits: pd.DataFrame, shifts: pd.DataFrame | None = None) -> str | None:
    """The event headline deltas are measured from: the one nearest the largest detected shift
    (rows of `detect_shifts`), else the one followed by the sharpest rise in comments (the
    week after it against the week before); None without events."""
    if splits.empty:
        return None
    if shifts is not None and not shifts.empty:
        biggest = shifts.loc[shifts["delta"].abs().idxmax(), "period"]
        gaps = (splits["date"] - pd.Timestamp(biggest)).abs()
        return str(splits.loc[gaps.idxmin(), "event"])
    burst = (splits["week_after"] + 1) / (splits["week_before"] + 1)
    return str(splits.loc[burst.idxmax(), "event"])


def share_change(store: Store, filters: Filters, at, confusion: dict | None = None,
                 hourly: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each stance's share among the selected comments before `at` (a date in the display time
    zone) and from `at` on, corrected for the classifier's errors when `confusion` is given,
    with 95% intervals. Columns: stance, before, before_low, before_high, after, after_low,
    after_high, raw_before, raw_after, delta (after - before), n_before, n_after."""
    columns = ["stance", "before", "before_low", "before_high", "after", "after_low", "after_high",
               "raw_before", "raw_after", "delta", "n_before", "n_after"]
    hourly = _local_hours(store, filters, hourly)
    if hourly.empty:
        return pd.DataFrame(columns=columns)
    labels, matrix, clustering = correction(confusion, STANCES)
    cut = local_day(at)
    sides = {}
    for name, part in (("before", hourly[hourly["local"] < cut]), ("after", hourly[hourly["local"] >= cut])):
        counts = part.groupby("stance")["n"].sum().reindex(labels, fill_value=0).to_numpy()
        sides[name] = adjusted_shares(counts, matrix, labels, seed=0, design_effect=clustering).set_index("label")
    before, after = sides["before"], sides["after"]
    out = pd.DataFrame({"stance": labels, "before": before["share"].to_numpy(), "before_low": before["low"].to_numpy(),
                        "before_high": before["high"].to_numpy(), "after": after["share"].to_numpy(),
                        "after_low": after["low"].to_numpy(), "after_high": after["high"].to_numpy(),
                        "raw_before": before["raw_share"].to_numpy(), "raw_after": after["raw_share"].to_numpy()})
    out["delta"] = out["after"] - out["before"]
    out["n_before"], out["n_after"] = int(before["n"].iloc[0]), int(after["n"].iloc[0])
    return out[columns]


def argument_change(store: Store, filters: Filters, at, stances=SIDE_STANCES,
                    hourly: pd.DataFrame | None = None) -> pd.DataFrame:
    """How often each argument was used by each stance before `at` and from `at` on (share of
    that stance's comments). Columns: stance, argument, before, after, delta, n_before, n_after
    (comments of that stance using the argument); largest rise first."""
    columns = ["stance", "argument", "before", "after", "delta", "n_before", "n_after"]
    daily = argument_counts(store, filters, grain="day")
    hourly = _local_hours(store, filters, hourly)
    if daily.empty:
        return pd.DataFrame(columns=columns)
    cut = local_day(at)
    totals = {name: part.groupby("stance")["n"].sum()
              for name, part in (("before", hourly[hourly["local"] < cut]), ("after", hourly[hourly["local"] >= cut]))}
    rows = []
    for name, part in (("before", daily[daily["period"] < cut]), ("after", daily[daily["period"] >= cut])):
        used = part.groupby(["stance", "argument"])["n"].sum()
        rows.append(used.rename(f"n_{name}"))
    out = pd.concat(rows, axis=1).fillna(0).astype(int).reset_index()
    out = out[out["stance"].isin(stances)]
    for name in ("before", "after"):
        out[name] = out[f"n_{name}"] / out["stance"].map(totals[name]).replace(0, np.nan)
    out["delta"] = out["after"].fillna(0) - out["before"].fillna(0)
    return out.sort_values(["delta", "stance", "argument"], ascending=[False, True, True])[columns].reset_index(drop=True)


def stance_counts(shares: pd.DataFrame) -> pd.DataFrame:
    """The classifier's raw counts per period (from `stance_over_time`), one column per stance
    plus total; periods in rows."""
    if shares.empty:
        return pd.DataFrame(columns=["period", *STANCES, "total"])
    wide = shares.pivot_table(index="period", columns="stance", values="n", aggfunc="sum", fill_value=0)
    wide = wide.reindex(columns=[s for s in STANCES if s in wide.columns] + [s for s in wide.columns if s not in STANCES])
    wide["total"] = wide.sum(axis=1)
    return wide.reset_index().rename_axis(columns=None)


# --- shifts -----------------------------------------------------------------------------


def period_end(period, grain: str) -> pd.Timestamp:
    """The first moment after a period that starts at `period`."""
    return pd.Timestamp(period) + GRAIN_STEPS[grain]


def shift_segments(shifts: pd.DataFrame, shares: pd.DataFrame, grain: str) -> pd.DataFrame:
    """The stretches between detected shifts with their level (for drawing).
    Columns: start, end, share, low, high."""
    columns = ["start", "end", "share", "low", "high"]
    if shifts.empty or shares.empty:
        return pd.DataFrame(columns=columns)
    shifts = shifts.sort_values("period").reset_index(drop=True)
    first, last = shares["period"].min(), period_end(shares["period"].max(), grain)
    rows = [(first, shifts["period"].iloc[0], *shifts.loc[0, ["before", "before_low", "before_high"]])]
    for i, row in shifts.iterrows():
        end = shifts["period"].iloc[i + 1] if i + 1 < len(shifts) else last
        rows.append((row["period"], end, row["after"], row["after_low"], row["after_high"]))
    return pd.DataFrame(rows, columns=columns)


def rising_stances(shifts: pd.DataFrame, shares: pd.DataFrame) -> pd.Series:
    """For each shift (row of `detect_shifts`), the stance whose raw share rose most from the
    stretch before it to the stretch after it (a Series aligned with `shifts`)."""
    if shifts.empty:
        return pd.Series(dtype=object)
    cuts = sorted(shifts["period"])
    periods = shares["period"]
    edges = [periods.min(), *cuts, periods.max() + pd.Timedelta(days=1)]
    risers = {}
    for left, cut, right in zip(edges, edges[1:], edges[2:]):
        before = shares[(periods >= left) & (periods < cut)].groupby("stance")["n"].sum()
        after = shares[(periods >= cut) & (periods < right)].groupby("stance")["n"].sum()
        change = (after / max(after.sum(), 1)).sub(before / max(before.sum(), 1), fill_value=0)
        risers[cut] = str(change.idxmax())
    return shifts["period"].map(risers)


def shift_exemplars(store: Store, filters: Filters, period, grain: str, stance: str, limit: int = 5) -> pd.DataFrame:
    """The comments that best exemplify a shift: the most confident comments of `stance` (the
    rising one) in the period just after it. Columns as `browse.comments_table`."""
    start = local_day(period)
    end = period_end(start, grain) - pd.Timedelta(days=1)
    narrowed = replace(filters, start=max(start.date(), filters.start) if filters.start else start.date(),
                       end=min(end.date(), filters.end) if filters.end else end.date())
    return comments_table(store, narrowed, stances=(stance,), limit=limit, order="confidence")


# --- authors and comments as shown --------------------------------------------------------


def display_authors(frame: pd.DataFrame, real_names: bool = False, column: str = "author") -> pd.DataFrame:
    """`frame` with its author column shown as stable pseudonyms unless `real_names`."""
    if real_names or column not in frame or frame.empty:
        return frame
    return frame.assign(**{column: frame[column].map(lambda name: pseudonym(None if pd.isna(name) else name))})


def authors_to_plot(trajectories: pd.DataFrame, changers: pd.DataFrame, limit: int = 10) -> pd.DataFrame:
    """The rows of `author_stances` worth drawing: every side changer, then the most active
    authors, at most `limit` authors."""
    if trajectories.empty:
        return trajectories
    activity = trajectories.groupby(["author", "source"])["comments"].sum().sort_values(ascending=False)
    chosen = list(dict.fromkeys([*zip(changers["author"], changers["source"]), *activity.index]))[:limit]
    keys = pd.MultiIndex.from_frame(trajectories[["author", "source"]])
    return trajectories[keys.isin(chosen)].reset_index(drop=True)


def safe_url(value) -> str | None:
    """`value` when it is an http(s) URL, else None (a javascript: link must never be clickable)."""
    if isinstance(value, str) and value.strip().lower().startswith(SAFE_URL_SCHEMES):
        return value.strip()
    return None


COMMENT_VIEW_COLUMNS = ["created_at", "author", "stance", "stance_confidence", "text", "quoted", "arguments", "sentiment",
                        "lang", "source", "thread_id", "parent_id", "parent_url", "url", "id"]


def comments_view(store: Store, filters: Filters, search: str = "", stances=(), arguments=(), limit: int = 500,
                  order: str = "newest", real_names: bool = False) -> pd.DataFrame:
    """The comments table as the viewer sees it (and downloads it): the author's own words in
    `text`, `quoted` saying whom the comment quotes ("" when nobody), the parent's id and
    http(s) link, authors as pseudonyms unless `real_names`. Columns: COMMENT_VIEW_COLUMNS."""
    frame = comments_table(store, filters, search, tuple(stances), tuple(arguments), limit, order)
    parents = _parent_urls(store, frame["parent_id"].dropna().unique().tolist())
    frame = frame.assign(parent_url=frame["parent_id"].map(parents), url=frame["url"].map(safe_url),
                         quoted=frame["quoted"].fillna("").astype(str))
    return display_authors(frame[COMMENT_VIEW_COLUMNS].reset_index(drop=True), real_names)


def _parent_urls(store: Store, ids: list[str]) -> dict:
    found = {}
    for start in range(0, len(ids), 500):
        batch = ids[start:start + 500]
        rows = store.conn.execute(f"SELECT id, url FROM comments WHERE id IN ({', '.join('?' * len(batch))})", batch)
        found.update({comment_id: safe_url(url) for comment_id, url in rows})
    return found


def comment_detail(store: Store, comment_id: str, real_names: bool = False, tz: str = "UTC") -> dict | None:
    """One comment for reading: id, author, created_at (in `tz`), url, text (own words), quotes
    (list of quoted passages), quoted (whom), parent (the same dict, one level, or None)."""
    return _detail(store, comment_id, real_names, tz, with_parent=True)


def _detail(store: Store, comment_id, real_names: bool, tz: str, with_parent: bool) -> dict | None:
    comment = store.get_comment(comment_id) if comment_id else None
    if comment is None:
        return None
    split = split_quotes(comment.raw_text)
    return {"id": comment.id, "author": comment.author if real_names else pseudonym(comment.author),
            "created_at": pd.Timestamp(comment.created_at).tz_convert(tz), "url": safe_url(comment.url),
            "text": comment.text, "quotes": split.quotes, "quoted": comment.quoted or "",
            "parent": _detail(store, comment.parent_id, real_names, tz, False) if with_parent else None}


def table_bytes(frame: pd.DataFrame, fmt: str) -> bytes:
    """`frame` as a CSV (formula cells neutralized) or Parquet file, for a download button."""
    buffer = io.BytesIO()
    if fmt == "csv":
        buffer.write(safe_for_spreadsheet(frame).to_csv(index=False).encode("utf-8"))
    elif fmt == "parquet":
        frame.to_parquet(buffer, index=False)
    else:
        raise ValueError(f"unknown download format '{fmt}'; use csv or parquet")
    return buffer.getvalue()
