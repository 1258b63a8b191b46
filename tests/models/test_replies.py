"""Replies are read with their parent's stance; comments without a parent keep the plain head."""

from __future__ import annotations

import glob

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from tracker.replies import crossed
from tracker.train import TrainConfig, train


def test_crossing_moves_each_rows_words_into_its_parents_stance_block():
    words = sparse.csr_matrix(np.array([[0.6, 0.8], [1.0, 0.0], [0.0, 1.0]], dtype=np.float32))
    out = crossed(words, np.array([1, -1, 0]), n_labels=2).toarray()
    assert out.shape == (3, 2 * 2 + 2)
    assert out[0].tolist() == pytest.approx([0, 0, 0.6, 0.8, 0, 1])  # parent stance 1: second block
    assert out[1].tolist() == [0] * 6  # no parent: nothing
    assert out[2].tolist() == pytest.approx([0, 1, 0, 0, 1, 0])


@pytest.fixture(scope="module")
def threaded_model():
    """Trained (no cross-validation) on the corpus files with the most replies."""
    frame = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False)
                       for p in sorted(glob.glob("data/labeled/*.csv"))[:3]], ignore_index=True)
    return train(frame, TrainConfig(), evaluate=False).predictor


def test_replies_use_their_own_head_and_other_comments_the_plain_one(threaded_model):
    predictor = threaded_model
    assert predictor.replies is not None
    frame = pd.DataFrame({"text": ["Exactly, this.", "Exactly, this."], "lang": ["en", "en"],
                          "parent_text": ["", "Open weights won: anyone can run R1 locally, no API needed."]})
    X = predictor.features.transform(frame)
    proba = predictor.stance_proba(X)
    assert np.allclose(proba[0], predictor.stance.predict_proba(X[:1])[0])
    assert np.allclose(proba[1], predictor.replies.predict_proba(X[1:])[0])


def test_the_same_rebuttal_leans_against_its_parent(threaded_model):
    """docs/labeling.md: a reply that attacks a side's argument scores for the other side."""
    predictor = threaded_model
    parents = ["Open weights won: anyone can run R1 locally, no API needed, the moat is gone.",
               "I'd rather pay OpenAI: closed models are safer, supported, and they don't leak my data."]
    frame = pd.DataFrame({"text": ["Wrong, and you know it."] * 2, "lang": ["en", "en"], "parent_text": parents})
    out = predictor.predict(frame)
    assert out["p_pro_closed"].iloc[0] > out["p_pro_closed"].iloc[1]
    assert out["p_pro_open"].iloc[1] > out["p_pro_open"].iloc[0]
