import numpy as np

from tracker.metrics import expected_calibration_error
from tracker.prevalence import adjusted_shares, misclassification_matrix

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
