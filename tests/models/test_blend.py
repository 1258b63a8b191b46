import numpy as np
import pytest
from scipy import sparse
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB

from tracker.blend import NaiveBayesBlend, nonnegative, tag_log_weights


@pytest.fixture
def counts():
    rng = np.random.default_rng(5)
    X = sparse.random(120, 40, density=0.2, format="csr", random_state=7, dtype=np.float32)
    y = rng.choice(["neutral", "pro_closed", "pro_open"], size=120)
    return X, y


def test_bayes_part_is_complement_naive_bayes(counts):
    X, y = counts
    blend = NaiveBayesBlend(c=2.0, alpha=0.3).fit(X, y)
    expected = ComplementNB(alpha=0.3).fit(X, y).predict_proba(X)
    np.testing.assert_allclose(blend.bayes_proba(X), expected, atol=1e-5)


def test_blend_averages_the_two_models(counts):
    X, y = counts
    blend = NaiveBayesBlend(c=2.0, alpha=0.3, weight=0.25).fit(X, y)
    logistic = LogisticRegression(C=2.0, max_iter=3000, class_weight="balanced", random_state=13).fit(X, y)
    proba = blend.predict_proba(X)
    np.testing.assert_allclose(proba, 0.75 * logistic.predict_proba(X) + 0.25 * blend.bayes_proba(X), atol=1e-5)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert list(blend.classes_) == ["neutral", "pro_closed", "pro_open"]


@pytest.mark.parametrize("labels", [["neutral", "pro_closed", "pro_open"], ["AGAINST", "FAVOR"]])
def test_weight_zero_is_logistic_regression_alone(counts, labels):
    X, _ = counts
    y = np.resize(labels, X.shape[0])
    blend = NaiveBayesBlend(c=2.0, weight=0.0).fit(X, y)
    logistic = LogisticRegression(C=2.0, max_iter=3000, class_weight="balanced", random_state=13).fit(X, y)
    np.testing.assert_allclose(blend.predict_proba(X), logistic.predict_proba(X), atol=1e-5)
    np.testing.assert_allclose(blend.logistic_proba(X), logistic.predict_proba(X), atol=1e-5)


def test_tag_log_weights_give_complement_naive_bayes_probability(counts):
    X, y = counts
    has_tag = y == "pro_open"
    weights = tag_log_weights(X, has_tag, alpha=0.3)
    expected = ComplementNB(alpha=0.3).fit(X, has_tag).predict_proba(X)[:, 1]
    np.testing.assert_allclose(expit(np.asarray(X @ weights)), expected, atol=1e-5)


def test_negative_features_count_as_zero_for_naive_bayes(counts):
    X, y = counts
    signed = X.copy()
    signed.data[::3] *= -1  # a signed feature such as the VADER lexicon's compound score
    blend = NaiveBayesBlend(c=2.0, alpha=0.3).fit(signed, y)
    expected = ComplementNB(alpha=0.3).fit(signed.maximum(0), y).predict_proba(signed.maximum(0))
    np.testing.assert_allclose(blend.bayes_proba(signed), expected, atol=1e-5)
    assert nonnegative(X) is X


def test_training_with_the_vader_lexicon_blends_naive_bayes_over_its_scores():
    import pandas as pd

    from tests.models.conftest import labeled_sample
    from tracker.train import TrainConfig, train

    frame = labeled_sample(n_per_stance=40)
    predictor = train(frame, TrainConfig(lexicon=True), evaluate=False).predictor
    scored = predictor.predict(pd.DataFrame({"text": ["Terrible, awful closed model.", "Wonderful open weights!"],
                                             "parent_text": "", "lang": "en"}))
    assert scored["stance"].notna().all() and scored["sentiment"].notna().all()


def test_predict_is_the_most_probable_label(counts):
    X, y = counts
    blend = NaiveBayesBlend(c=2.0).fit(X, y)
    assert list(blend.predict(X)) == list(blend.classes_[blend.predict_proba(X).argmax(axis=1)])
    assert (blend.predict(X) == y).mean() > 0.5  # it learned something of its training data
