import sqlite3
from dataclasses import replace
from datetime import datetime, timezone

import pytest

from tracker.errors import StoreError
from tracker.schema import Comment
from tracker.store import SCHEMA_VERSION, Store


def comment(n: int, text: str = "Open weights win again") -> Comment:
    return Comment(id=f"csv:t:{n}", source="csv", created_at=datetime(2025, 1, 27, 9, n % 60, tzinfo=timezone.utc),
                   text=text, raw_text=text, lang="en", author=f"user{n % 3}")


def add_prediction(store: Store, comment_id: str) -> None:
    with store.transaction() as conn:
        conn.execute("INSERT INTO predictions (comment_id, model_version, stance, stance_confidence, probabilities, "
                     "predicted_at) VALUES (?, 'm1', 'pro_open', 0.9, '{}', 0)", (comment_id,))


def test_new_store_is_at_the_latest_schema_version_in_wal_mode(store):
    assert store.schema_version == SCHEMA_VERSION
    assert store.conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"comments", "predictions", "labels", "runs"} <= tables


def test_upserting_the_same_comments_twice_changes_nothing(store):
    first = store.upsert_comments([comment(n) for n in range(50)])
    again = store.upsert_comments([comment(n) for n in range(50)])
    assert (first.new, first.updated, first.unchanged) == (50, 0, 0)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 50)
    assert store.count_comments() == 50


def test_a_changed_comment_is_updated_and_its_predictions_dropped(store):
    store.upsert_comments([comment(1), comment(2)])
    add_prediction(store, "csv:t:1")
    add_prediction(store, "csv:t:2")
    counts = store.upsert_comments([comment(1, "Closed labs keep the lead"), comment(2)])
    assert (counts.updated, counts.unchanged) == (1, 1)
    assert store.get_comment("csv:t:1").text == "Closed labs keep the lead"
    kept = [r[0] for r in store.conn.execute("SELECT comment_id FROM predictions")]
    assert kept == ["csv:t:2"]


def test_comments_whose_context_a_new_comment_changes_lose_their_predictions(store):
    def said(n, author, parent=None, thread="csv:t:thread"):
        return replace(comment(n), author=author, thread_id=thread, parent_id=parent and f"csv:t:{parent}")

    store.upsert_comments([said(1, "ana"), said(2, "bob", parent=1), said(3, "[deleted]"), said(4, "ana", thread="x"),
                           said(5, "eve", parent=9)])  # 5 replies to a comment not stored yet
    for n in range(1, 6):
        add_prediction(store, f"csv:t:{n}")

    def predicted():
        return {r[0] for r in store.conn.execute("SELECT comment_id FROM predictions")}

    # ana replies to bob: her comment 1 reads it as author context, bob's comment 2 as a reply;
    # ana's comment in another thread and the others do not
    assert store.upsert_comments([said(6, "ana", parent=2)]).recontext == 2
    assert predicted() == {"csv:t:3", "csv:t:4", "csv:t:5"}
    assert store.upsert_comments([said(7, "[deleted]")]).recontext == 0  # two "[deleted]" are not one person
    assert store.upsert_comments([said(9, "zoe")]).recontext == 1  # the parent of 5 arrives
    assert predicted() == {"csv:t:3", "csv:t:4"}
    assert store.upsert_comments([said(9, "zoe"), said(6, "ana", parent=2)]).recontext == 0  # nothing new


def test_same_id_with_other_content_in_one_run_is_a_conflict_not_an_update(store):
    run = store.start_run("ingest")
    store.upsert_comments([comment(1)], run_id=run)
    counts = store.upsert_comments([comment(1, "something else entirely")], run_id=run)
    assert counts.conflicts == ["csv:t:1"] and counts.stored == 0
    assert store.get_comment("csv:t:1").text == "Open weights win again"


def test_comment_round_trips_with_utc_time(store):
    original = replace(comment(7), parent_id="csv:t:1", thread_id="csv:t:thread", quoted="bob", url="https://x.test/7")
    store.upsert_comments([original])
    assert store.get_comment(original.id) == original


def test_a_database_from_a_newer_tracker_is_refused(tmp_path):
    path = tmp_path / "future.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(StoreError, match="newer than this tracker knows"):
        Store(path)


def test_a_file_that_is_not_a_database_is_refused_with_its_path(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("this is not sqlite" * 100)
    with pytest.raises(StoreError, match="notes.db"):
        Store(path)


def test_readonly_store_on_a_missing_file_says_to_ingest_first(tmp_path):
    with pytest.raises(StoreError, match="tracker ingest"):
        Store(tmp_path / "missing.db", readonly=True)


def test_a_database_of_an_earlier_schema_is_migrated_with_its_data(tmp_path):
    from tracker.store import MIGRATIONS

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.executescript(MIGRATIONS[0])
    conn.execute("PRAGMA user_version = 1")
    conn.execute("INSERT INTO comments (id, source, created_at, lang, text, raw_text, content_hash, ingested_at) "
                 "VALUES ('csv:t:1', 'csv', 0, 'en', 'kept', 'kept', 'h', 0)")
    conn.commit()
    conn.close()
    with Store(path) as store:
        assert store.schema_version == SCHEMA_VERSION > 1
        assert store.get_comment("csv:t:1").text == "kept"
        tables = {r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert {"hourly_stats", "hourly_stats_state"} <= tables


def test_an_authors_comments_in_a_thread_are_found_by_an_index_not_by_all_their_comments(store):
    """A prolific author's other comments in one thread, and how many come before a comment
    there, are read from an index on thread, author and id rather than from every comment the
    author wrote (the context's queries, tracker/context.py and Store._drop_context_predictions)."""
    plans = [" ".join(row[-1] for row in store.conn.execute("EXPLAIN QUERY PLAN " + query, params)) for query, params in (
        ("SELECT text FROM comments WHERE thread_id = ? AND author = ?", ("t", "a")),
        ("SELECT count(*) FROM comments WHERE thread_id = ? AND author = ? AND id < ?", ("t", "a", "x")))]
    assert all("comments_by_thread_author" in plan for plan in plans), plans
