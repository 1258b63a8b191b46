"""The second stance stage: each comment read again beside its neighbours' predicted stance, alike
over a labeled frame, a file in any row order and the store, and resumable in the store."""

import json
import pickle

import numpy as np
import pandas as pd
import pytest

from tests.review.conftest import comments_from
from tracker import classify as classify_module
from tracker.batches import predict_frame, predict_pool
from tracker.card import card_markdown
from tracker.classify import _FileThreads, classify_file, classify_store
from tracker.neighbours import Links, fit_stage, read_with_neighbours
from tracker.train import TrainConfig, prepare, train

POOL = pd.DataFrame({
    "id": ["r", "a", "b", "c", "d", "e", "f", "g"],
    "parent_id": ["", "r", "r", "a", "zz", "", "f", ""],
    "thread_id": ["t", "t", "t", "t", "t", "u", "u", ""],
    "author": ["ann", "bob", "ann", "bob", "[deleted]", "[deleted]", "eve", "ann"],
})


def test_links_find_each_comments_neighbours_by_position():
    links = Links(POOL)
    assert links.parent.tolist() == [-1, 0, 0, 1, -1, -1, -1, -1]  # an unknown parent and a self-reply are none
    assert links.grandparent.tolist() == [-1, -1, -1, 0, -1, -1, -1, -1]
    assert links.replies.count[:8].tolist() == [2, 1, 0, 0, 0, 0, 0, 0]
    assert links.has_any(np.arange(8)).tolist() == [True] * 7 + [False]  # g has no thread; [deleted] is no one
    assert links.reach.tolist() == [4, 4, 4, 4, 4, 6, 6, 7]  # the last row each one reads: its thread's


def test_features_read_the_neighbours_stance_and_mark_the_missing_ones():
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.7, 0.3], [0.4, 0.6], [0.5, 0.5], [0.5, 0.5], [0.5, 0.5],
                      [0.3, 0.7]])
    X = Links(POOL).features(proba, np.array([1, 0, 7]))

    def log(p):
        return np.log(np.asarray(p) + 1e-6)

    assert X.shape == (3, 7 * 2 + 6)
    a, r, g = X
    assert np.allclose(a[:2], log(proba[1])) and np.allclose(a[2:4], log(proba[0])) and a[4] == 1  # a's parent: r
    assert np.allclose(a[5:7], log(proba[3])) and a[7] == 1  # bob's other comment: c
    assert np.allclose(a[8:10], log(proba[3])) and a[10] == 1  # its one reply: c
    assert not a[11:14].any()  # no grandparent
    assert np.allclose(a[14:16], log(proba[2])) and a[16] == 1  # its sibling: b
    assert np.allclose(a[17:19], log(proba[[0, 2, 3, 4]].mean(axis=0))) and a[19] == 1  # the rest of thread t
    assert np.allclose(r[8:10], log(proba[[1, 2]].mean(axis=0)))  # r's replies, averaged
    assert not r[2:5].any() and not r[14:17].any()  # r has no parent, so no siblings
    assert not g[2:].any() and np.allclose(g[:2], log(proba[7]))  # g: alone


def test_the_stage_learns_what_the_neighbours_say_and_is_cross_fitted():
    """Replies that answer their parent's side with the other one: the head alone cannot tell,
    the neighbours' stance can."""
    rng = np.random.default_rng(0)
    n = 600
    parent = np.where(np.arange(n) % 2 == 1, np.arange(n) - 1, -1)
    side = rng.integers(0, 2, n)
    side[1::2] = 1 - side[0::2]  # each reply takes the other side
    frame = pd.DataFrame({"id": [f"c{i}" for i in range(n)], "parent_id": [f"c{p}" if p >= 0 else "" for p in parent],
                          "stance": np.array(["pro_closed", "pro_open"])[side]})
    proba = np.full((n, 2), 0.5)
    proba[0::2, 1] = np.where(side[0::2] == 1, 0.9, 0.1)  # the head reads the parents well ...
    proba[0::2, 0] = 1 - proba[0::2, 1]  # ... and the replies not at all
    folds = np.arange(n) // 2 % 5
    stage, final = fit_stage(proba, frame, ["pro_closed", "pro_open"], folds)
    replies = final[1::2].argmax(axis=1)
    assert (replies == side[1::2]).mean() > 0.95
    assert stage is not None and stage.labels == ["pro_closed", "pro_open"]
    assert fit_stage(proba[:40], frame[:40], ["pro_closed", "pro_open"], folds[:40])[0] is None  # too few


@pytest.fixture(scope="module")
def staged(threads):
    return train(threads, TrainConfig(folds=2))


def test_a_cross_validated_model_has_the_stage_and_its_card_says_how_the_head_did_alone(staged, threads):
    assert staged.predictor.neighbours is not None
    near = staged.report["cv"]["neighbours"]
    assert 0 < near["comments_with_neighbours"] <= len(threads)
    assert set(near["head_alone_macro_f1"]) == {"all", "en", "fr"}
    assert "The head alone: macro-F1 all" in card_markdown({"metrics": staged.report})
    assert train(threads, TrainConfig(folds=2), evaluate=False).predictor.neighbours is None


def test_the_stage_changes_only_the_comments_that_have_neighbours(staged, threads):
    data = prepare(threads)
    once = predict_frame(staged.predictor, data)
    twice = predict_pool(staged.predictor, data)
    near = Links(data).has_any(np.arange(len(data)))
    columns = [f"p_{label}" for label in staged.predictor.stance_labels]
    moved = np.abs(twice[columns].to_numpy() - once[columns].to_numpy()).max(axis=1)
    assert (moved[near] > 1e-3).mean() > 0.5 and moved[~near].max(initial=0) == 0
    assert twice["arguments"].equals(once["arguments"]) and twice["sentiment"].equals(once["sentiment"])
    assert np.allclose(twice[columns].sum(axis=1), 1, atol=1e-3)
    lone = data.assign(id=[f"lone{i}" for i in range(len(data))], parent_id="", thread_id="", author="")
    assert predict_pool(staged.predictor, lone)[columns].equals(predict_frame(staged.predictor, lone)[columns])


@pytest.mark.parametrize("order", ["threads", "shuffled"])
def test_a_file_in_any_row_order_gets_the_predictions_of_the_whole_pool(tmp_path, staged, threads, order):
    source = tmp_path / "in.csv"
    rows = threads if order == "threads" else threads.sample(frac=1, random_state=5)
    rows.to_csv(source, index=False)
    classify_file(staged.predictor, source, tmp_path / "out.csv", chunk_rows=50)
    got = pd.read_csv(tmp_path / "out.csv", dtype=str, keep_default_na=False)
    expected = predict_pool(staged.predictor, prepare(rows))
    assert got["id"].tolist() == rows["id"].tolist()
    assert got["predicted_stance"].tolist() == expected["stance"].tolist()
    assert np.allclose(got["p_pro_open"].astype(float), expected["p_pro_open"], atol=2e-4)


def test_a_stream_holds_a_chunk_only_until_the_rows_it_reads_are_predicted():
    class Stage:
        labels = ["x", "y"]

        def apply(self, predicted, proba, links, rows, sums):
            return predicted

    pool = pd.DataFrame({"id": list("abcdef"), "parent_id": ["", "a", "", "", "", "c"]})
    seen = []

    def pairs():
        for start in range(0, 6, 2):
            seen.append(start)
            yield pool[start:start + 2], pd.DataFrame({"p_x": [0.5, 0.5], "p_y": [0.5, 0.5]})

    released = []
    for chunk, _ in read_with_neighbours(Stage(), pairs(), lambda: Links(pool)):
        released.append((chunk["id"].iloc[0], list(seen)))
    # rows a-b read each other only; c-d wait for f, the third chunk's
    assert released == [("a", [0]), ("c", [0, 2, 4]), ("e", [0, 2, 4])]


def test_the_file_threads_found_in_one_process_are_not_sent_to_another(tmp_path, threads):
    source = tmp_path / "in.csv"
    threads.to_csv(source, index=False)
    found = _FileThreads(source, "text", 100)
    assert found() is found() and found.links().size == len(threads)
    copy = pickle.loads(pickle.dumps(found))
    assert copy == found and len(pickle.dumps(found)) < 1000


def stored_stances(store):
    return dict(store.conn.execute("SELECT comment_id, stance FROM predictions"))


def store_ids(threads):
    local = threads.assign(id="t:" + threads["id"],
                           parent_id=np.where(threads["parent_id"] != "", "t:" + threads["parent_id"], ""))
    return local, prepare(local)


def test_the_store_reads_each_comment_with_its_neighbours_as_a_file_does(store, staged, threads):
    store.upsert_comments(comments_from(threads))
    classify_store(store, staged.predictor, {"version": "v"}, chunk_rows=64)
    local, data = store_ids(threads)
    expected = predict_pool(staged.predictor, data)
    assert stored_stances(store) == dict(zip(data["id"], expected["stance"]))
    waiting, kept = store.conn.execute("SELECT sum(awaiting_neighbours), sum(head_probabilities IS NOT NULL) "
                                       "FROM predictions").fetchone()
    assert (waiting, kept) == (0, len(threads))


def test_the_store_reads_each_thread_once_with_chunks_smaller_than_a_thread(store, staged, threads, monkeypatch):
    store.upsert_comments(comments_from(threads))
    real_links, pools = classify_module.Links, []

    def recorded(pool):
        pools.append(set(pool["thread_id"]))
        return real_links(pool)

    monkeypatch.setattr(classify_module, "Links", recorded)
    classify_store(store, staged.predictor, {"version": "v"}, chunk_rows=5)
    read = [thread for pool in pools for thread in pool]
    assert len(read) == len(set(read)) == threads["thread_id"].nunique() >= len(pools) > 1
    _, data = store_ids(threads)
    assert stored_stances(store) == dict(zip(data["id"], predict_pool(staged.predictor, data)["stance"]))


def test_a_run_killed_in_the_second_pass_finishes_it_next_time(tmp_path, staged, threads, monkeypatch):
    from tracker.store import Store

    with Store(tmp_path / "killed.db") as killed, Store(tmp_path / "whole.db") as whole:
        for store in (killed, whole):
            store.upsert_comments(comments_from(threads))
        classify_store(whole, staged.predictor, {"version": "v"}, chunk_rows=64)
        real_links = classify_module.Links
        calls = {"n": 0}

        def dies_on_third_chunk(pool):
            calls["n"] += 1
            if calls["n"] == 3:
                raise KeyboardInterrupt
            return real_links(pool)

        monkeypatch.setattr(classify_module, "Links", dies_on_third_chunk)
        with pytest.raises(KeyboardInterrupt):
            classify_store(killed, staged.predictor, {"version": "v"}, chunk_rows=64)
        states = pd.read_sql_query("SELECT c.thread_id, p.awaiting_neighbours AS waiting FROM predictions p "
                                   "JOIN comments c ON c.id = p.comment_id", killed.conn)
        assert 0 < states["waiting"].sum() <= len(threads) - 128  # two chunks of 64 or more were read before it died
        assert states.groupby("thread_id")["waiting"].nunique().eq(1).all()  # each thread read whole or not at all
        monkeypatch.setattr(classify_module, "Links", real_links)
        assert classify_store(killed, staged.predictor, {"version": "v"}, chunk_rows=64)["classified"] == 0
        assert stored_stances(killed) == stored_stances(whole)
        assert killed.conn.execute("SELECT count(*), sum(awaiting_neighbours) FROM predictions").fetchone() == (
            len(threads), 0)
        probabilities = json.loads(killed.conn.execute("SELECT probabilities FROM predictions LIMIT 1").fetchone()[0])
        assert set(probabilities) == set(staged.predictor.stance_labels)


def test_comments_ingested_in_two_batches_end_read_as_if_ingested_at_once(tmp_path, staged, threads):
    """A comment whose thread grows after it is classified is read again beside the newcomers'
    stance, from the head probabilities the store kept, without the head."""
    from tracker.store import Store

    comments = comments_from(threads)
    order = np.random.default_rng(4).permutation(len(comments))
    first, second = [comments[i] for i in order[:400]], [comments[i] for i in order[400:]]
    with Store(tmp_path / "once.db") as once, Store(tmp_path / "twice.db") as twice:
        once.upsert_comments(comments)
        classify_store(once, staged.predictor, {"version": "v"})
        twice.upsert_comments(first)
        classify_store(twice, staged.predictor, {"version": "v"})
        counts = twice.upsert_comments(second)
        assert counts.reread > 0
        result = classify_store(twice, staged.predictor, {"version": "v"})
        assert result["classified"] == len(second) + counts.recontext
        assert result["read_with_neighbours"] == len(second) + counts.recontext + counts.reread
        assert stored_stances(twice) == stored_stances(once)


def test_links_group_authors_as_the_context_does(threads):
    from tracker.context import author_keys

    frame = pd.concat([threads, POOL.assign(text="x")], ignore_index=True)
    expected = pd.factorize(author_keys(frame))[0]
    got = Links(frame.astype("string[pyarrow]")).authors.codes
    assert ((got >= 0) == (expected >= 0)).all()
    pairs = pd.DataFrame({"got": got, "expected": expected})[got >= 0]
    assert pairs.groupby("got")["expected"].nunique().eq(1).all()  # one to one
    assert pairs.groupby("expected")["got"].nunique().eq(1).all()
