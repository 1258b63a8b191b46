"""A human label takes precedence over the model's wherever a stance is shown or counted."""

import pandas as pd

from tests.helpers import run
from tracker.labeled import check_labeled_frame
from tracker.review import EXPORT_COLUMNS, add_label, labels_frame
from tracker.store import comments_with_labels
from tracker.trends import Filters, stance_over_time

OTHER = {"pro_open": "pro_closed", "pro_closed": "pro_open", "neutral": "off_topic", "off_topic": "neutral"}


def relabel_some(store, n=10):
    """Give n comments a human stance other than the model's; returns {id: human stance}."""
    model = dict(store.conn.execute("SELECT comment_id, stance FROM predictions ORDER BY comment_id LIMIT ?", (n,)))
    for comment_id, stance in model.items():
        add_label(store, comment_id, "ana", OTHER[stance], "", "neutral")
    return {comment_id: OTHER[stance] for comment_id, stance in model.items()}


def test_comments_with_labels_shows_the_human_label_and_says_so(classified):
    store, _ = classified
    human = relabel_some(store)
    first = next(iter(human))
    model_first = store.conn.execute("SELECT stance FROM predictions WHERE comment_id = ?", (first,)).fetchone()[0]
    second = next(s for s in OTHER if s not in (human[first], model_first))
    add_label(store, first, "bo", second, "", "positive")
    human[first] = second  # the latest label wins
    frame = pd.concat(comments_with_labels(store))
    assert len(frame) == store.count_comments() and frame["id"].is_unique
    labeled = frame[frame["id"].isin(human)]
    assert (labeled["stance"] == labeled["id"].map(human)).all()
    assert (labeled["label_source"] == "human").all() and (labeled["stance_confidence"] == 1.0).all()
    assert (labeled["model_stance"] != labeled["stance"]).all()  # the model's prediction is still there
    rest = frame[~frame["id"].isin(human)]
    assert (rest["label_source"] == "model").all() and (rest["stance"] == rest["model_stance"]).all()


def test_the_export_command_writes_the_human_label(capsys, tmp_path, classified):
    store, _ = classified
    human = relabel_some(store, 5)
    code, _, err = run(capsys, "--db", str(store.path), "export", "--out", str(tmp_path / "all.csv"))
    assert code == 0, err
    exported = pd.read_csv(tmp_path / "all.csv", dtype=str, keep_default_na=False).set_index("id")
    assert exported.loc[list(human), "stance"].to_dict() == human
    assert set(exported.loc[list(human), "label_source"]) == {"human"}


def test_stance_over_time_counts_the_human_label_instead_of_the_model(classified):
    store, _ = classified
    before = stance_over_time(store, Filters(), grain="month")
    human = relabel_some(store, 12)
    after = stance_over_time(store, Filters(), grain="month")
    assert before.groupby("period")["n"].sum().sum() == after.groupby("period")["n"].sum().sum() == store.count_comments()
    shares = after.groupby("period")["raw_share"].sum()
    assert ((shares - 1).abs() < 1e-9).all()
    model = pd.Series(dict(store.conn.execute("SELECT comment_id, stance FROM predictions")))
    expected = model.where(~model.index.isin(list(human)), model.index.map(lambda i: human.get(i))).value_counts()
    counted = after.groupby("stance")["n"].sum()
    assert counted[counted > 0].sort_index().to_dict() == expected.sort_index().to_dict()
    assert not before.groupby("stance")["n"].sum().equals(counted)


def test_labels_export_writes_the_latest_human_labels_as_a_valid_labeled_file(capsys, tmp_path, classified):
    store, _ = classified
    human = relabel_some(store, 8)
    first = next(i for i in human if human[i] != "off_topic")  # an off_topic label carries no tags
    add_label(store, first, "bo", human[first], "cost", "negative", "second look")
    out = tmp_path / "labels.csv"
    code, stdout, err = run(capsys, "--db", str(store.path), "labels", "export", "--out", str(out))
    assert code == 0 and "wrote 8 human labels" in stdout, err
    exported = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(exported.columns) == list(EXPORT_COLUMNS)
    assert check_labeled_frame(exported, str(out)) == []
    assert exported.set_index("id")["stance"].to_dict() == human
    row = exported.set_index("id").loc[first]
    assert (row["reviewer"], row["arguments"], row["sentiment"], row["note"]) == ("bo", "cost", "negative", "second look")
    assert len(labels_frame(store)) == 8


def test_labels_export_of_an_unlabeled_store_is_an_empty_file_with_the_header(capsys, tmp_path, classified):
    store, _ = classified
    out = tmp_path / "none.csv"
    code, stdout, _ = run(capsys, "--db", str(store.path), "labels", "export", "--out", str(out))
    assert code == 0 and "wrote 0" in stdout
    assert list(pd.read_csv(out).columns) == list(EXPORT_COLUMNS)
