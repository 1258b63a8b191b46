import numpy as np
import pytest
from scipy import sparse
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.naive_bayes import ComplementNB

from tracker.blend import NaiveBayesBlend, tag_log_weights


def logistic(c: float = 2.0) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=3000, class_weight="balanced", random_state=13)


@pytest.fixture
def counts():
    rng = np.random.default_rng(5)
    X = sparse.random(120, 40, density=0.2, format="csr", random_state=7, dtype=np.float32)
    y = rng.choice(["neutral", "pro_closed", "pro_open"], size=120)
    return X, y


def test_bayes_part_is_complement_naive_bayes(counts):
    X, y = counts
    blend = NaiveBayesBlend(logistic(), alpha=0.3).fit(X, y)
    expected = ComplementNB(alpha=0.3).fit(X, y).predict_proba(X)
    np.testing.assert_allclose(blend.bayes_proba(X), expected, atol=1e-5)


def test_blend_averages_the_two_models(counts):
    X, y = counts
    blend = NaiveBayesBlend(logistic(), alpha=0.3, weight=0.25).fit(X, y)
    alone = logistic().fit(X, y)
    proba = blend.predict_proba(X)
    np.testing.assert_allclose(proba, 0.75 * alone.predict_proba(X) + 0.25 * blend.bayes_proba(X), atol=1e-5)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert list(blend.classes_) == ["neutral", "pro_closed", "pro_open"]


@pytest.mark.parametrize("labels", [["neutral", "pro_closed", "pro_open"], ["AGAINST", "FAVOR"]])
def test_weight_zero_is_logistic_regression_alone(counts, labels):
    X, _ = counts
    y = np.resize(labels, X.shape[0])
    blend = NaiveBayesBlend(logistic(), weight=0.0).fit(X, y)
    alone = logistic().fit(X, y)
    np.testing.assert_allclose(blend.predict_proba(X), alone.predict_proba(X), atol=1e-5)
    np.testing.assert_allclose(blend.logistic_proba(X), alone.predict_proba(X), atol=1e-5)


def test_tag_log_weights_give_complement_naive_bayes_probability(counts):
    X, y = counts
    has_tag = y == "pro_open"
    weights = tag_log_weights(X, has_tag, alpha=0.3)
    expected = ComplementNB(alpha=0.3).fit(X, has_tag).predict_proba(X)[:, 1]
    np.testing.assert_allclose(expit(np.asarray(X @ weights)), expected, atol=1e-5)


def test_lexicon_features_are_non_negative_with_the_compound_sign_in_two_columns():
    import pandas as pd

    from tracker.features import LexiconSentiment

    frame = pd.DataFrame({"text": ["Terrible, awful, hateful model.", "Wonderful, brilliant open weights!", "x"],
                          "lang": ["en", "en", "fr"]})
    rows = LexiconSentiment().fit(frame).transform(frame).toarray()
    names = list(LexiconSentiment().get_feature_names_out())
    assert rows.shape == (3, len(names)) and (rows >= 0).all()  # complement naive Bayes refuses negative input
    positive, negative = names.index("vader_compound_positive"), names.index("vader_compound_negative")
    assert rows[0, negative] > 0 == rows[0, positive] and rows[1, positive] > 0 == rows[1, negative]
    assert not rows[2].any()  # French text: no English lexicon scores


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
    blend = NaiveBayesBlend(logistic()).fit(X, y)
    assert list(blend.predict(X)) == list(blend.classes_[blend.predict_proba(X).argmax(axis=1)])
    assert (blend.predict(X) == y).mean() > 0.5  # it learned something of its training data
