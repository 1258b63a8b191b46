import numpy as np
import pytest

from tracker.review import CANDIDATES_PER_PICK, METHODS, clustered_selection, select_for_review, uncertainty

UNIFORM, SURE = [0.25, 0.25, 0.25, 0.25], [1.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("method", METHODS)
def test_uniform_rows_score_one_and_certain_rows_zero(method):
    assert uncertainty([UNIFORM, SURE], method) == pytest.approx([1.0, 0.0])


@pytest.mark.parametrize("method", METHODS)
def test_scores_stay_in_unit_interval_and_rank_a_close_call_above_a_clear_one(method):
    rng = np.random.default_rng(0)
    scores = uncertainty(rng.dirichlet(np.ones(4), size=500), method)
    assert ((scores >= 0) & (scores <= 1 + 1e-12)).all()
    close, clear = uncertainty([[0.45, 0.44, 0.06, 0.05], [0.85, 0.05, 0.05, 0.05]], method)
    assert close > clear


def test_margin_and_entropy_disagree_where_they_should():
    # two labels tied vs. mass spread over all four: margin prefers the tie, entropy the spread
    tie, spread = [0.5, 0.5, 0.0, 0.0], [0.4, 0.2, 0.2, 0.2]
    assert uncertainty([tie], "margin")[0] > uncertainty([spread], "margin")[0]
    assert uncertainty([spread], "entropy")[0] > uncertainty([tie], "entropy")[0]


def test_unknown_method_and_bad_shape_are_clear_errors():
    with pytest.raises(ValueError, match="least_confidence"):
        uncertainty([UNIFORM], "vibes")
    with pytest.raises(ValueError, match="matrix"):
        uncertainty([0.5, 0.5])


def test_clustering_keeps_near_identical_comments_out_of_the_queue():
    twins = [f"DeepSeek R1 is open weights and it beats o1 on math, copy {i}" for i in range(10)]
    others = ["Nvidia lost 17% today", "Je préfère Mistral pour la souveraineté", "Trust a model that censors?",
              "The paper shows the full training recipe", "Le coût annoncé ne compte pas les salaires"]
    scores = np.r_[np.full(10, 0.95), np.full(5, 0.9)]
    plain = np.argsort(-scores, kind="stable")[:5]
    clustered = clustered_selection(scores, twins + others, 5)
    assert (plain < 10).all()
    assert (clustered < 10).sum() == 1 and len(set(clustered.tolist())) == 5


def test_clustering_covers_every_topic_not_just_the_most_uncertain_one():
    rng = np.random.default_rng(2)
    topics = [["open", "weights", "license", "github"], ["closed", "api", "safety", "secret"],
              ["cooking", "pasta", "tomato", "oven"], ["football", "goal", "match", "striker"]]
    texts = [" ".join(rng.choice(topics[i % 4], 6)) for i in range(200)]
    scores = np.where(np.arange(200) % 4 == 2, 0.95, 0.6) + rng.uniform(0, 0.01, 200)  # topic 2 is the most uncertain
    top_only = np.argsort(-scores)[:8]
    clustered = clustered_selection(scores, texts, 8)
    assert {i % 4 for i in top_only} == {2}
    assert {i % 4 for i in clustered} == {0, 1, 2, 3}
    assert len(set(clustered.tolist())) == 8 and (np.diff(scores[clustered]) <= 0).all()  # most uncertain first
    assert (clustered_selection(scores, texts, 8) == clustered).all()  # same queue every time


def test_selection_returns_distinct_positions_among_the_most_uncertain():
    rng = np.random.default_rng(1)
    probabilities = rng.dirichlet(np.ones(4), size=600)
    texts = [f"comment {i} about {'open' if i % 2 else 'closed'} models and topic {i % 37}" for i in range(600)]
    picked = select_for_review(probabilities, texts, 10)
    assert len(set(picked.tolist())) == 10
    scores = uncertainty(probabilities)
    assert set(picked.tolist()) <= set(np.argsort(-scores)[:10 * CANDIDATES_PER_PICK].tolist())
    assert (np.diff(scores[picked]) <= 0).all()
    assert (select_for_review(probabilities, texts, 10, cluster=False) == np.argsort(-scores)[:10]).all()
    assert len(select_for_review(probabilities[:3], texts[:3], 40)) == 3
    assert len(select_for_review(probabilities, [""] * 600, 10)) == 10  # no words: uncertainty order
