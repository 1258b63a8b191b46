from datetime import date

import pandas as pd
import pytest

from tests.helpers import run
from tracker.errors import LabelError, ModelError
from tracker.review import QUEUE_COLUMNS, add_label, import_labels, review_queue
from tracker.trends import Filters


def fill_in(queue: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """A reviewer's work: the gold labels of the queued comments."""
    gold = rows.assign(id="t:" + rows["id"]).set_index("id")
    done = queue.copy()
    for column in ("stance", "arguments", "sentiment"):
        done[column] = gold.loc[done["id"], column].to_numpy()
    return done


def predictions(store):
    return store.conn.execute("SELECT * FROM predictions ORDER BY comment_id").fetchall()


def test_queue_then_import_returns_exactly_the_queued_ids(capsys, tmp_path, classified, rows):
    store, _ = classified
    db, queue_file = str(store.path), tmp_path / "queue.csv"
    before = predictions(store)
    code, out, err = run(capsys, "--db", db, "review", "queue", "--n", "20", "--out", str(queue_file))
    assert code == 0 and "wrote 20" in out, err
    queue = pd.read_csv(queue_file, dtype=str, keep_default_na=False)
    assert list(queue.columns) == list(QUEUE_COLUMNS) and queue["stance"].eq("").all()
    assert queue["rank"].tolist() == [str(i) for i in range(1, 21)] and queue["id"].is_unique
    fill_in(queue, rows).to_csv(queue_file, index=False)
    code, out, err = run(capsys, "--db", db, "review", "import", str(queue_file), "--reviewer", "ana")
    assert code == 0 and "stored 20 labels" in out, err
    labeled = [r[0] for r in store.conn.execute("SELECT comment_id FROM labels ORDER BY id")]
    assert labeled == queue["id"].tolist()
    assert {r[0] for r in store.conn.execute("SELECT reviewer FROM labels")} == {"ana"}
    assert predictions(store) == before  # a human label never overwrites the model's prediction
    again = review_queue(store, 20)
    assert not set(again["id"]) & set(labeled)  # labeled comments leave the queue


def test_queue_is_ranked_by_uncertainty_and_honours_the_filters(classified):
    store, _ = classified
    queue = review_queue(store, 10, Filters(langs=("fr",)), cluster=False)
    assert len(queue) == 10 and set(queue["lang"]) == {"fr"}
    assert queue["uncertainty"].is_monotonic_decreasing
    assert review_queue(store, 10, Filters(start=date(2030, 1, 1))).empty


def test_the_cli_queue_without_clustering_is_the_most_uncertain_first(capsys, tmp_path, classified):
    store, _ = classified
    out_file = tmp_path / "plain.csv"
    code, _, err = run(capsys, "--db", str(store.path), "review", "queue", "--n", "8", "--no-cluster", "--out",
                       str(out_file))
    assert code == 0, err
    plain = pd.read_csv(out_file, dtype=str, keep_default_na=False)
    assert plain["id"].tolist() == review_queue(store, 8, cluster=False)["id"].tolist()
    assert plain["uncertainty"].astype(float).is_monotonic_decreasing


def test_a_random_queue_is_a_seeded_uniform_sample_of_the_unlabeled(capsys, tmp_path, classified):
    store, _ = classified
    pool = {r[0] for r in store.conn.execute("SELECT comment_id FROM predictions")}
    first = review_queue(store, 15, method="random", seed=3)
    assert review_queue(store, 15, method="random", seed=3)["id"].tolist() == first["id"].tolist()
    other = review_queue(store, 15, method="random", seed=4)
    assert set(other["id"]) != set(first["id"])
    assert set(first["id"]) <= pool and first["id"].is_unique and first["rank"].tolist() == list(range(1, 16))
    # not the uncertainty ranking: drawn uniformly, so neither ordered nor the most uncertain ones
    assert set(first["id"]) != set(review_queue(store, 15, cluster=False)["id"])
    everything = review_queue(store, len(pool) + 5, method="random")
    assert set(everything["id"]) == pool  # asking for more than there is gives all of them, once
    out_file = tmp_path / "sample.csv"
    code, out, err = run(capsys, "--db", str(store.path), "review", "queue", "--n", "15", "--method", "random",
                         "--seed", "3", "--out", str(out_file))
    assert code == 0 and "wrote 15" in out, err
    assert pd.read_csv(out_file, dtype=str)["id"].tolist() == first["id"].tolist()


def test_queue_without_predictions_says_to_classify_first(store):
    with pytest.raises(ModelError, match="tracker classify"):
        review_queue(store, 5)


def test_import_lists_every_bad_row_by_row_and_field_and_stores_nothing(tmp_path, classified):
    store, _ = classified
    queue = review_queue(store, 6)
    ids = queue["id"].tolist()
    bad = pd.DataFrame({
        "id": [ids[0], "t:nope", ids[2], ids[3], ids[4], ids[0]],
        "stance": ["pro_open", "neutral", "pro_opne", "off_topic", "neutral", "neutral"],
        "arguments": ["cost", "", "cost;cost", "business", "openness;vibes", ""],
        "sentiment": ["positive", "neutral", "neutral", "neutral", "", "neutral"],
    })
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    with pytest.raises(LabelError) as caught:
        import_labels(store, path, reviewer="ana")
    message = str(caught.value)
    assert "nothing was imported" in message
    for expected in ("row 2, id: '" + ids[0] + "' is labeled on more than one row",
                     "row 3, id: 't:nope' is not a comment in the store",
                     "row 4, stance: 'pro_opne' is not one of", "row 4, arguments: a tag is repeated",
                     "row 5, arguments: an off_topic comment carries no argument tags",
                     "row 6, arguments: 'vibes' is not one of", "row 6, sentiment: '' is not one of"):
        assert expected in message
    assert store.conn.execute("SELECT count(*) FROM labels").fetchone()[0] == 0


def test_blank_rows_are_skipped_and_a_second_import_changes_nothing(tmp_path, classified, rows):
    store, _ = classified
    queue = fill_in(review_queue(store, 8), rows)
    queue.loc[5:, ["stance", "arguments", "sentiment"]] = ""
    path = tmp_path / "half.csv"
    queue.to_csv(path, index=False)
    first = import_labels(store, path, reviewer="bo")
    again = import_labels(store, path, reviewer="bo")
    assert (first.stored, first.unchanged, first.skipped) == (5, 0, 3)
    assert (again.stored, again.unchanged) == (0, 5)
    assert first.ids == queue["id"].tolist()[:5] == again.ids


def test_an_id_made_spreadsheet_safe_by_an_export_is_read_back(tmp_path, store):
    from datetime import datetime, timezone

    from tracker.schema import Comment

    store.upsert_comments([Comment(id="@reply:1", source="t", created_at=datetime(2025, 1, 27, tzinfo=timezone.utc),
                                   text="Exactly.", raw_text="Exactly.")])
    path = tmp_path / "safe.csv"
    pd.DataFrame({"id": ["'@reply:1"], "stance": ["off_topic"], "arguments": [""], "sentiment": ["neutral"]}).to_csv(
        path, index=False)
    assert import_labels(store, path, reviewer="ana").ids == ["@reply:1"]


def test_import_needs_a_reviewer_and_the_label_columns(tmp_path, classified):
    store, _ = classified
    comment_id = review_queue(store, 1)["id"].item()
    path = tmp_path / "one.csv"
    pd.DataFrame({"id": [comment_id], "stance": ["neutral"], "arguments": [""], "sentiment": ["neutral"]}).to_csv(
        path, index=False)
    with pytest.raises(LabelError, match="row 2, reviewer: empty; give --reviewer NAME"):
        import_labels(store, path)
    pd.DataFrame({"id": [comment_id], "label": ["neutral"]}).to_csv(path, index=False)
    with pytest.raises(LabelError, match="stance, sentiment not found"):
        import_labels(store, path, reviewer="ana")


def test_import_errors_on_the_command_line_exit_1_naming_the_row(capsys, tmp_path, classified):
    store, _ = classified
    path = tmp_path / "bad.csv"
    pd.DataFrame({"id": ["t:missing"], "stance": ["neutral"], "arguments": [""], "sentiment": ["neutral"]}).to_csv(
        path, index=False)
    code, _, err = run(capsys, "--db", str(store.path), "review", "import", str(path), "--reviewer", "ana")
    assert code == 1 and err.startswith("tracker: error: 1 problem(s)") and "row 2, id: 't:missing'" in err


def test_add_label_checks_the_comment_and_the_label_sets(classified):
    store, card = classified
    comment_id = review_queue(store, 1)["id"].item()
    label_id = add_label(store, comment_id, "ana", "pro_closed", ["trust_safety", "geopolitics"], "negative", "sarcasm")
    row = store.conn.execute("SELECT comment_id, reviewer, stance, arguments, sentiment, note FROM labels WHERE id = ?",
                             (label_id,)).fetchone()
    assert row == (comment_id, "ana", "pro_closed", "trust_safety;geopolitics", "negative", "sarcasm")
    with pytest.raises(LabelError, match="'t:nope' is not a comment"):
        add_label(store, "t:nope", "ana", "neutral", "", "neutral")
    with pytest.raises(LabelError, match="stance: 'FAVOR' is not one of pro_open"):
        add_label(store, comment_id, "ana", "FAVOR", "", "neutral")
    with pytest.raises(LabelError, match="reviewer: empty"):
        add_label(store, comment_id, " ", "neutral", "", "neutral")
    own = {**card, "labels": {"stance": ["AGAINST", "FAVOR", "NONE"]}}  # a model trained on labels of its own
    add_label(store, comment_id, "ana", "FAVOR", "", "neutral", card=own)
    with pytest.raises(LabelError, match="'pro_open' is not one of AGAINST, FAVOR, NONE"):
        add_label(store, comment_id, "ana", "pro_open", "", "neutral", card=own)
