"""The Review page: the uncertainty queue, saving a label that then counts everywhere, the password gate."""

from __future__ import annotations

import shutil

import pytest

from tests.dashboard.test_pages import open_app
from tracker.browse import comments_table
from tracker.store import Store
from tracker.trends import Filters


@pytest.fixture
def writable_db(forum_db, tmp_path):
    copy = tmp_path / "forum.db"
    shutil.copy(forum_db, copy)
    return copy


def test_review_page_shows_the_most_uncertain_comment_and_saves_a_label(monkeypatch, writable_db, models_path):
    monkeypatch.delenv("TRACKER_REVIEW_PASSWORD", raising=False)
    at = open_app(monkeypatch, writable_db, models_path, "review")
    assert not at.exception, [e.value for e in at.exception]
    assert at.radio(key="review_stance") and at.radio(key="review_sentiment")
    with Store(writable_db, readonly=True) as store:
        from tracker.review import review_queue

        first = review_queue(store, 50, Filters())["id"].iloc[0]
        model = store.conn.execute("SELECT stance, sentiment FROM predictions WHERE comment_id = ?", (first,)).fetchone()
    assert (at.radio(key="review_stance").value, at.radio(key="review_sentiment").value) == tuple(model)
    at.text_input(key="reviewer").input("ana")
    at.radio(key="review_stance").set_value("pro_closed")
    at.radio(key="review_sentiment").set_value("negative")
    at.button[0].click().run()  # "Save label"
    assert not at.exception, [e.value for e in at.exception]
    with Store(writable_db, readonly=True) as store:
        label = store.conn.execute("SELECT comment_id, reviewer, stance, sentiment FROM labels").fetchall()
        assert label == [(first, "ana", "pro_closed", "negative")]
        shown = comments_table(store, Filters(), limit=10_000).set_index("id").loc[first]
        assert (shown["stance"], shown["label_source"]) == ("pro_closed", "human")
        assert review_queue(store, 50, Filters())["id"].iloc[0] != first


def test_a_label_without_reviewer_name_is_refused_with_a_message(monkeypatch, writable_db, models_path):
    monkeypatch.delenv("TRACKER_REVIEW_PASSWORD", raising=False)
    at = open_app(monkeypatch, writable_db, models_path, "review")
    at.button[0].click().run()
    assert any("reviewer" in e.value for e in at.error)
    with Store(writable_db, readonly=True) as store:
        assert store.conn.execute("SELECT count(*) FROM labels").fetchone()[0] == 0


def test_review_needs_the_password_when_one_is_configured(monkeypatch, writable_db, models_path):
    monkeypatch.setenv("TRACKER_REVIEW_PASSWORD", "s3cret")
    at = open_app(monkeypatch, writable_db, models_path, "review")
    assert not at.exception
    assert not at.radio and at.text_input(key="review_password")
    at.text_input(key="review_password").input("guess").run()
    assert at.error and not at.radio
    at.text_input(key="review_password").input("s3cret").run()
    assert at.radio(key="review_stance")


def test_other_pages_stay_open_with_a_review_password(monkeypatch, writable_db, models_path):
    monkeypatch.setenv("TRACKER_REVIEW_PASSWORD", "s3cret")
    at = open_app(monkeypatch, writable_db, models_path, "overview")
    assert not at.exception and at.title[0].value == "Overview"
    assert not any(t.key == "review_password" for t in at.text_input)


def test_password_comparison_is_exact():
    from tracker.access import password_matches

    assert password_matches("s3cret", "s3cret")
    assert not password_matches("s3cre", "s3cret") and not password_matches(None, "s3cret")


def test_model_page_shows_drift_over_time_and_warns_past_the_threshold(monkeypatch, writable_db, models_path):
    import json

    drift = {"n": 40, "classified": 40, "score": 0.52, "components": {"unseen_words": 0.7, "confidence": 0.3,
                                                                      "languages": 0.4},
             "first_comment": "2025-04-01T00:00:00+00:00", "last_comment": "2025-04-30T00:00:00+00:00"}
    with Store(writable_db) as store:
        with store.transaction() as conn:
            conn.execute("INSERT INTO runs (kind, status, started_at, finished_at, model_version, details) "
                         "VALUES ('classify', 'done', 1746000000, 1746000100, 'm', ?)", (json.dumps({"drift": drift}),))
    at = open_app(monkeypatch, writable_db, models_path, "model")
    assert not at.exception, [e.value for e in at.exception]
    assert any("drift from the training data" in w.value and "0.52" in w.value for w in at.warning)
