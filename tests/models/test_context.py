"""The author's other comments in the thread: built alike from a file and from the store, and read by the model."""

import json

import numpy as np
import pandas as pd
import pytest

from tests.review.conftest import comments_from
from tracker.batches import predict_frame
from tracker.classify import classify_file, classify_store
from tracker.context import (AUTHOR_LIMIT, AUTHOR_TEXT, REPLIES_TEXT, SEPARATOR, author_texts, replies_texts,
                             store_author_texts, store_replies_texts)
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
    assert dict(zip(both["id"], author_texts(both)))["a3"] == "zeroth\x1efirst"  # SEPARATOR between them


def test_a_comment_is_read_with_at_most_the_first_author_limit_of_its_authors_other_comments():
    """A chat regular's thousands of messages are not each read with all the others."""
    n = AUTHOR_LIMIT + 5
    rows = pd.DataFrame({"id": [f"m{k:03d}" for k in range(n)] + ["x1", "x2"], "thread_id": "live",
                         "author": ["regular"] * n + ["once", "once"], "text": [f"msg{k}" for k in range(n)] + ["a", "b"]})
    context = [text.split(SEPARATOR) for text in author_texts(rows)]
    assert context[0] == [f"msg{k}" for k in range(1, AUTHOR_LIMIT + 1)]  # the first others, never itself
    assert context[AUTHOR_LIMIT] == [f"msg{k}" for k in range(AUTHOR_LIMIT)]
    assert context[-3] == [f"msg{k}" for k in range(AUTHOR_LIMIT)]
    assert context[-2:] == [["b"], ["a"]]  # others' context untouched beside a capped author


def test_deleted_or_missing_authors_and_threadless_comments_get_no_context():
    context = dict(zip(ROWS["id"], author_texts(ROWS)))
    assert context["d1"] == context["d2"] == ""  # two "[deleted]" are not one person
    assert context["e1"] == context["e2"] == ""
    assert author_texts(ROWS.drop(columns=["author"])) == [""] * len(ROWS)


def test_the_store_gives_the_same_context_as_the_labeled_file(store, threads):
    store.upsert_comments(comments_from(threads))
    stored = pd.read_sql_query("SELECT id, thread_id, author, parent_id, text FROM comments ORDER BY id", store.conn)
    chunk = stored.sample(200, random_state=1)  # a chunk: its authors' other comments lie mostly outside it
    from_store = store_author_texts(store.conn, chunk)
    assert from_store == author_texts(chunk, stored) and sum(map(bool, from_store)) > 100
    assert store_author_texts(store.conn, stored.iloc[:0]) == []
    replies = store_replies_texts(store.conn, chunk)  # its replies too
    assert replies == replies_texts(chunk, stored) and sum(map(bool, replies)) > 80
    assert store_replies_texts(store.conn, stored.iloc[:0]) == []


def test_each_comment_gets_the_comments_replying_to_it_in_id_order():
    rows = pd.DataFrame({"id": ["p", "r2", "r1", "q", "s"], "parent_id": ["", "p", "p", "r1", None],
                         "text": ["parent", "second", "first", "nested", "alone"]})
    assert replies_texts(rows) == [f"first{SEPARATOR}second", "", "nested", "", ""]
    assert replies_texts(rows.drop(columns=["parent_id"])) == [""] * 5


@pytest.fixture(scope="module")
def model(threads):
    return train(threads, TrainConfig(folds=2), evaluate=False).predictor


def test_a_model_has_author_and_replies_blocks_only_when_its_data_has_such_context(threads):
    def parts(frame, config):
        return dict(train(frame, config, evaluate=False).predictor.features.transformer_list)

    assert {"author", "replies"} <= set(parts(threads, TrainConfig(folds=2)))
    report = train(threads, TrainConfig(folds=2)).report  # and its card scores the comments that have it
    assert report["stance_with_author"]["n"] == int(prepare(threads)[AUTHOR_TEXT].ne("").sum())
    assert report["stance_with_replies"]["n"] == int(prepare(threads)[REPLIES_TEXT].ne("").sum())
    assert not {"author", "replies"} & set(parts(threads, TrainConfig(folds=2, author_weight=0, replies_weight=0)))
    assert "author" not in parts(threads.drop(columns=["author"]), TrainConfig(folds=2))
    assert "replies" not in parts(threads.drop(columns=["parent_id"]), TrainConfig(folds=2))


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


def test_comments_ingested_in_two_batches_end_classified_as_if_ingested_at_once(tmp_path, threads, model):
    """A comment classified before its parent or its author's later comments arrive is
    classified again once they do."""
    from tracker.store import Store

    comments = comments_from(threads)
    order = np.random.default_rng(3).permutation(len(comments))  # replies may come before their parents
    first, second = [comments[i] for i in order[:300]], [comments[i] for i in order[300:]]

    def probabilities(store):
        return pd.read_sql_query("SELECT comment_id, probabilities FROM predictions ORDER BY comment_id", store.conn)

    with Store(tmp_path / "once.db") as once, Store(tmp_path / "twice.db") as twice:
        once.upsert_comments(comments)
        classify_store(once, model, {"version": "v"})
        twice.upsert_comments(first)
        assert classify_store(twice, model, {"version": "v"})["classified"] == 300
        recontext = twice.upsert_comments(second).recontext
        assert 100 < recontext < 300
        assert classify_store(twice, model, {"version": "v"})["classified"] == len(second) + recontext
        expected, got = probabilities(once), probabilities(twice)
    assert got["comment_id"].tolist() == expected["comment_id"].tolist()

    def values(frame):
        return np.array([list(json.loads(cell).values()) for cell in frame["probabilities"]])

    assert np.allclose(values(got), values(expected), atol=1e-4)


def test_a_regulars_later_comments_leave_the_predictions_of_the_earlier_ones(tmp_path, threads, model):
    """Past AUTHOR_LIMIT, a regular's new comment is in no one's context: ingesting it drops
    no prediction of theirs; one that sorts among their first comments drops them all. Either
    way the store ends as if it had everything at once."""
    from tracker.schema import Comment
    from tracker.store import Store

    texts = threads["text"].tolist()
    when = pd.Timestamp("2025-01-27", tz="UTC").to_pydatetime()
    regular = [Comment(id=f"m{k:03d}", source="chat", created_at=when, text=texts[k], raw_text=texts[k], lang="en",
                       thread_id="live", author="regular") for k in range(AUTHOR_LIMIT + 10)]
    early, late = regular[3], regular[-2:]
    first = [c for c in regular if c is not early and c not in late]

    def stored(store):
        return dict(store.conn.execute("SELECT comment_id, probabilities FROM predictions"))

    with Store(tmp_path / "once.db") as once, Store(tmp_path / "parts.db") as parts:
        once.upsert_comments(regular)
        rows = pd.read_sql_query("SELECT id, thread_id, author, text FROM comments", once.conn)
        assert store_author_texts(once.conn, rows) == author_texts(rows)  # the store reads only the first ones
        classify_store(once, model, {"version": "v"})
        parts.upsert_comments(first)
        classify_store(parts, model, {"version": "v"})
        assert parts.upsert_comments(late).recontext == 0
        assert classify_store(parts, model, {"version": "v"})["classified"] == len(late)
        assert parts.upsert_comments([early]).recontext == len(regular) - 1
        assert classify_store(parts, model, {"version": "v"})["classified"] == len(regular)
        assert stored(parts) == stored(once)


def test_a_files_author_text_column_reaches_the_worker_processes(tmp_path, threads, model):
    data = prepare(threads)[["id", "text", "parent_text", AUTHOR_TEXT, "lang"]]
    data.to_csv(tmp_path / "in.csv", index=False)
    classify_file(model, tmp_path / "in.csv", tmp_path / "out.csv", jobs=2, chunk_rows=100)  # most chunks to the worker
    out = pd.read_csv(tmp_path / "out.csv", dtype={"id": str}, keep_default_na=False)
    columns = [f"p_{label}" for label in model.stance_labels]
    assert np.allclose(out[columns].to_numpy(), predict_frame(model, data)[columns].to_numpy(), atol=1e-4)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_a_file_with_ids_gives_its_rows_the_context_the_store_would(tmp_path, threads, model, suffix):
    """Parents and authors' other comments found across chunks of the file itself; the
    context is read, not written out."""
    source = tmp_path / f"in{suffix}"
    file = threads.drop(columns=["stance", "arguments", "sentiment"]).rename(columns={"text": "body"})
    if suffix == ".csv":
        file.to_csv(source, index=False)
    else:
        file.to_json(source, orient="records", lines=True, force_ascii=False)
    classify_file(model, source, tmp_path / "out.csv", text_column="body", chunk_rows=37)
    out = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    assert list(out.columns[:len(file.columns)]) == list(file.columns)
    assert not {"parent_text", AUTHOR_TEXT, REPLIES_TEXT} & set(out.columns)
    columns = [f"p_{label}" for label in model.stance_labels]
    data = prepare(threads)
    assert all(data[column].ne("").mean() > 0.5 for column in ("parent_text", AUTHOR_TEXT, REPLIES_TEXT))
    expected = predict_frame(model, data)[columns].to_numpy()
    assert np.allclose(out[columns].to_numpy(dtype=float), expected, atol=1e-4)

    classify_file(model, source, tmp_path / "blind.csv", text_column="body", chunk_rows=37, context=False)
    blind = pd.read_csv(tmp_path / "blind.csv", dtype=str, keep_default_na=False)[columns].to_numpy(dtype=float)
    alone = predict_frame(model, data.drop(columns=["parent_text", AUTHOR_TEXT, REPLIES_TEXT]))[columns].to_numpy()
    assert np.allclose(blind, alone, atol=1e-4) and not np.allclose(blind, expected, atol=1e-2)


def test_with_two_jobs_the_worker_finds_the_same_context_in_the_file(tmp_path, threads, model):
    """The worker receives the file's threads once and finds each chunk's context itself."""
    source = tmp_path / "in.csv"
    threads.drop(columns=["stance", "arguments", "sentiment"]).to_csv(source, index=False)
    classify_file(model, source, tmp_path / "one.csv", chunk_rows=29)
    classify_file(model, source, tmp_path / "two.csv", chunk_rows=29, jobs=2)
    one, two = (pd.read_csv(tmp_path / name, dtype=str, keep_default_na=False) for name in ("one.csv", "two.csv"))
    pd.testing.assert_frame_equal(one, two)
    assert not {"parent_text", AUTHOR_TEXT, REPLIES_TEXT} & set(two.columns)


def test_numeric_ids_of_a_json_file_still_find_the_parent(tmp_path, model):
    """JSON numbers with nulls in the column come back as floats; 1.0 must still find 1."""
    rows = [{"id": 1, "parent_id": None, "thread_id": 9, "author": "ana", "text": "Open weights are beating the labs."},
            {"id": 2, "parent_id": 1, "thread_id": 9, "author": "bob", "text": "Exactly."},
            {"id": 3, "parent_id": 2, "thread_id": 9, "author": "ana", "text": "Right?"}]
    (tmp_path / "in.jsonl").write_text("\n".join(json.dumps(row) for row in rows), encoding="utf-8")
    classify_file(model, tmp_path / "in.jsonl", tmp_path / "out.jsonl")
    got = pd.read_json(tmp_path / "out.jsonl", lines=True)
    frame = pd.DataFrame({"text": [row["text"] for row in rows], "lang": "en",
                          "parent_text": ["", rows[0]["text"], rows[1]["text"]],
                          AUTHOR_TEXT: [rows[2]["text"], "", rows[0]["text"]],
                          REPLIES_TEXT: [rows[1]["text"], rows[2]["text"], ""]})
    columns = [f"p_{label}" for label in model.stance_labels]
    assert np.allclose(got[columns].to_numpy(), predict_frame(model, frame)[columns].to_numpy(), atol=1e-4)


def test_the_stance_head_also_learns_each_comment_with_replies_as_a_lone_comment(threads):
    from tracker.features import text_features
    from tracker.train import _part_columns, _with_bare_copies

    data = prepare(threads)
    features = text_features(context_weight=1.0, author_weight=1.0, replies_weight=1.0).fit(data)
    X, y = features.transform(data), data["stance"].to_numpy()
    more, labels = _with_bare_copies(X, y, _part_columns(features, data)["replies"])
    has = data[REPLIES_TEXT].ne("").to_numpy()
    assert more.shape[0] == len(data) + has.sum() and list(labels) == list(y) + list(y[has])
    # each copy is exactly what the features give the same comment without its replies
    lone = features.transform(data[has].assign(**{REPLIES_TEXT: ""}))
    assert abs(more[len(data):] - lone).max() == 0 and abs(more[:len(data)] - X).max() == 0
    assert _with_bare_copies(X, y, None)[0] is X  # a model without the replies block: nothing added


@pytest.mark.parametrize("column", [AUTHOR_TEXT, REPLIES_TEXT])
def test_only_the_stance_head_reads_the_author_and_replies_blocks(threads, model, column):
    data = prepare(threads)
    with_context, without = predict_frame(model, data), predict_frame(model, data.drop(columns=[column]))
    assert (with_context["stance"] != without["stance"]).any()
    assert with_context["arguments"].tolist() == without["arguments"].tolist()
    assert np.array_equal(with_context["sentiment_score"], without["sentiment_score"])
