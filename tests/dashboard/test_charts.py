"""dashboard.charts: every chart builds a valid Vega-Lite spec with tooltips, from the library's
DataFrames and from empty ones."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from dashboard import charts
from tests.dashboard.conftest import fixture_card
from tracker.store import Store
from tracker import views
from tracker.authors import author_stances, side_changers
from tracker.shifts import detect_shifts, read_events
from tracker.trends import (Filters, argument_counts, argument_stance_matrix, net_stance_index, stance_over_time,
                            volume_over_time)


@pytest.fixture(scope="module")
def frames(forum_db, events_path):
    with Store(forum_db, readonly=True) as forum_store:
        return _frames(forum_store, fixture_card(), events_path)


@pytest.fixture(scope="module")
def card():
    return fixture_card()


def _frames(forum_store, card, events_path):
    confusion = views.stance_confusion(card)
    shares = stance_over_time(forum_store, Filters(), "week", confusion)
    events = read_events(events_path)
    found = detect_shifts(shares, "pro_open", confusion, events)
    trajectories = author_stances(forum_store, Filters(), "week")
    return {
        "shares": shares, "events": events, "found": found,
        "segments": views.shift_segments(found, shares, "week"),
        "by_source": stance_over_time(forum_store, Filters(), "week", confusion, by="source"),
        "volume": volume_over_time(forum_store, Filters(), "week", by="lang"),
        "counts": argument_counts(forum_store, Filters(), "week"),
        "matrix": argument_stance_matrix(forum_store, Filters()),
        "change": views.argument_change(forum_store, Filters(), date(2025, 1, 20)),
        "trajectories": trajectories, "changers": side_changers(trajectories),
        "composition": views.composition(forum_store, Filters()),
    }


def builders(f, card):
    return {
        "stance_shares": lambda: charts.stance_shares(f["shares"], f["events"]),
        "stance_shares_raw": lambda: charts.stance_shares(f["shares"], None, raw=True),
        "net_index": lambda: charts.net_index(net_stance_index(f["shares"]), f["events"]),
        "volume": lambda: charts.volume(f["volume"], "lang", f["events"], "week"),
        "composition": lambda: charts.composition(f["composition"]),
        "shift_series": lambda: charts.shift_series(f["shares"], "pro_open", f["segments"], f["found"], f["events"]),
        "argument_heatmap": lambda: charts.argument_heatmap(f["counts"], "pro_open", "week"),
        "argument_matrix": lambda: charts.argument_matrix(f["matrix"]),
        "argument_change": lambda: charts.argument_change(f["change"]),
        "group_shares": lambda: charts.group_shares(f["by_source"], "source", "pro_open", f["events"]),
        "trajectories": lambda: charts.trajectories(f["trajectories"]),
        "confusion": lambda: charts.confusion(views.card_confusion(card)),
        "reliability": lambda: charts.reliability(views.card_reliability(card)),
        "per_class_f1": lambda: charts.per_class_f1(views.card_per_class(card)),
    }


NAMES = list(builders({}, {}))


@pytest.mark.parametrize("name", NAMES)
def test_every_chart_is_valid_vega_lite_with_tooltips(frames, card, name):
    spec = builders(frames, card)[name]().to_dict()  # validates against the Vega-Lite schema
    assert "tooltip" in json.dumps(spec)


@pytest.mark.parametrize("name", NAMES)
def test_every_chart_accepts_empty_library_frames(frames, card, name):
    empty = {key: value.iloc[0:0] if isinstance(value, pd.DataFrame) else value for key, value in frames.items()}
    builders(empty, {})[name]().to_dict()


def test_stance_colours_are_fixed_so_pages_agree(frames):
    spec = json.dumps(charts.stance_shares(frames["shares"]).to_dict())
    for colour in charts.STANCE_COLORS.values():
        assert colour in spec


def test_events_are_drawn_only_when_there_are_some(frames):
    with_events = json.dumps(charts.stance_shares(frames["shares"], frames["events"]).to_dict())
    without = json.dumps(charts.stance_shares(frames["shares"], None).to_dict())
    assert "DeepSeek-R1" in with_events and "DeepSeek-R1" not in without
