"""The author's other comments in the thread: built alike from a file and from the store, and read by the model."""

import json

import numpy as np
import pandas as pd
import pytest

from tests.review.conftest import comments_from
from tracker.classify import classify_file, classify_store, predict_frame
from tracker.context import AUTHOR_TEXT, author_texts, store_author_texts
from tracker.train import TrainConfig, prepare, train

ROWS = pd.DataFrame({
    "id": ["a3", "a1", "b1", "a2", "c1", "d1", "d2", "e1", "e2"],
    "thread_id": ["t1", "t1", "t1", "t2", "t1", "t1", "t1", "", ""],
    "author": ["ana", "ana", "bob", "ana", "ana ", "[deleted]", "[deleted]", "eve", "eve"],
    "text": ["third", "first", "bob's", "other thread", "trailing space", "gone 1", "gone 2", "no thread 1",
             "no thread 2"],
})


def test_each_comment_gets_its_authors_other_comments_in_that_thread_in_id_order():
    context = dict(zip(ROWS["id"], author_texts(ROWS)))
    assert context["a1"] == "third" and context["a3"] == "first"  # never itself
    assert context["b1"] == "" and context["a2"] == ""  # alone in the thread / in another thread
    assert context["c1"] == ""  # "ana " is not "ana": names are matched exactly, as the store does
    extra = pd.DataFrame({"id": ["a0"], "thread_id": ["t1"], "author": ["ana"], "text": ["zeroth"]})
    both = pd.concat([ROWS, extra], ignore_index=True)
    assert dict(zip(both["id"], author_texts(both)))["a3"] == "zeroth\nfirst"


def test_deleted_or_missing_authors_and_threadless_comments_get_no_context():
    context = dict(zip(ROWS["id"], author_texts(ROWS)))
    assert context["d1"] == context["d2"] == ""  # two "[deleted]" are not one person
    assert context["e1"] == context["e2"] == ""
    assert author_texts(ROWS.drop(columns=["author"])) == [""] * len(ROWS)


def test_the_store_gives_the_same_context_as_the_labeled_file(store, threads):
    store.upsert_comments(comments_from(threads))
    stored = pd.read_sql_query("SELECT id, thread_id, author, text FROM comments ORDER BY id", store.conn)
    chunk = stored.sample(200, random_state=1)  # a chunk: its authors' other comments lie mostly outside it
    from_store = store_author_texts(store.conn, chunk)
    assert from_store == author_texts(chunk, stored) and sum(map(bool, from_store)) > 100
    assert store_author_texts(store.conn, stored.iloc[:0]) == []


@pytest.fixture(scope="module")
def threads():
    """Two labeled files' whole threads, where regulars post several times."""
    return pd.concat([pd.read_csv(f"data/labeled/{name}.csv", dtype=str, keep_default_na=False)
                      for name in ("en_register", "fr_next")], ignore_index=True)


@pytest.fixture(scope="module")
def model(threads):
    return train(threads, TrainConfig(folds=2), evaluate=False).predictor


def test_a_model_has_an_author_block_only_when_its_data_has_author_context(threads):
    def parts(frame, config):
        return dict(train(frame, config, evaluate=False).predictor.features.transformer_list)

    assert "author" in parts(threads, TrainConfig(folds=2))
    report = train(threads, TrainConfig(folds=2)).report  # and its card scores the comments that have it
    assert report["stance_with_author"]["n"] == int(prepare(threads)[AUTHOR_TEXT].ne("").sum())
    assert "author" not in parts(threads, TrainConfig(folds=2, author_weight=0))
    assert "author" not in parts(threads.drop(columns=["author"]), TrainConfig(folds=2))


def test_classify_reads_the_authors_other_comments_from_the_store(store, threads, model):
    store.upsert_comments(comments_from(threads))
    classify_store(store, model, {"version": "threads-v1"})
    stored = pd.read_sql_query("SELECT comment_id, probabilities FROM predictions ORDER BY comment_id", store.conn)
    local = threads.assign(id="t:" + threads["id"],
                           parent_id=np.where(threads["parent_id"] != "", "t:" + threads["parent_id"], ""))
    data = prepare(local).set_index("id").loc[stored["comment_id"]].reset_index()
    has_context = data[AUTHOR_TEXT].ne("").to_numpy()
    assert has_context.mean() > 0.5
    columns = [f"p_{label}" for label in model.stance_labels]
    expected = predict_frame(model, data)[columns].to_numpy()
    got = np.array([[json.loads(cell)[label] for label in model.stance_labels] for cell in stored["probabilities"]])
    assert np.allclose(got, expected, atol=1e-4)  # the store built the same context as the file
    blind = predict_frame(model, data.drop(columns=[AUTHOR_TEXT]))[columns].to_numpy()
    moved = np.abs(blind - expected).max(axis=1)
    assert (moved[has_context] > 1e-3).mean() > 0.5  # the context moves the comments that have one
    assert moved[~has_context].max() < 1e-6  # and no other


def test_a_files_author_text_column_reaches_the_worker_processes(tmp_path, threads, model):
    data = prepare(threads)[["id", "text", "parent_text", AUTHOR_TEXT, "lang"]]
    data.to_csv(tmp_path / "in.csv", index=False)
    classify_file(model, tmp_path / "in.csv", tmp_path / "out.csv", jobs=2, chunk_rows=100)  # most chunks to the worker
    out = pd.read_csv(tmp_path / "out.csv", dtype={"id": str}, keep_default_na=False)
    columns = [f"p_{label}" for label in model.stance_labels]
    assert np.allclose(out[columns].to_numpy(), predict_frame(model, data)[columns].to_numpy(), atol=1e-4)


def test_only_the_stance_head_reads_the_author_block(threads, model):
    data = prepare(threads)
    with_context, without = predict_frame(model, data), predict_frame(model, data.drop(columns=[AUTHOR_TEXT]))
    assert (with_context["stance"] != without["stance"]).any()
    assert with_context["arguments"].tolist() == without["arguments"].tolist()
    assert np.array_equal(with_context["sentiment_score"], without["sentiment_score"])
