"""tracker.views against a real SQLite store: invariants first."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
import pytest

from tests.dashboard.conftest import IMAGE, SCRIPT, VERSION
from tracker import views
from tracker.browse import overview
from tracker.schema import STANCES
from tracker.shifts import detect_shifts, read_events
from tracker.store import Store
from tracker.trends import Filters, stance_over_time

R1 = pd.Timestamp("2025-01-20")


@pytest.fixture
def shares(forum_store, card):
    return stance_over_time(forum_store, Filters(), "week", views.stance_confusion(card))


@pytest.fixture
def events(events_path):
    return read_events(events_path)


def test_data_state_says_ready_only_with_comments_and_predictions(forum_store, empty_db):
    assert views.data_state(forum_store) == {"comments": 48, "model_version": VERSION, "predicted": 48, "ready": True}
    with Store(empty_db, readonly=True) as empty:
        assert views.data_state(empty) == {"comments": 0, "model_version": None, "predicted": 0, "ready": False}


def test_filter_options_list_what_the_store_holds(forum_store):
    options = views.filter_options(forum_store)
    assert options["sources"] == ["forum", "hn"] and options["langs"] == ["en", "fr"]
    assert options["threads"]["comments"].sum() == 48
    assert (options["first"], options["last"]) == (date(2024, 12, 30), date(2025, 2, 22))


@pytest.mark.parametrize("filters", [Filters(), Filters(langs=("fr",)), Filters(start=date(2025, 1, 20)),
                                     Filters(min_confidence=0.8)], ids=["all", "fr", "since R1", "confident"])
def test_composition_and_thread_counts_sum_to_the_overview(forum_store, filters):
    total = overview(forum_store, filters)["comments"]
    assert views.composition(forum_store, filters)["n"].sum() == total
    threads = views.thread_summary(forum_store, filters)
    assert threads["comments"].sum() == total
    assert np.allclose(threads[list(STANCES)].sum(axis=1), 1)


def test_event_splits_count_every_selected_comment_once(forum_store, events):
    splits = views.event_splits(forum_store, Filters(), events)
    assert ((splits["n_before"] + splits["n_after"]) == 48).all()
    r1 = splits.set_index("event").loc["DeepSeek-R1"]
    assert (r1["n_before"], r1["week_before"], r1["week_after"]) == (18, 6, 6)


def test_reference_event_is_the_one_nearest_the_largest_shift(forum_store, events, shares, card):
    splits = views.event_splits(forum_store, Filters(), events)
    found = detect_shifts(shares, "pro_open", views.stance_confusion(card), events)
    assert views.reference_event(splits, found) == "DeepSeek-R1"
    assert views.reference_event(splits.iloc[0:0]) is None


def test_reference_event_without_shifts_is_the_one_followed_by_the_sharpest_rise():
    splits = pd.DataFrame({"date": pd.to_datetime(["2025-01-01", "2025-02-01"]), "event": ["quiet", "burst"],
                           "week_before": [10, 2], "week_after": [12, 40], "n_before": [5, 50], "n_after": [95, 50]})
    assert views.reference_event(splits) == "burst"


def test_share_change_splits_at_the_event_and_shares_sum_to_one(forum_store, card):
    change = views.share_change(forum_store, Filters(), R1, views.stance_confusion(card)).set_index("stance")
    assert (change["n_before"].iloc[0], change["n_after"].iloc[0]) == (18, 30)
    assert change["before"].sum() == pytest.approx(1) and change["after"].sum() == pytest.approx(1)
    assert change.loc["pro_open", "delta"] > 0.3 and change.loc["pro_closed", "delta"] < -0.3
    assert (change["before_low"] <= change["before"] + 1e-9).all() and (change["after"] <= change["after_high"] + 1e-9).all()
    raw = views.share_change(forum_store, Filters(), R1).set_index("stance")
    assert raw.loc["pro_open", "raw_after"] == pytest.approx(17 / 30)


def test_argument_change_counts_match_the_comments(forum_store):
    change = views.argument_change(forum_store, Filters(), R1)
    assert set(change["stance"]) <= {"pro_open", "pro_closed"}
    cost = change.set_index(["stance", "argument"]).loc[("pro_open", "cost")]
    # every comment from R1 on is tagged cost, so every pro_open one after uses it
    assert cost["after"] == 1.0 and cost["n_after"] == 17
    assert change["delta"].is_monotonic_decreasing


def test_shift_segments_cover_the_series_without_gaps(shares, card, events):
    found = detect_shifts(shares, "pro_open", views.stance_confusion(card), events)
    segments = views.shift_segments(found, shares, "week")
    assert len(segments) == len(found) + 1
    assert segments["start"].iloc[0] == shares["period"].min()
    assert segments["end"].iloc[-1] == shares["period"].max() + pd.Timedelta(weeks=1)
    assert (segments["start"].iloc[1:].to_numpy() == segments["end"].iloc[:-1].to_numpy()).all()


def test_shift_exemplars_are_the_most_confident_comments_of_the_rising_stance(forum_store, shares, card, events):
    found = detect_shifts(shares, "pro_open", views.stance_confusion(card), events)
    assert list(found["period"]) == [R1]
    riser = views.rising_stances(found, shares).iloc[0]
    assert riser == "pro_open"
    examples = views.shift_exemplars(forum_store, Filters(), R1, "week", riser, limit=3)
    assert len(examples) == 3 and set(examples["stance"]) == {"pro_open"}
    assert examples["stance_confidence"].is_monotonic_decreasing
    days = examples["created_at"].dt.tz_localize(None)
    assert ((days >= R1) & (days < R1 + pd.Timedelta(weeks=1))).all()


def test_comments_view_shows_pseudonyms_unless_asked_and_only_web_links(forum_store):
    shown = views.comments_view(forum_store, Filters(), limit=100)
    assert list(shown.columns) == views.COMMENT_VIEW_COLUMNS and len(shown) == 48
    assert not set(shown["author"]) & {"alice", "bruno"}
    assert set(views.comments_view(forum_store, Filters(), limit=100, real_names=True)["author"]) >= {"alice", "bruno"}
    assert not shown["url"].dropna().str.startswith("javascript").any()
    replies = shown.dropna(subset=["parent_id"])
    assert len(replies) == 32 and replies["parent_url"].str.startswith("https://").all()


def test_comment_detail_separates_own_words_from_quotes_and_brings_the_parent(forum_store):
    detail = views.comment_detail(forum_store, "hn:10")
    assert detail["text"] == "Comment 10 by emma about open weights in week 1."
    assert detail["quotes"] == ["quoted words of comment 8"]
    assert detail["parent"]["id"] == "hn:8" and detail["parent"]["parent"] is None
    assert detail["author"] != "emma" and views.comment_detail(forum_store, "hn:10", real_names=True)["author"] == "emma"
    assert views.comment_detail(forum_store, "hn:404") is None


def test_table_bytes_round_trip_and_neutralize_formulas(forum_store):
    shown = views.comments_view(forum_store, Filters(), limit=100, real_names=True)
    back = pd.read_csv(io.BytesIO(views.table_bytes(shown, "csv")), keep_default_na=False)
    assert list(back.columns) == list(shown.columns) and len(back) == len(shown)
    assert "'=HYPERLINK(\"http://example.com\")" in set(back["text"]) and SCRIPT in set(back["text"])
    parquet = pd.read_parquet(io.BytesIO(views.table_bytes(shown, "parquet")))
    assert parquet["id"].tolist() == shown["id"].tolist() and IMAGE in set(parquet["text"])
    with pytest.raises(ValueError):
        views.table_bytes(shown, "xlsx")


def test_card_for_version_finds_the_bundle_that_wrote_the_predictions(models_path, tmp_path):
    assert views.card_for_version(VERSION, models_path)["name"] == "fixture"
    assert views.card_for_version("other-version", models_path) is None
    assert views.card_for_version(VERSION, tmp_path / "nowhere") is None


def test_card_tables(card):
    summary = views.card_summary(card)
    assert summary["version"] == VERSION and summary["languages"] == {"en": 200, "fr": 200}
    assert summary["stance_macro_f1"] == card["metrics"]["stance"]["all"]["macro_f1"]
    assert list(views.card_scores(card)["scope"]) == ["all", "en", "fr"]
    confusion = views.card_confusion(card)
    assert confusion["n"].sum() == 400
    assert np.allclose(confusion.groupby("true")["share_of_true"].sum(), 1)
    reliability = views.card_reliability(card)
    assert (reliability["count"] > 0).all() and reliability["count"].sum() == 400
    assert len(views.card_per_class(card)) == 3 * len(STANCES)
    assert set(views.card_arguments(card)["threshold"]) == {0.4}
    assert views.card_scores({}).empty and views.card_confusion({}).empty and views.card_reliability({}).empty


def test_stance_counts_add_up_to_the_period_totals(shares):
    counts = views.stance_counts(shares)
    assert (counts[list(STANCES)].sum(axis=1) == counts["total"]).all() and counts["total"].sum() == 48


def test_authors_to_plot_puts_side_changers_first(forum_store):
    from tracker.authors import author_stances, side_changers

    trajectories = author_stances(forum_store, Filters(), "week")
    changers = side_changers(trajectories)
    drawn = views.authors_to_plot(trajectories, changers, limit=2)
    assert drawn["author"].nunique() == 2
    assert set(drawn["author"]) <= set(changers["author"]) | set(trajectories["author"])
    assert set(changers["author"].head(1)) <= set(drawn["author"])


def test_events_in_range_keeps_inclusive_bounds(events):
    kept = views.events_in_range(events, date(2025, 1, 20), date(2025, 1, 27))
    assert list(kept["event"]) == ["DeepSeek-R1", "Nvidia drop"]


@pytest.mark.parametrize("url, safe", [("https://a.example/1", True), ("http://a.example", True),
                                       ("javascript:alert(1)", False), (" JAVASCRIPT:x", False), (None, False)])
def test_safe_url_only_lets_web_links_through(url, safe):
    assert (views.safe_url(url) is not None) == safe


def test_exemplars_respect_a_narrower_date_filter(forum_store):
    narrowed = Filters(start=date(2025, 1, 22))
    examples = views.shift_exemplars(forum_store, narrowed, R1, "week", "pro_open", limit=10)
    assert (examples["created_at"].dt.date >= date(2025, 1, 22)).all() and len(examples) > 0
    assert replace(narrowed) == narrowed  # the viewer's filters are not changed


def test_passing_the_hourly_counts_changes_nothing_but_the_number_of_queries(forum_store, events, card):
    from tracker.trends import hourly_counts

    filters = Filters(tz="Europe/Paris", langs=("en",))
    hourly = hourly_counts(forum_store, filters)
    confusion = views.stance_confusion(card)
    pd.testing.assert_frame_equal(views.composition(forum_store, filters), views.composition(forum_store, filters, hourly))
    pd.testing.assert_frame_equal(views.event_splits(forum_store, filters, events),
                                  views.event_splits(forum_store, filters, events, hourly))
    pd.testing.assert_frame_equal(views.share_change(forum_store, filters, R1, confusion),
                                  views.share_change(forum_store, filters, R1, confusion, hourly))
    pd.testing.assert_frame_equal(views.argument_change(forum_store, filters, R1),
                                  views.argument_change(forum_store, filters, R1, hourly=hourly))
    assert "local" not in hourly  # the caller's frame is left as it was


def test_an_unreadable_card_elsewhere_does_not_hide_the_right_one(tmp_path):
    import json

    (tmp_path / "aaa-broken").mkdir()
    (tmp_path / "aaa-broken" / "card.json").write_text("{not json")
    (tmp_path / "good").mkdir()
    (tmp_path / "good" / "card.json").write_text(json.dumps({"version": "good-1"}))
    assert views.card_for_version("good-1", tmp_path) == {"version": "good-1"}


def test_hourly_table_is_read_once_and_refreshed_when_another_connection_writes(tmp_path):
    import sqlite3
    from datetime import datetime, timezone

    from tracker.schema import Comment
    from tracker.store import Store
    from tracker.trends import Filters, hourly_table, stance_over_time

    with Store(tmp_path / "t.db") as store:
        moment = datetime(2025, 1, 27, 10, tzinfo=timezone.utc)
        store.upsert_comments([Comment(id=f"x:{i}", source="x", created_at=moment, text="t", raw_text="t", lang="en")
                               for i in range(4)])
        with store.transaction() as conn:
            conn.executemany("INSERT INTO predictions (comment_id, model_version, stance, stance_confidence, "
                             "probabilities, predicted_at) VALUES (?, 'm', 'pro_open', 0.9, '{}', 0)",
                             [(f"x:{i}",) for i in range(4)])
        filters = Filters(model_version="m")
        first = hourly_table(store, filters)
        assert hourly_table(store, filters).equals(first)
        other = sqlite3.connect(tmp_path / "t.db")
        other.execute("INSERT INTO labels (comment_id, reviewer, labeled_at, stance) VALUES ('x:0', 'ana', 0, 'pro_closed')")
        other.commit()
        other.close()
        counts = stance_over_time(store, filters, "week").set_index("stance")["n"]
        assert (counts["pro_open"], counts["pro_closed"]) == (3, 1)
