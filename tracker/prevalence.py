"""Label shares corrected for the classifier's known errors, with 95% intervals.

Counting a classifier's labels gives biased shares whenever the mix of comments differs from
the training data (a model that confuses neutral with pro_closed inflates pro_closed when
neutral comments flood in). Adjusted classify-and-count (ACC; Forman 2008) inverts the
misclassification matrix estimated in cross-validation. It needs only the counts of each
predicted label, which the store aggregates in SQL. The interval is a parametric bootstrap
over both the comments counted (multinomial) and the cross-validated matrix (Dirichlet per
true class). Where the classifier's errors cluster by thread (a thread on an unusual subject
misread as a whole), the matrix is known less well than its comment count says, so its
Dirichlet draws use the count divided by the design effect measured across the threads of
the cross-validation (`design_effect`, stored with the confusion matrix in the model card;
about 1.0-1.2 on our corpus, see docs/benchmarks.md).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

DRAWS = 400


def misclassification_matrix(confusion: np.ndarray) -> np.ndarray:
    """M[j, i] = P(predicted j | true i) from a confusion matrix with rows true, columns predicted."""
    confusion = np.asarray(confusion, float)
    totals = confusion.sum(axis=1, keepdims=True)
    return (confusion / np.where(totals == 0, 1, totals)).T


def solve_shares(matrix: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """The shares p >= 0 summing to 1 that best explain `observed` = matrix @ p."""
    from scipy.optimize import nnls  # here: scipy.optimize takes a quarter second to import, every command would pay it

    k = len(observed)
    # nnls with a heavily weighted row forcing sum(p) = 1
    A = np.vstack([matrix, 100.0 * np.ones((1, k))])
    b = np.concatenate([observed, [100.0]])
    shares, _ = nnls(A, b)
    total = shares.sum()
    return shares / total if total > 0 else np.full(k, 1.0 / k)


def design_effect(true, predicted, groups, labels) -> float:
    """How much less a misclassification matrix is known, for errors clustered in `groups`,
    than if every comment erred independently (Kish's design effect, at least 1).

    For each true class i and predicted class j, the rate P(j | i) is a ratio over the
    groups; its cluster-robust variance is compared with the binomial one, pooled over cells.
    """
    frame = pd.DataFrame({"true": np.asarray(true), "predicted": np.asarray(predicted), "group": np.asarray(groups)})
    clustered = binomial = 0.0
    for label in labels:
        part = frame[frame["true"] == label]
        total, n_groups = len(part), part["group"].nunique()
        if total == 0 or n_groups < 2:
            continue
        sizes = part.groupby("group").size()
        for other in labels:
            hits = (part["predicted"] == other).groupby(part["group"]).sum().reindex(sizes.index)
            rate = hits.sum() / total
            clustered += n_groups / (n_groups - 1) * ((hits - rate * sizes) ** 2).sum() / total ** 2
            binomial += rate * (1 - rate) / total
    return max(1.0, clustered / binomial) if binomial > 0 else 1.0


def correction(confusion: dict | None, labels) -> tuple[list[str], np.ndarray, float]:
    """Labels, matrix and design effect of a card's stance confusion; without a confusion, the
    given labels and a near-identity matrix, so the corrected share is the raw share."""
    if not confusion:
        return list(labels), np.eye(len(labels)) * 1000, 1.0
    return list(confusion["labels"]), np.asarray(confusion["matrix"]), float(confusion.get("design_effect", 1.0))


def adjusted_shares(counts, confusion, labels, draws: int = DRAWS, seed: int = 0,
                    design_effect: float = 1.0) -> pd.DataFrame:
    """Corrected share of each label with a 95% interval.

    `counts`: predicted-label counts (aligned with `labels`); `confusion`: the model's
    cross-validated confusion matrix (rows true, columns predicted, in `labels` order);
    `design_effect`: how clustered its errors are (see `design_effect`).

    Returns columns: label, raw_share, share, low, high, n.
    """
    counts = np.asarray(counts, float)
    n = counts.sum()
    if n == 0:
        return pd.DataFrame({"label": labels, "raw_share": np.nan, "share": np.nan, "low": np.nan,
                             "high": np.nan, "n": 0})
    confusion = np.asarray(confusion, float)
    raw = counts / n
    point = solve_shares(misclassification_matrix(confusion), raw)
    rng = np.random.default_rng(seed)
    samples = np.empty((draws, len(labels)))
    for d in range(draws):
        drawn_matrix = np.vstack([rng.dirichlet(row / design_effect + 0.5) for row in confusion]).T
        samples[d] = solve_shares(drawn_matrix, rng.multinomial(int(n), raw) / n)
    low, high = np.percentile(samples, [2.5, 97.5], axis=0)
    return pd.DataFrame({"label": list(labels), "raw_share": raw, "share": point, "low": low, "high": high,
                         "n": int(n)})
