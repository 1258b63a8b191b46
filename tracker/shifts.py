"""Shifts in the stance series: change points, with shares before and after and the nearest event."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from tracker.prevalence import adjusted_shares, correction

EVENTS_FILE = Path("data/events.csv")


def read_events(path: str | Path = EVENTS_FILE) -> pd.DataFrame:
    """Columns: date (datetime), event, description; empty when the file is missing."""
    path = Path(path)
    if not path.exists():
        return pd.DataFrame(columns=["date", "event", "description"])
    events = pd.read_csv(path, dtype=str, keep_default_na=False)
    events["date"] = pd.to_datetime(events["date"])
    return events.sort_values("date").reset_index(drop=True)


def change_points(values: np.ndarray, weights: np.ndarray | None = None, penalty: float | None = None,
                  min_size: int = 2) -> list[int]:
    """Indices where the mean of `values` changes (PELT with an L2 cost, from `ruptures`).

    The default penalty scales with the series' noise so that flat noisy series give no shift.
    """
    import ruptures

    values = np.asarray(values, float)
    if len(values) < 2 * min_size + 1:
        return []
    noise = np.median(np.abs(np.diff(values))) / 0.6745 if len(values) > 2 else 0.0
    penalty = penalty if penalty is not None else max(3 * np.log(len(values)) * max(noise, 1e-3) ** 2, 1e-4)
    algo = ruptures.Pelt(model="l2", min_size=min_size, jump=1).fit(values.reshape(-1, 1))
    return [b for b in algo.predict(pen=penalty) if b < len(values)]


def detect_shifts(shares: pd.DataFrame, label: str = "pro_open", confusion: dict | None = None,
                  events: pd.DataFrame | None = None, min_size: int = 2) -> pd.DataFrame:
    """Detected shifts in one stance's share (from `stance_over_time`).

    Columns: period (first period after the shift), label, before, before_low, before_high,
    after, after_low, after_high, delta, nearest_event, event_date, days_from_event.
    """
    columns = ["period", "label", "before", "before_low", "before_high", "after", "after_low", "after_high",
               "delta", "nearest_event", "event_date", "days_from_event"]
    series = shares[shares["stance"] == label].sort_values("period")
    if series.empty:
        return pd.DataFrame(columns=columns)
    wide = shares.pivot_table(index="period", columns="stance", values="n", aggfunc="sum", fill_value=0)
    labels, matrix, clustering = correction(confusion, wide.columns)
    wide = wide.reindex(columns=labels, fill_value=0)
    points = change_points(series["share"].to_numpy(), min_size=min_size)
    bounds = [0] + points + [len(series)]
    rows = []
    for left, cut, right in zip(bounds, bounds[1:], bounds[2:]):
        before, after = (adjusted_shares(wide.iloc[a:b].sum().to_numpy(), matrix, labels, design_effect=clustering)
                         .set_index("label").loc[label] for a, b in ((left, cut), (cut, right)))
        period = series["period"].iloc[cut]
        event, event_date, days = _nearest_event(period, events)
        rows.append((period, label, before["share"], before["low"], before["high"], after["share"], after["low"],
                     after["high"], after["share"] - before["share"], event, event_date, days))
    return pd.DataFrame(rows, columns=columns)


def _nearest_event(period, events: pd.DataFrame | None):
    if events is None or events.empty:
        return None, None, None
    gaps = (events["date"] - pd.Timestamp(period)).dt.days
    best = gaps.abs().idxmin()
    return events.loc[best, "event"], events.loc[best, "date"], int(gaps.loc[best])
