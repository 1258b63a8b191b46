import json
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from tracker import batches
from tracker import classify as classify_module
from tracker.classify import classify_file, classify_store
from tracker.models import load_bundle
from tracker.schema import Comment

TEXTS = ["Open weights win, the closed labs have no moat left.", "Je préfère payer OpenAI que d'envoyer mes données en Chine.",
         "Nvidia -17% today, ouch.", "First!", "Le papier R1 est public, tout le monde peut reproduire.",
         "Trust a model that won't talk about Tiananmen? No thanks."]


def fill(store, n=60):
    start = datetime(2025, 1, 20, tzinfo=timezone.utc)
    comments = [Comment(id=f"t:{i}", source="test", created_at=start + timedelta(hours=i), text=f"{TEXTS[i % 6]} ({i})",
                        raw_text=TEXTS[i % 6], lang="fr" if i % 6 in (1, 4) else "en",
                        parent_id=f"t:{i - 1}" if i % 2 else None, thread_id="t:thread") for i in range(n)]
    store.upsert_comments(comments)


def test_every_comment_gets_exactly_one_prediction_and_a_rerun_adds_none(store, bundle):
    fill(store)
    predictor, card = load_bundle(bundle)
    first = classify_store(store, predictor, card, chunk_rows=16)
    again = classify_store(store, predictor, card, chunk_rows=16)
    assert (first["classified"], again["classified"]) == (60, 0)
    rows = store.conn.execute("SELECT comment_id, count(*) FROM predictions GROUP BY comment_id").fetchall()
    assert len(rows) == 60 and {n for _, n in rows} == {1}
    stances = {r[0] for r in store.conn.execute("SELECT stance FROM predictions")}
    assert stances <= set(card["labels"]["stance"])
    probabilities = json.loads(store.conn.execute("SELECT probabilities FROM predictions LIMIT 1").fetchone()[0])
    assert set(probabilities) == set(card["labels"]["stance"])


def test_a_killed_classify_run_resumes_without_loss_or_doubles(store, bundle, monkeypatch):
    fill(store)
    predictor, card = load_bundle(bundle)
    real_write = classify_module._write_predictions
    calls = {"n": 0}

    def dies_on_third_chunk(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        real_write(*args, **kwargs)

    monkeypatch.setattr(classify_module, "_write_predictions", dies_on_third_chunk)
    with pytest.raises(KeyboardInterrupt):
        classify_store(store, predictor, card, chunk_rows=10)
    assert store.conn.execute("SELECT count(*) FROM predictions").fetchone()[0] == 20
    monkeypatch.setattr(classify_module, "_write_predictions", real_write)
    assert classify_store(store, predictor, card, chunk_rows=10)["classified"] == 40
    assert store.conn.execute("SELECT count(DISTINCT comment_id), count(*) FROM predictions").fetchone() == (60, 60)


def test_parallel_and_serial_runs_give_the_same_predictions(tmp_path, bundle):
    from tracker.store import Store

    predictor, card = load_bundle(bundle)
    results = []
    for jobs in (1, 2):
        with Store(tmp_path / f"j{jobs}.db") as store:
            fill(store)
            classify_store(store, predictor, card, jobs=jobs, chunk_rows=7)
            results.append(store.conn.execute("SELECT comment_id, stance, arguments FROM predictions ORDER BY 1").fetchall())
    assert results[0] == results[1]


def test_with_two_jobs_this_process_and_a_worker_share_the_chunks_and_keep_their_order(tmp_path, bundle, monkeypatch):
    predictor, _ = load_bundle(bundle)
    source = tmp_path / "in.csv"
    pd.DataFrame({"id": range(60), "text": [f"{TEXTS[i % 6]} ({i})" for i in range(60)]}).to_csv(source, index=False)
    classify_file(predictor, source, tmp_path / "serial.csv", chunk_rows=3)
    local = {"chunks": 0}
    real_predict = batches.predict_frame

    def counted(*args):  # only calls made in this process are counted, not the worker's
        local["chunks"] += 1
        return real_predict(*args)

    monkeypatch.setattr(batches, "predict_frame", counted)
    assert classify_file(predictor, source, tmp_path / "parallel.csv", jobs=2, chunk_rows=3) == 60
    assert 0 < local["chunks"] <= 20 - 2  # the first two chunks always go to the worker
    serial, parallel = (pd.read_csv(tmp_path / name, dtype=str) for name in ("serial.csv", "parallel.csv"))
    pd.testing.assert_frame_equal(serial, parallel)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_classify_file_keeps_input_columns_and_adds_predictions(tmp_path, bundle, suffix):
    predictor, card = load_bundle(bundle)
    frame = pd.DataFrame({"post": [str(i) for i in range(12)], "body": [TEXTS[i % 6] for i in range(12)],
                          "stance": ["gold"] * 12})
    source = tmp_path / f"in{suffix}"
    {".csv": lambda: frame.to_csv(source, index=False), ".jsonl": lambda: frame.to_json(source, orient="records", lines=True),
     ".parquet": lambda: frame.to_parquet(source)}[suffix]()
    out = tmp_path / f"out{suffix}"  # each format written as well as read
    assert classify_file(predictor, source, out, text_column="body", chunk_rows=5) == 12
    result = {".csv": lambda: pd.read_csv(out, dtype=str, keep_default_na=False),
              ".jsonl": lambda: pd.read_json(out, lines=True, dtype=False),
              ".parquet": lambda: pd.read_parquet(out)}[suffix]()
    expected = ["post", "body", "stance", "lang", "predicted_stance", "stance_confidence",
                *[f"p_{label}" for label in card["labels"]["stance"]], "arguments", "sentiment", "sentiment_score"]
    assert list(result.columns) == expected
    assert result["post"].tolist() == [str(i) for i in range(12)]
    assert (result["stance"] == "gold").all()
    assert set(result["lang"]) <= {"en", "fr", "other"}


def test_argument_probabilities_in_one_pass_equal_each_classifiers_own(bundle):
    import numpy as np

    predictor, _ = load_bundle(bundle)
    frame = pd.DataFrame({"text": TEXTS, "parent_text": "", "lang": ["en", "fr", "en", "en", "fr", "en"]})
    features = predictor.features.transform(frame)
    from dataclasses import replace

    from scipy.special import expit

    head = predictor.arguments
    logistic = np.column_stack([c.predict_proba(features)[:, 1] if c is not None else np.zeros(len(frame))
                                for c in head.classifiers])
    assert np.allclose(replace(head, bayes_weight=0.0).probabilities(features), logistic, atol=1e-6)
    # the trained head blends in naive Bayes (tests/models/test_blend.py checks its weights)
    assert head.bayes is not None and 0 < head.bayes_weight < 1
    bayes = expit(np.asarray(features @ head.bayes))
    present = [c is not None for c in head.classifiers]
    blended = (1 - head.bayes_weight) * logistic + head.bayes_weight * bayes
    assert np.allclose(head.probabilities(features)[:, present], blended[:, present], atol=1e-6)


def test_argument_decisions_join_each_rows_tags_above_their_own_thresholds():
    import numpy as np

    from tracker.predictor import ArgumentHead

    head = ArgumentHead(["cost", "openness", "geopolitics"], [None] * 3, [0.5, 0.2, 0.9])
    probabilities = np.array([[0.6, 0.1, 0.95], [0.4, 0.2, 0.5], [0.1, 0.1, 0.1], [0.5, 0.3, 0.9]])
    assert head.decide(probabilities) == ["cost;geopolitics", "openness", "", "cost;openness;geopolitics"]
    many = ArgumentHead([f"tag{j}" for j in range(17)], [None] * 17, [0.5] * 17)  # three bytes of tag bits per row
    assert many.decide(np.eye(17)[[0, 16]]) == ["tag0", "tag16"]


def test_classify_file_reads_quoted_line_breaks_and_names_a_bad_row(tmp_path, bundle, capsys):
    from tests.helpers import run, write

    good = write(tmp_path / "good.csv", 'id,text\n1,"first line\nsecond line, same comment"\n2,Open weights win.\n')
    assert classify_file(load_bundle(bundle)[0], good, tmp_path / "good.parquet") == 2
    assert pd.read_parquet(tmp_path / "good.parquet")["text"].iloc[0] == "first line\nsecond line, same comment"
    header_only = write(tmp_path / "empty.csv", "id,text\n")
    assert classify_file(load_bundle(bundle)[0], header_only, tmp_path / "empty.csv.out.csv") == 0
    bad = write(tmp_path / "bad.csv", "id,text\n1,fine\n2,one,too many\n")
    code, _, err = run(capsys, "classify", str(bad), "--out", str(tmp_path / "bad.out.csv"), "--model", str(bundle),
                       "--quiet")
    assert code == 1
    assert "bad.csv" in err and "Expected 2 fields in line 3, saw 3" in err and "Traceback" not in err


@pytest.mark.parametrize("name, content, message", [
    ("broken.jsonl", '{"id": 1, "text": "ok"}\n{"id": 2, "text": \n', "not valid JSON Lines"),
    ("broken.parquet", "not parquet at all", "not a readable Parquet file"),
])
def test_classify_file_turns_unreadable_input_into_one_clear_error(tmp_path, bundle, capsys, name, content, message):
    from tests.helpers import run, write

    path = write(tmp_path / name, content)
    code, _, err = run(capsys, "classify", str(path), "--out", str(tmp_path / "out.csv"), "--model", str(bundle),
                       "--quiet")
    assert code == 1 and name in err and message in err and "Traceback" not in err


def test_argument_weights_stacked_for_prediction_are_not_saved_with_the_bundle(bundle):
    import pickle

    predictor, _ = load_bundle(bundle)
    head = predictor.arguments
    saved = len(pickle.dumps(head))
    head.probabilities(predictor.features.transform(pd.DataFrame({"text": TEXTS, "parent_text": "", "lang": "en"})))
    assert "_stacked_weights" in head.__dict__
    assert len(pickle.dumps(head)) == saved


def test_workers_started_before_any_model_predict_with_each_model_they_are_given(tmp_path, bundle):
    from dataclasses import replace

    from tracker.workers import Workers

    source = tmp_path / "in.csv"
    pd.DataFrame({"id": range(30), "text": [f"{TEXTS[i % 6]} ({i})" for i in range(30)]}).to_csv(source, index=False)
    with Workers(2) as workers:  # as `tracker classify` starts them, before the model is loaded
        predictor, _ = load_bundle(bundle)
        without_arguments = replace(predictor, arguments=None)  # a second model: each must reach the worker
        for name, model in (("full", predictor), ("no_arguments", without_arguments)):
            assert classify_file(model, source, tmp_path / f"{name}.csv", jobs=workers, chunk_rows=4) == 30
    for name, model in (("full", predictor), ("no_arguments", without_arguments)):
        classify_file(model, source, tmp_path / f"{name}_serial.csv", chunk_rows=4)
        parallel, serial = (pd.read_csv(tmp_path / f"{name}{end}.csv", dtype=str) for end in ("", "_serial"))
        pd.testing.assert_frame_equal(parallel, serial)
    assert "arguments" not in pd.read_csv(tmp_path / "no_arguments.csv").columns


class _NeverDone:
    """A worker's result that is never ready before it is read (a busy worker)."""

    def __init__(self, compute):
        self.compute = compute

    def ready(self):
        return False

    def get(self):
        return self.compute()


@pytest.mark.parametrize("chunks, sent", [(1, [0]), (2, [0]), (3, [0, 1])])
def test_the_last_chunk_goes_to_a_worker_only_when_it_is_idle(bundle, chunks, sent):
    from tracker.workers import Workers

    predictor, _ = load_bundle(bundle)

    class Busy(Workers):
        def __init__(self):
            super().__init__(1)
            self.jobs, self.sent = 2, []

        def submit(self, model, chunk, find_threads):
            self.sent.append(chunk.index[0] // 4)
            return _NeverDone(lambda: batches.predict_frame(model, chunk))

    frames = [pd.DataFrame({"text": TEXTS[:4]}, index=range(4 * i, 4 * i + 4)) for i in range(chunks)]
    with Busy() as workers:
        out = list(batches.predict_chunks(predictor, frames, workers))
        # one chunk: the worker is idle, so it takes it; then it has one, so the last stays here
        assert workers.sent == sent
    assert [chunk.index[0] for chunk, _ in out] == [4 * i for i in range(chunks)]
    assert all(predicted.index.equals(chunk.index) for chunk, predicted in out)
