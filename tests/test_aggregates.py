"""The kept per-hour counts answer exactly what counting the comments would, and stay fresh."""

import random
from datetime import date, datetime, timedelta, timezone

import pandas as pd
import pytest

from tracker import aggregates
from tracker.review import add_label
from tracker.schema import STANCES, Comment
from tracker.trends import Filters, _stored_hourly, query_labeled, stance_over_time

VERSION = "m-1"


@pytest.fixture
def filled(store):
    rng = random.Random(4)
    start = datetime(2025, 1, 1, tzinfo=timezone.utc)
    comments = [Comment(id=f"c:{i}", source=rng.choice(["hn", "reddit", "news-fr"]), lang=rng.choice(["en", "fr"]),
                        created_at=start + timedelta(minutes=rng.randint(0, 60 * 24 * 90)), text=f"t{i}",
                        raw_text=f"t{i}", thread_id=f"t{i % 7}") for i in range(600)]
    store.upsert_comments(comments)
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO predictions (comment_id, model_version, stance, stance_confidence, probabilities, arguments, "
            "predicted_at) VALUES (?, ?, ?, ?, '{}', ?, 0)",
            [(c.id, VERSION, rng.choice(STANCES), rng.random(), rng.choice(["", "cost", "cost;openness"]))
             for c in comments])
    aggregates.rebuild(store, VERSION)
    return store


def scanned(store, filters):
    frame = query_labeled(store, "c.created_at / 3600 AS hour, c.source, c.lang, coalesce(h.stance, p.stance) AS stance, "
                                 "coalesce(h.arguments, p.arguments) AS arguments, count(*) AS n",
                          filters, "GROUP BY 1, 2, 3, 4, 5")
    return frame.assign(arguments=frame["arguments"].fillna(""))


def same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    key = ["hour", "source", "lang", "stance", "arguments"]
    return a.sort_values(key).reset_index(drop=True).equals(b[a.columns].sort_values(key).reset_index(drop=True))


@pytest.mark.parametrize("filters", [
    Filters(model_version=VERSION),
    Filters(model_version=VERSION, start=date(2025, 1, 20), end=date(2025, 2, 10), tz="Europe/Paris"),
    Filters(model_version=VERSION, sources=("hn", "news-fr"), langs=("fr",)),
])
def test_kept_counts_equal_counting_the_comments(filled, filters):
    stored = _stored_hourly(filled, filters)
    assert stored is not None
    assert same(stored, scanned(filled, filters))


def test_a_human_label_moves_one_comment_and_keeps_the_counts_fresh(filled):
    before = stance_over_time(filled, Filters(model_version=VERSION), "month")
    model_stance = filled.conn.execute("SELECT stance FROM predictions WHERE comment_id = 'c:5'").fetchone()[0]
    target = next(s for s in STANCES if s not in (model_stance, "off_topic"))
    add_label(filled, "c:5", "ana", target, "", "neutral")
    add_label(filled, "c:5", "bo", "off_topic", "", "neutral")  # a second opinion replaces the first
    assert aggregates.is_fresh(filled, VERSION)
    assert same(_stored_hourly(filled, Filters(model_version=VERSION)), scanned(filled, Filters(model_version=VERSION)))
    after = stance_over_time(filled, Filters(model_version=VERSION), "month")
    assert after["n"].sum() == before["n"].sum() == 600


def test_stale_or_unanswerable_counts_are_not_used(filled):
    assert _stored_hourly(filled, Filters(model_version=VERSION, threads=("t1",))) is None
    assert _stored_hourly(filled, Filters(model_version=VERSION, min_confidence=0.5)) is None
    assert _stored_hourly(filled, Filters(model_version=VERSION, start=date(2025, 1, 5), tz="Asia/Kolkata")) is None
    with filled.transaction() as conn:  # a prediction written without a rebuild
        conn.execute("DELETE FROM predictions WHERE comment_id = 'c:9'")
    assert not aggregates.is_fresh(filled, VERSION)
    assert _stored_hourly(filled, Filters(model_version=VERSION)) is None
    counts = stance_over_time(filled, Filters(model_version=VERSION), "month")
    assert counts.groupby("period")["total"].first().sum() == 599
