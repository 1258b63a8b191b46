import json

import pandas as pd
import pytest

from tests.helpers import run
from tests.models.conftest import labeled_sample


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    folder = tmp_path / "models"
    monkeypatch.setenv("TRACKER_MODELS", str(folder))
    return folder


def test_train_on_own_labels_and_columns_skips_absent_heads(capsys, tmp_path, models_dir):
    sample = labeled_sample(40)
    own = pd.DataFrame({"tweet": sample["text"], "label": sample["stance"].map(
        {"pro_open": "FAVOR", "pro_closed": "AGAINST", "neutral": "NONE", "off_topic": "NONE"}),
        "thread": sample["thread_id"]})
    path = tmp_path / "own.csv"
    own.to_csv(path, index=False)
    code, out, err = run(capsys, "train", "--data", str(path), "--name", "own", "--text-column", "tweet",
                         "--stance-column", "label", "--thread-column", "thread", "--folds", "3", "--quiet")
    assert code == 0, err
    assert "skipped arguments" in err and "skipped sentiment" in err
    card = json.loads((models_dir / "own" / "card.json").read_text())
    assert card["labels"] == {"stance": ["AGAINST", "FAVOR", "NONE"]}
    assert (models_dir / "CURRENT").read_text().strip() == "own"
    code, out, err = run(capsys, "classify", str(path), "--out", str(tmp_path / "out.csv"), "--text-column", "tweet",
                         "--quiet")
    assert code == 0, err
    result = pd.read_csv(tmp_path / "out.csv")
    assert {"p_AGAINST", "p_FAVOR", "p_NONE"} <= set(result.columns)


def test_per_target_models_classify_each_row_with_its_target(capsys, tmp_path, models_dir):
    sample = labeled_sample(40)
    sample["target"] = ["deepseek" if i % 2 else "llama" for i in range(len(sample))]
    path = tmp_path / "targets.csv"
    sample.to_csv(path, index=False)
    code, out, err = run(capsys, "train", "--data", str(path), "--name", "targets", "--target-column", "target",
                         "--folds", "3", "--quiet")
    assert code == 0, err
    card = json.loads((models_dir / "targets" / "card.json").read_text())
    assert card["targets"] == ["deepseek", "llama"]
    assert set(card["metrics"]["per_target"]) == {"deepseek", "llama"}
    code, _, err = run(capsys, "classify", str(path), "--out", str(tmp_path / "o.csv"), "--quiet")
    assert code == 0, err
    assert len(pd.read_csv(tmp_path / "o.csv")) == len(sample)


def test_evaluate_prints_the_report_and_json(capsys, small_labeled, bundle):
    code, out, err = run(capsys, "evaluate", "--data", str(small_labeled), "--model", str(bundle))
    assert code == 0, err
    assert "macro-F1" in out and "[fr]" in out and "confusion" in out
    code, out, _ = run(capsys, "evaluate", "--data", str(small_labeled), "--model", str(bundle), "--json")
    report = json.loads(out)
    assert report["stance"]["all"]["n"] == len(pd.read_csv(small_labeled))
    assert {"en", "fr"} <= set(report["stance"])


def test_train_without_any_label_column_is_a_clear_error(capsys, tmp_path, models_dir):
    path = tmp_path / "bare.csv"
    pd.DataFrame({"text": ["a b c", "d e f"]}).to_csv(path, index=False)
    code, _, err = run(capsys, "train", "--data", str(path), "--quiet")
    assert code == 1 and "--stance-column" in err


def test_train_if_missing_leaves_an_existing_bundle_alone(capsys, bundle, small_labeled, models_dir):
    code, out, err = run(capsys, "train", "--out", str(bundle), "--data", str(small_labeled), "--if-missing",
                         "--quiet")
    assert code == 0 and "nothing to do" in out and "warning" not in err


def test_train_if_missing_warns_when_the_data_changed_since_the_bundle(capsys, tmp_path, bundle, small_labeled,
                                                                       models_dir):
    changed = pd.read_csv(small_labeled, dtype=str, keep_default_na=False)
    changed.loc[0, "stance"] = "off_topic" if changed.loc[0, "stance"] != "off_topic" else "neutral"
    path = tmp_path / "small.csv"
    changed.to_csv(path, index=False)
    card = (bundle / "card.json").read_text()
    code, out, err = run(capsys, "train", "--out", str(bundle), "--data", str(path), "--if-missing", "--quiet")
    assert code == 0 and "nothing to do" not in out
    assert f"trained on other labeled data than {path}" in err and "without --if-missing" in err
    assert (bundle / "card.json").read_text() == card  # kept as it is


def test_a_tab_separated_txt_in_cp1252_trains_per_target_and_reports_favor_against_f1(capsys, tmp_path, models_dir):
    """The shape of the SemEval-2016 stance files: ID, Target, Tweet, Stance, tab-separated .txt
    in a Windows code page, CRLF, quotes that are text, FAVOR/AGAINST/NONE."""
    sample = labeled_sample(40)
    stance = sample["stance"].map({"pro_open": "FAVOR", "pro_closed": "AGAINST", "neutral": "NONE", "off_topic": "NONE"})
    targets = ["Open models" if i % 2 else "Closed labs" for i in range(len(sample))]
    tweets = ['"' + text.replace("\t", " ").replace("\n", " ") + " café #SemST" for text in sample["text"]]
    lines = ["ID\tTarget\tTweet\tStance"] + [f"{100 + i}\t{t}\t{w}\t{s}" for i, (t, w, s)
                                            in enumerate(zip(targets, tweets, stance))]
    path = tmp_path / "semeval-style.txt"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252", errors="replace"))
    code, out, err = run(capsys, "train", "--data", str(path), "--name", "tweets", "--text-column", "Tweet",
                         "--stance-column", "Stance", "--target-column", "Target", "--id-column", "ID",
                         "--folds", "3", "--quiet")
    assert code == 0, err
    card = json.loads((models_dir / "tweets" / "card.json").read_text())
    assert card["targets"] == ["Closed labs", "Open models"]
    code, out, err = run(capsys, "evaluate", "--data", str(path), "--model", "tweets", "--text-column", "Tweet",
                         "--stance-column", "Stance", "--json")
    assert code == 0, err
    report = json.loads(out)["stance"]["all"]
    assert report["n"] == len(sample)
    favor, against = report["per_class"]["FAVOR"]["f1"], report["per_class"]["AGAINST"]["f1"]
    assert report["side_f1"] == pytest.approx((favor + against) / 2)
    code, out, err = run(capsys, "classify", str(path), "--out", str(tmp_path / "predicted.csv"), "--model", "tweets",
                         "--text-column", "Tweet", "--quiet")
    assert code == 0, err
    predicted = pd.read_csv(tmp_path / "predicted.csv", dtype=str, keep_default_na=False)
    assert len(predicted) == len(sample) and predicted["Tweet"].str.startswith('"').all()
    assert set(predicted["stance"]) <= {"FAVOR", "AGAINST", "NONE"} and "Stance" in predicted


def test_side_f1_is_reported_for_stance_only(capsys, small_labeled, bundle):
    code, out, _ = run(capsys, "evaluate", "--data", str(small_labeled), "--model", str(bundle), "--json")
    report = json.loads(out)
    assert "side_f1" in report["stance"]["all"]
    assert "side_f1" not in report["sentiment"]["all"]


def test_too_little_data_for_the_folds_and_no_labels_to_evaluate_are_clear_errors(capsys, tmp_path, models_dir, bundle):
    tiny = tmp_path / "tiny.csv"
    tiny.write_text("text,stance\nOpen weights win.,pro_open\nPay for the API.,pro_closed\n")
    code, _, err = run(capsys, "train", "--data", str(tiny), "--name", "tiny", "--quiet")
    assert code == 1 and "needs at least 5 groups" in err and "--no-evaluate" in err
    code, _, err = run(capsys, "train", "--data", str(tiny), "--name", "tiny", "--folds", "2", "--quiet")
    assert code == 1 and "cannot split these labels" in err and "Traceback" not in err
    code, _, err = run(capsys, "train", "--data", str(tiny), "--name", "tiny", "--no-evaluate", "--quiet")
    assert code == 1 and "too little text to learn from (2 comments)" in err
    unlabeled = tmp_path / "unlabeled.csv"
    unlabeled.write_text("text\nNothing to compare with.\n")
    code, _, err = run(capsys, "evaluate", "--data", str(unlabeled), "--model", str(bundle))
    assert code == 1 and "no stance, arguments or sentiment column" in err


def test_a_tag_missing_from_one_folds_training_rows_keeps_every_tag_in_its_column():
    from tracker.train import TrainConfig, cross_validate, prepare

    frame = prepare(labeled_sample(40))
    frame["arguments"] = frame["arguments"].str.replace("innovation", "").str.strip(";")
    rare_thread = frame["thread_id"].iloc[0]  # "innovation" only in one thread: one fold trains without it
    frame.loc[frame["thread_id"] == rare_thread, "arguments"] = "innovation"
    oof = cross_validate(frame, ["stance", "arguments"], TrainConfig(folds=3))
    assert "innovation" in oof["tags"]
    column = oof["tags"].index("innovation")
    rare = (frame["thread_id"] == rare_thread).to_numpy()
    assert (oof["arguments"][rare, column] == 0).all()  # its fold's model never saw the tag
    assert oof["arguments"][~rare, column].max() > 0
