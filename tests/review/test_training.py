import json

import pandas as pd
import pytest

from tests.helpers import run
from tests.review.test_precedence import relabel_some
from tracker.labeled import check_labeled_frame
from tracker.review import add_label, review_training_frame
from tracker.schema import LABELED_REQUIRED


def test_review_training_frame_is_a_labeled_file_marked_from_reviews(classified):
    store, _ = classified
    human = relabel_some(store, 6)
    frame = review_training_frame(store)
    assert set(LABELED_REQUIRED) <= set(frame.columns) and set(frame["id"]) == set(human)
    assert frame["from_reviews"].all() and len(frame) == 6
    assert frame.set_index("id")["stance"].to_dict() == human
    assert check_labeled_frame(frame, "reviews") == []
    assert frame["thread_id"].ne("").all()  # cross-validation can group by thread
    replies = store.conn.execute("SELECT c.id, p.text FROM comments c JOIN comments p ON p.id = c.parent_id").fetchall()
    for comment_id, parent_text in replies:
        add_label(store, comment_id, "ana", "neutral", "", "neutral")
        assert review_training_frame(store).set_index("id").loc[comment_id, "parent_text"] == parent_text


@pytest.fixture
def models_dir(tmp_path, monkeypatch):
    folder = tmp_path / "models"
    monkeypatch.setenv("TRACKER_MODELS", str(folder))
    return folder


def test_train_with_reviews_adds_the_human_labels_and_the_card_counts_them(capsys, classified, small_labeled,
                                                                          models_dir):
    store, _ = classified
    relabel_some(store, 7)
    code, out, err = run(capsys, "--db", str(store.path), "train", "--data", str(small_labeled), "--name", "rev",
                         "--with-reviews", "--no-evaluate", "--quiet")
    assert code == 0, err
    assert "adding 7 human labels from reviews" in err
    card = json.loads((models_dir / "rev" / "card.json").read_text())
    assert card["data"]["from_reviews"] == 7
    assert card["data"]["rows"] == len(pd.read_csv(small_labeled)) + 7
    assert len(card["data"]["reviews_sha256"]) == 64


def test_train_with_reviews_and_a_target_column_is_a_usage_error(capsys, classified, small_labeled, models_dir):
    store, _ = classified
    code, _, err = run(capsys, "--db", str(store.path), "train", "--data", str(small_labeled), "--with-reviews",
                       "--target-column", "source", "--quiet")
    assert code == 2 and "--with-reviews" in err
