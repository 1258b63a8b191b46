from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from tests.review.conftest import held_out_rows
from tracker.batches import predict_frame
from tracker.classify import classify_store
from tracker.drift import WEIGHTS, drift_over_time, drift_score, drift_warning, total_variation
from tracker.models import load_bundle
from tracker.schema import Comment

ANOTHER_TOPIC = [
    "I baked a sourdough loaf this morning and the crust came out perfect after forty minutes.",
    "The match last night was incredible, the striker scored twice in the second half.",
    "Does anyone know a good plumber nearby? The kitchen sink is leaking again.",
    "We planted tomatoes and basil in the garden, the soil needed plenty of compost.",
    "My cat refuses to eat anything but the expensive salmon pouches now.",
    "The hiking trail along the ridge was muddy but the view over the lake was worth it.",
    "J'ai fait une tarte aux pommes avec la recette de ma grand-mère, un régal.",
    "Le marché du samedi a de très bons fromages, surtout le comté affiné.",
    "Quelqu'un connaît un bon garagiste ? Ma voiture fait un bruit bizarre au freinage.",
    "Les travaux de la cuisine ont pris trois semaines de plus que prévu, quelle galère.",
]


def measure(predictor, card, texts, langs):
    import pandas as pd

    predicted = predict_frame(predictor, pd.DataFrame({"text": texts, "lang": langs}))
    return drift_score(predictor, card, texts, langs, predicted["stance_confidence"])


def test_drift_rises_on_comments_from_another_topic(bundle):
    predictor, card = load_bundle(bundle)
    same = held_out_rows(80)
    in_domain = measure(predictor, card, same["text"].tolist(), same["lang"].tolist())
    other = measure(predictor, card, ANOTHER_TOPIC * 4, ["en"] * 24 + ["fr"] * 16)
    assert set(in_domain.components) == set(other.components) == set(WEIGHTS)
    for drift in (in_domain, other):
        assert 0 <= drift.score <= 1 and all(0 <= v <= 1 for v in drift.components.values())
    assert other.components["unseen_words"] > in_domain.components["unseen_words"] + 0.1
    assert other.score > in_domain.score + 0.1


def test_a_language_mix_unlike_training_raises_the_language_component(bundle):
    predictor, card = load_bundle(bundle)
    same = held_out_rows(80)
    french = same[same["lang"] == "fr"]
    mixed = measure(predictor, card, same["text"].tolist(), same["lang"].tolist())
    only_french = measure(predictor, card, french["text"].tolist(), french["lang"].tolist())
    assert only_french.components["languages"] == pytest.approx(0.5, abs=0.05)
    assert mixed.components["languages"] < 0.05


def test_a_bundle_without_metrics_still_scores_without_the_confidence_component(bundle):
    predictor, card = load_bundle(bundle)
    bare = {**card, "metrics": {}}
    drift = measure(predictor, bare, ANOTHER_TOPIC, ["en"] * 6 + ["fr"] * 4)
    assert set(drift.components) == {"unseen_words", "languages"} and 0 <= drift.score <= 1


def test_total_variation_is_zero_for_the_same_mix_and_one_for_disjoint_ones():
    assert total_variation([1, 2, 3], [10, 20, 30]) == pytest.approx(0)
    assert total_variation([1, 0], [0, 5]) == pytest.approx(1)
    assert np.isnan(total_variation([0, 0], [1, 1]))


def test_each_classify_run_records_its_drift_and_the_history_warns_past_the_threshold(store, bundle):
    predictor, card = load_bundle(bundle)
    same = held_out_rows(40)
    start = datetime(2025, 1, 27, tzinfo=timezone.utc)
    store.upsert_comments([Comment(id=f"in:{i}", source="t", created_at=start + timedelta(hours=i), text=text,
                                   raw_text=text, lang=lang) for i, (text, lang) in enumerate(zip(same.text, same.lang))])
    first = classify_store(store, predictor, card)
    assert first["drift"]["n"] == 40
    store.upsert_comments([Comment(id=f"off:{i}", source="t", created_at=start + timedelta(days=30, hours=i), text=t,
                                   raw_text=t, lang="en") for i, t in enumerate(ANOTHER_TOPIC * 3)])
    second = classify_store(store, predictor, card)
    assert second["drift"]["n"] == second["drift"]["classified"] == 30  # only the comments this run classified
    classify_store(store, predictor, card)  # nothing new: no drift measured
    history = drift_over_time(store)
    assert history["run_id"].tolist() == [first["run_id"], second["run_id"]]
    assert history["score"].iloc[1] > history["score"].iloc[0]
    assert history["last_comment"].iloc[0] < history["first_comment"].iloc[1]
    between = (history["score"].iloc[0] + history["score"].iloc[1]) / 2
    assert drift_over_time(store, between)["drifting"].tolist() == [False, True]
    assert "tracker review queue" in drift_warning(history, between)
    assert drift_warning(history.iloc[:1], between) is None


def test_a_large_run_is_measured_on_a_bounded_uniform_sample():
    import pandas as pd

    from tracker.drift import DriftSample

    sample = DriftSample(size=50, seed=1)
    for start in range(0, 1000, 100):
        chunk = pd.DataFrame({"id": [f"c{i}" for i in range(start, start + 100)], "text": ["x"] * 100, "lang": ["en"] * 100})
        sample.add(chunk, pd.DataFrame({"stance_confidence": np.full(100, 0.7)}))
    kept = sample.measured
    assert sample.seen == 1000 and len(kept) == 50 and kept["id"].is_unique
    assert kept["id"].str[1:].astype(int).between(0, 499).mean() == pytest.approx(0.5, abs=0.2)  # not just the first chunks
