import json

import joblib
import pandas as pd
import pytest

from tracker.batches import predict_frame
from tracker.errors import ModelError
from tracker.models import CARD_JSON, MODEL_FILE, load_bundle


def test_card_has_versions_hashes_labels_and_metrics_per_language_and_class(bundle):
    card = json.loads((bundle / CARD_JSON).read_text())
    assert card["libraries"]["scikit-learn"] and card["model_sha256"] and len(card["data"]["sha256"]) == 64
    assert card["labels"]["stance"] == ["neutral", "off_topic", "pro_closed", "pro_open"]
    stance = card["metrics"]["stance"]
    assert {"all", "en", "fr"} <= set(stance)
    for scope in ("en", "fr"):
        assert set(stance[scope]["per_class"]) == set(card["labels"]["stance"])
        assert 0 <= stance[scope]["macro_f1"] <= 1 and 0 <= stance[scope]["ece"] <= 1
    assert len(stance["all"]["confusion"]["matrix"]) == 4
    assert "side_f1" in stance["all"]
    assert set(card["metrics"]["arguments"]["thresholds"]) == set(card["labels"]["arguments"])
    assert (bundle / "card.md").read_text().startswith("# Model card")


def test_saved_and_loaded_model_predicts_identically(bundle):
    predictor, _ = load_bundle(bundle)
    again, _ = load_bundle(bundle)
    frame = pd.DataFrame({"text": ["Open weights under MIT, this is how you move a field forward.",
                                   "Je ne ferai jamais confiance à un modèle qui censure Tiananmen.",
                                   "Bonjour, le lien est cassé."]})
    first = predict_frame(predictor, frame)
    second = predict_frame(again, frame)
    pd.testing.assert_frame_equal(first, second)
    probabilities = first[[c for c in first.columns if c.startswith("p_")]]
    assert ((probabilities.sum(axis=1) - 1).abs() < 1e-3).all()
    assert first["sentiment_score"].between(-1, 1).all()


def test_the_heads_scored_in_one_product_give_what_each_head_gives_alone(bundle):
    import numpy as np

    from tracker.pieces import transform

    predictor, _ = load_bundle(bundle)
    frame = pd.read_csv("data/heldout/independent.csv", dtype=str, keep_default_na=False)
    heads = (predictor.stance, predictor.arguments, predictor.sentiment)
    weights, _ = predictor._heads_product()
    assert weights.shape[1] == sum(head.product_weights().shape[1] for head in heads)
    got = predictor.predict(frame)
    X = transform(predictor.features, frame)
    stance, sentiment = predictor.stance.predict_proba(X), predictor.sentiment.predict_proba(X)
    # the same sums of float32 products in another order: equal to rounding (4 decimals are written)
    assert np.allclose(got[[f"p_{label}" for label in predictor.stance_labels]], stance, atol=1e-4)
    assert np.allclose(got["sentiment_score"], sentiment[:, 2] - sentiment[:, 0], atol=1e-4)
    tags = predictor.arguments.decide(predictor.arguments.probabilities(X))
    assert np.mean(got["arguments"].to_numpy() == np.asarray(tags, dtype=object)) > 0.99
    assert "_product_weights" not in predictor.__getstate__()  # rebuilt after loading, never saved


def test_heads_without_product_weights_read_the_stacked_features(small_labeled):
    """Plain logistic regression heads (naive Bayes off) are scikit-learn's: they get the matrix."""
    import numpy as np

    from tracker.pieces import transform
    from tracker.train import TrainConfig, train

    frame = pd.read_csv(small_labeled, dtype=str, keep_default_na=False)
    predictor = train(frame, TrainConfig(folds=2, naive_bayes=0), evaluate=False).predictor
    assert predictor._heads_product() is None
    got = predictor.predict(frame)
    expected = predictor.stance.predict_proba(transform(predictor.features, frame))
    assert np.allclose(got[[f"p_{label}" for label in predictor.stance_labels]], expected, atol=1e-4)


def test_a_tampered_model_file_is_refused(bundle, tmp_path):
    import shutil

    copy = tmp_path / "tampered"
    shutil.copytree(bundle, copy)
    predictor, _ = load_bundle(copy)
    joblib.dump(predictor, copy / MODEL_FILE)  # same content, different bytes: hash differs
    with pytest.raises(ModelError, match="SHA-256 does not match"):
        load_bundle(copy)


def test_a_bundle_from_another_scikit_learn_is_refused_with_retrain_advice(bundle, tmp_path):
    import shutil

    copy = tmp_path / "old"
    shutil.copytree(bundle, copy)
    card = json.loads((copy / CARD_JSON).read_text())
    card["libraries"]["scikit-learn"] = "0.24.2"
    (copy / CARD_JSON).write_text(json.dumps(card))
    with pytest.raises(ModelError, match="scikit-learn 0.24.2.*retrain"):
        load_bundle(copy)


def test_unknown_bundle_name_says_how_to_train_one(tmp_path, monkeypatch):
    monkeypatch.setenv("TRACKER_MODELS", str(tmp_path))
    with pytest.raises(ModelError, match="tracker train"):
        load_bundle("nope")
    with pytest.raises(ModelError, match="no current model"):
        load_bundle()
