import numpy as np

from tracker.metrics import expected_calibration_error
from tracker.prevalence import adjusted_shares, design_effect, misclassification_matrix

LABELS = ["pro_open", "pro_closed", "neutral", "off_topic"]
CONFUSION = np.array([[700, 120, 150, 30], [100, 650, 220, 30], [120, 150, 680, 50], [20, 20, 60, 900]])


def simulate(true_shares, n, rng):
    truth = rng.choice(len(LABELS), size=n, p=true_shares)
    matrix = misclassification_matrix(CONFUSION)
    predicted = np.array([rng.choice(len(LABELS), p=matrix[:, t]) for t in truth])
    return np.bincount(predicted, minlength=len(LABELS))


def test_corrected_shares_beat_raw_counting_when_the_mix_moves():
    rng = np.random.default_rng(0)
    raw_errors, corrected_errors, covered = [], [], 0
    trials = 40
    for _ in range(trials):
        truth = rng.dirichlet(np.ones(len(LABELS)))
        counts = simulate(truth, 2000, rng)
        shares = adjusted_shares(counts, CONFUSION, LABELS, draws=200)
        raw_errors.append(np.abs(shares["raw_share"] - truth).mean())
        corrected_errors.append(np.abs(shares["share"] - truth).mean())
        covered += ((shares["low"] <= truth + 1e-9) & (truth - 1e-9 <= shares["high"])).mean()
    assert np.mean(corrected_errors) < 0.5 * np.mean(raw_errors)
    assert covered / trials > 0.85


def clustered_predictions(rng, groups: int, per_group: int, spread: float):
    """True and predicted labels where each group has its own error rate around 25%."""
    true, predicted, group = [], [], []
    for g in range(groups):
        error = np.clip(0.25 + rng.normal(0, spread), 0, 1)
        labels = rng.integers(0, 2, per_group)
        wrong = rng.random(per_group) < error
        true += list(labels)
        predicted += list(np.where(wrong, 1 - labels, labels))
        group += [g] * per_group
    return np.array(true), np.array(predicted), np.array(group)


def test_design_effect_is_near_one_for_independent_errors_and_large_for_clustered_ones():
    rng = np.random.default_rng(2)
    independent = design_effect(*clustered_predictions(rng, 200, 20, 0.0), labels=[0, 1])
    clustered = design_effect(*clustered_predictions(rng, 200, 20, 0.2), labels=[0, 1])
    assert independent < 1.3
    assert clustered > 1.8  # 1 + (m - 1) * rho is about 2.5 for these groups


def test_a_larger_design_effect_widens_the_interval():
    counts = [300, 250, 350, 100]
    plain = adjusted_shares(counts, CONFUSION, LABELS, draws=300)
    wide = adjusted_shares(counts, CONFUSION, LABELS, draws=300, design_effect=20)
    assert ((wide["high"] - wide["low"]) > (plain["high"] - plain["low"])).all()
    assert np.allclose(wide["share"], plain["share"])


def test_shares_sum_to_one_and_stay_in_bounds():
    shares = adjusted_shares([5, 0, 0, 0], CONFUSION, LABELS)
    assert abs(shares["share"].sum() - 1) < 1e-9
    assert (shares["low"] >= 0).all() and (shares["high"] <= 1).all()
    assert (shares["low"] <= shares["share"] + 1e-9).all() and (shares["share"] <= shares["high"] + 1e-9).all()


def test_no_comments_gives_no_estimate():
    assert adjusted_shares([0, 0, 0, 0], CONFUSION, LABELS)["share"].isna().all()


def test_expected_calibration_error_of_a_perfectly_calibrated_and_an_overconfident_model():
    rng = np.random.default_rng(1)
    confidence = rng.uniform(0.3, 1, 20000)
    assert expected_calibration_error(confidence, rng.uniform(size=20000) < confidence) < 0.02
    assert abs(expected_calibration_error(np.full(1000, 0.9), np.arange(1000) < 600) - 0.3) < 1e-9
