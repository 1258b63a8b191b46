"""Tidy DataFrames over time from the store: stance shares, volumes, arguments, authors.

Every figure the dashboard draws and `tracker trends` prints comes from here. Aggregation
happens in SQL per hour (so a million comments never travel to pandas); hours are then
regrouped into days, weeks or months in the viewer's time zone. The stance of a comment is
its latest human label when it has one, else the model's prediction.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, datetime, time

import numpy as np
import pandas as pd

from tracker import aggregates
from tracker.prevalence import adjusted_shares, correction
from tracker.schema import STANCES, split_arguments
from tracker.store import LATEST_LABEL_JOIN, Store, latest_model_version
from tracker.times import zone

# time grain -> pandas period frequency (weeks run Monday to Sunday)
GRAINS = {"day": "D", "week": "W-SUN", "month": "M"}


@dataclass(frozen=True)
class Filters:
    """What the viewer selected. Dates are inclusive, in the display time zone."""

    start: date | None = None
    end: date | None = None
    sources: tuple[str, ...] = ()
    threads: tuple[str, ...] = ()
    langs: tuple[str, ...] = ()
    min_confidence: float = 0.0
    tz: str = "UTC"
    model_version: str | None = None

    def bounds(self) -> tuple[int | None, int | None]:
        """[start, end) in epoch seconds: the selected days in the display time zone."""
        zone_info = zone(self.tz)
        start = int(datetime.combine(self.start, time.min, zone_info).timestamp()) if self.start else None
        end = int(datetime.combine(self.end, time.max, zone_info).timestamp()) + 1 if self.end else None
        return start, end

    def where(self) -> tuple[str, list]:
        clauses, params = ["1 = 1"], []
        start, end = self.bounds()
        if start is not None:
            clauses.append("c.created_at >= ?")
            params.append(start)
        if end is not None:
            clauses.append("c.created_at < ?")
            params.append(end)
        for column, values in (("c.source", self.sources), ("c.thread_id", self.threads), ("c.lang", self.langs)):
            if values:
                clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
                params.extend(values)
        if self.min_confidence > 0:
            clauses.append("(h.stance IS NOT NULL OR p.stance_confidence >= ?)")
            params.append(self.min_confidence)
        return " AND ".join(clauses), params


def query_labeled(store: Store, select: str, filters: Filters, tail: str = "", params=()) -> pd.DataFrame:
    """`SELECT select` over comments joined with the model's predictions and the latest human
    labels (aliases c, p, h), filtered; `tail` (more conditions, GROUP BY, ORDER BY) follows
    the WHERE clause with its own `params`."""
    where, where_params = filters.where()
    version = filters.model_version or latest_model_version(store)
    sql = f"""
        SELECT {select}
        FROM comments c
        JOIN predictions p ON p.comment_id = c.id AND p.model_version = ?
        {LATEST_LABEL_JOIN}
        WHERE {where}
        {tail}
    """
    return pd.read_sql_query(sql, store.conn, params=[version, *where_params, *params])


STANCE_SQL = "coalesce(h.stance, p.stance)"


_HOURLY_CACHE: OrderedDict = OrderedDict()
_HOURLY_CACHE_SIZE = 8


def _store_state(store: Store) -> tuple:
    """Changes whenever this or another connection writes to the database."""
    return (store.conn.execute("PRAGMA data_version").fetchone()[0], store.conn.total_changes)


def hourly_table(store: Store, filters: Filters) -> pd.DataFrame:
    """Comments per hour, source, language, stance and argument tags (one SQL scan): columns
    hour (UTC), source, lang, stance, arguments (tags joined by ';'), n.

    Every view over time is derived from this table, so one page reads the store once; the
    last few tables are kept until the database changes.
    """
    key = (str(store.path), id(store.conn), filters, _store_state(store))
    if key in _HOURLY_CACHE:
        _HOURLY_CACHE.move_to_end(key)
        return _HOURLY_CACHE[key].copy()
    frame = _stored_hourly(store, filters)
    if frame is None:
        frame = query_labeled(store, f"c.created_at / 3600 AS hour, c.source, c.lang, {STANCE_SQL} AS stance, "
                                     "coalesce(h.arguments, p.arguments) AS arguments, count(*) AS n",
                              filters, "GROUP BY 1, 2, 3, 4, 5")
    frame["hour"] = pd.to_datetime(frame["hour"] * 3600, unit="s", utc=True)
    frame["arguments"] = frame["arguments"].fillna("")
    _HOURLY_CACHE[key] = frame
    while len(_HOURLY_CACHE) > _HOURLY_CACHE_SIZE:
        _HOURLY_CACHE.popitem(last=False)
    return frame.copy()


def _stored_hourly(store: Store, filters: Filters) -> pd.DataFrame | None:
    """The kept per-hour counts (tracker.aggregates) when they are fresh and can answer these
    filters exactly (no thread or confidence filter, dates on hour boundaries); else None."""
    version = filters.model_version or latest_model_version(store)
    if version is None or filters.threads or filters.min_confidence > 0:
        return None
    start, end = filters.bounds()
    if any(b is not None and b % 3600 for b in (start, end)) or not aggregates.is_fresh(store, version):
        return None
    return aggregates.read_hourly(store, version, start, end, filters.sources, filters.langs)


def hourly_counts(store: Store, filters: Filters) -> pd.DataFrame:
    """Comments per hour, source, language and stance: columns hour (UTC), source, lang, stance, n."""
    table = hourly_table(store, filters)
    return table.groupby(["hour", "source", "lang", "stance"], as_index=False, sort=False)["n"].sum()


def period_start(moments: pd.Series, grain: str, tz: str) -> pd.Series:
    local = moments.dt.tz_convert(tz).dt.tz_localize(None)
    return local.dt.to_period(GRAINS[grain]).dt.start_time


def volume_over_time(store: Store, filters: Filters, grain: str = "week", by: str = "source") -> pd.DataFrame:
    """Columns: period (start, display time zone), `by` (source, lang or stance), n."""
    hourly = hourly_counts(store, filters)
    if hourly.empty:
        return pd.DataFrame(columns=["period", by, "n"])
    hourly["period"] = period_start(hourly["hour"], grain, filters.tz)
    return hourly.groupby(["period", by], as_index=False)["n"].sum()


def stance_over_time(store: Store, filters: Filters, grain: str = "week", confusion: dict | None = None,
                     labels=STANCES, by: str | None = None) -> pd.DataFrame:
    """Share of each stance per period, raw and corrected, with 95% intervals.

    `confusion` is the model card's cross-validated stance confusion ({labels, matrix}); without
    it the corrected share equals the raw share and the interval is the multinomial one.
    Columns: period, [by], stance, n (comments with that stance), total, raw_share, share, low, high.
    """
    hourly = hourly_counts(store, filters)
    columns = ["period"] + ([by] if by else []) + ["stance", "n", "total", "raw_share", "share", "low", "high"]
    if hourly.empty:
        return pd.DataFrame(columns=columns)
    hourly["period"] = period_start(hourly["hour"], grain, filters.tz)
    keys = ["period"] + ([by] if by else [])
    labels, matrix, clustering = correction(confusion, labels)
    rows = []
    for key, part in hourly.groupby(keys):
        counts = part.groupby("stance")["n"].sum().reindex(labels, fill_value=0).to_numpy()
        shares = adjusted_shares(counts, matrix, labels, seed=0, design_effect=clustering)
        key = key if isinstance(key, tuple) else (key,)
        for _, share in shares.iterrows():
            rows.append((*key, share["label"], int(counts[labels.index(share["label"])]), int(counts.sum()),
                         share["raw_share"], share["share"], share["low"], share["high"]))
    return pd.DataFrame(rows, columns=columns)


def net_stance_index(shares: pd.DataFrame) -> pd.DataFrame:
    """pro_open minus pro_closed among stance-bearing comments, per period (from stance_over_time).

    Columns: period, index (in [-1, 1]), raw_index, n_sides."""
    if shares.empty:
        return pd.DataFrame(columns=["period", "index", "raw_index", "n_sides"])
    wide = shares.pivot_table(index="period", columns="stance", values=["share", "raw_share", "n"], aggfunc="first")
    out = pd.DataFrame(index=wide.index)
    for kind, name in (("share", "index"), ("raw_share", "raw_index")):
        open_, closed = wide[kind].get("pro_open", 0), wide[kind].get("pro_closed", 0)
        out[name] = (open_ - closed) / (open_ + closed).replace(0, np.nan)
    out["n_sides"] = wide["n"].get("pro_open", 0) + wide["n"].get("pro_closed", 0)
    return out.reset_index()


def argument_counts(store: Store, filters: Filters, grain: str = "week") -> pd.DataFrame:
    """Columns: period, stance, argument, n (comments using it), total (comments of that stance),
    share (n / total)."""
    frame = hourly_table(store, filters)
    columns = ["period", "stance", "argument", "n", "total", "share"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["period"] = period_start(frame["hour"], grain, filters.tz)
    frame = frame.groupby(["period", "stance", "arguments"], as_index=False)["n"].sum()
    totals = frame.groupby(["period", "stance"])["n"].sum().rename("total")
    frame["argument"] = frame["arguments"].map(split_arguments)
    tags = frame.explode("argument").dropna(subset=["argument"])
    tags = tags.groupby(["period", "stance", "argument"], as_index=False)["n"].sum()
    tags = tags.join(totals, on=["period", "stance"])
    tags["share"] = tags["n"] / tags["total"]
    return tags[columns]


def argument_stance_matrix(store: Store, filters: Filters) -> pd.DataFrame:
    """Columns: argument, stance, n, share_of_stance."""
    per_period = argument_counts(store, filters, grain="month")
    if per_period.empty:
        return pd.DataFrame(columns=["argument", "stance", "n", "share_of_stance"])
    matrix = per_period.groupby(["argument", "stance"], as_index=False)["n"].sum()
    totals = hourly_counts(store, filters).groupby("stance")["n"].sum()
    matrix["share_of_stance"] = matrix["n"] / matrix["stance"].map(totals)
    return matrix
