"""Build the pipelines, cross-validate them grouped by thread, tune, and fit the final model.

The label sets come from the data: a user training on their own debate with their own
stance labels gets a model for those labels. A head whose column is absent or empty is
skipped, and the report says so.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import minimize_scalar
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold

from tracker.blend import NaiveBayesBlend, tag_log_weights
from tracker.context import AUTHOR_TEXT, REPLIES_TEXT, author_texts, parent_texts, replies_texts
from tracker.errors import LabelError
from tracker.features import LANG, PARENT, TEXT, text_features
from tracker.metrics import by_language, classification_report, multilabel_report
from tracker.predictor import ArgumentHead, Predictor
from tracker.prevalence import design_effect
from tracker.progress import progress_bar
from tracker.schema import split_arguments
from tracker.text import detect_languages

HEADS = ("stance", "arguments", "sentiment")
THRESHOLD_GRID = np.round(np.arange(0.1, 0.91, 0.05), 2)


@dataclass
class TrainConfig:
    char_ngrams: bool = True
    context_weight: float = 1.0  # parent's words; measured in bench/model_choices.py
    author_weight: float = 1.0  # the author's other comments in the thread, read by the stance head only
    replies_weight: float = 1.0  # the comments that reply to it, read by the stance head only
    # the stance head also learns each comment that drew replies as if it had none, so that it
    # reads a lone comment as well as one in a thread (bench/model_choices.py)
    bare_copies: bool = True
    # a second stance stage reads the head's predicted stance of each comment's neighbours in its
    # thread (tracker/neighbours.py); learned on the out-of-fold predictions
    neighbours: bool = True
    c_neighbours: float = 1.0
    lexicon: bool = False  # VADER scores: no gain measured, so off by default
    naive_bayes: float = 0.5  # stance and sentiment: weight of complement naive Bayes in the blend (0: off)
    naive_bayes_arguments: float = 0.3  # the same for each argument tag; measured in bench/model_choices.py
    nb_alpha: float = 0.1
    min_df: int = 2
    c_stance: float = 8.0
    c_arguments: float = 8.0
    c_sentiment: float = 4.0
    folds: int = 5
    group_by: str = "thread_id"
    seed: int = 13

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass
class TrainResult:
    predictor: Predictor
    report: dict
    skipped: list[str] = field(default_factory=list)


class TemperatureScaled:
    """A fitted probabilistic classifier whose probabilities are sharpened or softened by one
    temperature, learned on out-of-fold predictions (Guo et al., 2017)."""

    def __init__(self, classifier, temperature: float):
        self.classifier = classifier
        self.temperature = temperature
        self.classes_ = classifier.classes_

    def predict_proba(self, X):
        return scale(self.classifier.predict_proba(X), self.temperature)

    def product_weights(self):
        """The classifier's, when it scores by one product with the features (`NaiveBayesBlend`)."""
        return self.classifier.product_weights() if hasattr(self.classifier, "product_weights") else None

    def proba_from(self, product):
        return scale(self.classifier.proba_from(product), self.temperature)


def scale(proba: np.ndarray, temperature: float) -> np.ndarray:
    logits = np.log(np.clip(proba, 1e-9, 1)) / temperature
    logits -= logits.max(axis=1, keepdims=True)
    out = np.exp(logits)
    return out / out.sum(axis=1, keepdims=True)


def fit_temperature(proba: np.ndarray, y_index: np.ndarray) -> float:
    def nll(t):
        return -np.log(np.clip(scale(proba, t)[np.arange(len(y_index)), y_index], 1e-12, 1)).mean()

    return float(minimize_scalar(nll, bounds=(0.05, 10), method="bounded").x)


def _useful_temperature(proba: np.ndarray, y_index: np.ndarray) -> float | None:
    """The fitted temperature, kept only when it lowers the out-of-fold calibration error."""
    from tracker.metrics import expected_calibration_error

    temperature = fit_temperature(proba, y_index)
    correct = proba.argmax(axis=1) == y_index
    before = expected_calibration_error(proba.max(axis=1), correct)
    after = expected_calibration_error(scale(proba, temperature).max(axis=1), correct)
    return temperature if after < before else None


def prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """Labeled rows with `text`, `parent_text` (the parent's words when the parent is in the
    data or given), `author_text` (the author's other comments in the thread) and
    `replies_text` (the comments replying to it), both from the data unless given, and `lang`
    (detected when missing)."""
    out = frame.copy()
    out[TEXT] = out[TEXT].fillna("").astype(str)
    if PARENT not in out:
        out[PARENT] = parent_texts(out)
    out[PARENT] = out[PARENT].fillna("").astype(str)
    if AUTHOR_TEXT not in out:
        out[AUTHOR_TEXT] = author_texts(out)
    if REPLIES_TEXT not in out:
        out[REPLIES_TEXT] = replies_texts(out)
    for column in (AUTHOR_TEXT, REPLIES_TEXT):
        out[column] = out[column].fillna("").astype(str)
    if LANG not in out:
        out[LANG] = detect_languages(out[TEXT].tolist())
    out[LANG] = out[LANG].fillna("").astype(str).replace("", "other")
    return out.reset_index(drop=True)


def active_heads(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    heads, skipped = [], []
    for head in HEADS:
        if head not in frame or frame[head].fillna("").astype(str).str.strip().eq("").all():
            skipped.append(f"{head}: no '{head}' labels in the data")
        elif head != "arguments" and frame[head].nunique() < 2:
            skipped.append(f"{head}: only one label ({frame[head].iloc[0]}) in the data")
        else:
            heads.append(head)
    if not heads:
        raise LabelError("no head can be trained: the data has no stance, arguments or sentiment labels; "
                         "name the columns with --stance-column, --arguments-column, --sentiment-column")
    return heads, skipped


def _classifier(c: float, seed: int) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=3000, class_weight="balanced", random_state=seed)


def _label_classifier(c: float, config: TrainConfig):
    """The classifier of a single-label head (stance, sentiment): logistic regression, blended
    with complement naive Bayes unless `config.naive_bayes` is 0."""
    if config.naive_bayes:
        return NaiveBayesBlend(_classifier(c, config.seed), config.nb_alpha, config.naive_bayes)
    return _classifier(c, config.seed)


def _tag_matrix(frame: pd.DataFrame, tags: list[str] | None = None) -> tuple[list[str], np.ndarray]:
    """The tags (those of the data unless given) and a rows x tags matrix of which row has which."""
    sets = [set(split_arguments(v)) for v in frame["arguments"]]
    if tags is None:
        tags = sorted(set().union(*sets)) if sets else []
    return tags, np.array([[t in s for t in tags] for s in sets], dtype=bool).reshape(len(sets), len(tags))


def _fit_heads(frame: pd.DataFrame, heads: list[str], config: TrainConfig, tags: list[str],
               thresholds: list[float] | None = None, temperature: float | None = None) -> Predictor:
    def enough(column: str) -> bool:  # a context block needs words seen in min_df comments
        return column in frame and frame[column].str.len().gt(0).sum() >= 2 * config.min_df

    features = text_features(config.char_ngrams, config.context_weight if enough(PARENT) else 0.0, config.lexicon,
                             config.min_df, config.author_weight if enough(AUTHOR_TEXT) else 0.0,
                             config.replies_weight if enough(REPLIES_TEXT) else 0.0)
    try:
        X = features.fit_transform(frame)
    except ValueError as exc:  # "After pruning, no terms remain"
        raise LabelError(f"too little text to learn from ({len(frame)} comments): no words are left once "
                         f"those seen in fewer than {config.min_df} comments are dropped; add labeled rows") from exc
    predictor = Predictor(features=features, config=config.as_dict())
    columns = _part_columns(features, frame)
    if "stance" in heads:
        X_stance, y_stance = X, frame["stance"].to_numpy()
        if config.bare_copies:
            X_stance, y_stance = _with_bare_copies(X, y_stance, columns.get("replies"))
        stance = _label_classifier(config.c_stance, config).fit(X_stance, y_stance)
        predictor.stance = TemperatureScaled(stance, temperature) if temperature else stance
    # Arguments and sentiment are about the comment's own words: the author's other comments
    # cost them 0.3 and 0.5 points (bench/model_choices.py), so they learn without that block,
    # and without the replies', and read them with zero weight.
    keep = _columns_without(columns, ("author", "replies"))
    X_own = X if keep is None else X[:, keep]
    if "arguments" in heads:
        _, Y = _tag_matrix(frame, tags)  # a fold's training rows may lack a tag the whole data has
        classifiers = []
        bayes = np.zeros((X_own.shape[1], len(tags)), dtype=np.float32) if config.naive_bayes_arguments else None
        for j in range(len(tags)):
            column = Y[:, j]
            if not 0 < column.sum() < len(column):
                classifiers.append(None)
                continue
            classifiers.append(_widened(_classifier(config.c_arguments, config.seed).fit(X_own, column), keep, X))
            if bayes is not None:
                bayes[:, j] = tag_log_weights(X_own, column, config.nb_alpha)
        predictor.arguments = ArgumentHead(tags, classifiers, thresholds or [0.5] * len(tags),
                                           _rows_widened(bayes, keep, X), config.naive_bayes_arguments)
    if "sentiment" in heads:
        predictor.sentiment = _widened(_label_classifier(config.c_sentiment, config).fit(X_own, frame["sentiment"]),
                                       keep, X)
    return predictor


def _part_columns(features, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The positions of each part's output columns in the fitted union's output."""
    widths = [transformer.transform(frame.iloc[:1]).shape[1] for _, transformer in features.transformer_list]
    starts = np.cumsum([0] + widths)
    return {name: np.arange(starts[i], starts[i + 1]) for i, (name, _) in enumerate(features.transformer_list)}


def _columns_without(columns: dict[str, np.ndarray], parts: tuple[str, ...]) -> np.ndarray | None:
    """The output columns outside `parts` (None when the union has none of them)."""
    if not set(parts) & set(columns):
        return None
    return np.concatenate([positions for name, positions in columns.items() if name not in parts])


def _with_bare_copies(X, y: np.ndarray, zeroed: np.ndarray | None):
    """X and y, plus a copy of every row with features among the columns `zeroed` (the replies
    block) with those features zeroed: the row as the model sees a comment that drew no
    replies. Without such a block, X and y themselves.

    Comments in a thread have replies while the comments of a file of lone comments have
    none; trained only on the former, the stance head leaned on the replies (1.3 points lower
    on the independent sets, which hold no threads)."""
    if zeroed is None:
        return X, y
    X = sparse.csr_matrix(X)
    rows = np.flatnonzero(X[:, zeroed].getnnz(axis=1) > 0)
    if not len(rows):
        return X, y
    kept = np.ones(X.shape[1], dtype=X.dtype)
    kept[zeroed] = 0
    bare = X[rows] @ sparse.diags(kept, format="csr")
    bare.eliminate_zeros()
    return sparse.vstack([X, bare], format="csr"), np.concatenate([y, y[rows]])


def _rows_widened(weights: np.ndarray | None, keep: np.ndarray | None, X) -> np.ndarray | None:
    """Per-feature weights (features x k) learned on the columns `keep` of X, as weights for
    every column of X: zero on the others, so the scores are the same."""
    if weights is None or keep is None:
        return weights
    wide = np.zeros((X.shape[1],) + weights.shape[1:], dtype=weights.dtype)
    wide[keep] = weights
    return wide


def _widened(model, keep: np.ndarray | None, X):
    """A classifier fitted on the columns `keep` of X, made to read all of X (`_rows_widened`)."""
    if keep is None:
        return model
    if isinstance(model, NaiveBayesBlend):
        model.weights_ = np.ascontiguousarray(_rows_widened(model.weights_, keep, X))
    else:  # LogisticRegression
        model.coef_ = _rows_widened(model.coef_.T, keep, X).T
        model.n_features_in_ = X.shape[1]
    return model


def _groups(frame: pd.DataFrame, group_by: str) -> np.ndarray:
    if group_by in frame and frame[group_by].fillna("").astype(str).str.strip().ne("").all():
        return frame[group_by].astype(str).to_numpy()
    return np.arange(len(frame)).astype(str)


def cross_validate(frame: pd.DataFrame, heads: list[str], config: TrainConfig, progress: bool = False) -> dict:
    """Out-of-fold probabilities for every head, with folds grouped by `config.group_by`."""
    tags, Y = _tag_matrix(frame) if "arguments" in heads else ([], None)
    stratify = frame["stance"] if "stance" in heads else frame[heads[0]].astype(str)
    splitter = StratifiedGroupKFold(n_splits=config.folds, shuffle=True, random_state=config.seed)
    oof: dict = {"fold": np.full(len(frame), -1)}
    stance_labels = sorted(frame["stance"].unique()) if "stance" in heads else []
    sentiment_labels = sorted(frame["sentiment"].unique()) if "sentiment" in heads else []
    if "stance" in heads:
        oof["stance"] = np.zeros((len(frame), len(stance_labels)))
    if "arguments" in heads:
        oof["arguments"] = np.zeros((len(frame), len(tags)))
    if "sentiment" in heads:
        oof["sentiment"] = np.zeros((len(frame), len(sentiment_labels)))
    bar = progress_bar(total=config.folds, desc="cross-validation", unit="fold", enabled=progress)
    for fold, (train_idx, test_idx) in enumerate(splitter.split(frame, stratify, _groups(frame, config.group_by))):
        train, test = frame.iloc[train_idx], frame.iloc[test_idx]
        predictor = _fit_heads(train, heads, config, tags)
        X = predictor.features.transform(test)
        oof["fold"][test_idx] = fold
        if "stance" in heads:
            oof["stance"][test_idx] = _aligned(predictor.stance, X, stance_labels)
        if "arguments" in heads:
            oof["arguments"][test_idx] = predictor.arguments.probabilities(X)
        if "sentiment" in heads:
            oof["sentiment"][test_idx] = _aligned(predictor.sentiment, X, sentiment_labels)
        bar.update(1)
    bar.close()
    oof.update(tags=tags, Y=Y, stance_labels=stance_labels, sentiment_labels=sentiment_labels)
    return oof


def _aligned(classifier, X, labels: list[str]) -> np.ndarray:
    """predict_proba with columns in `labels` order (a fold may miss a rare label)."""
    proba = classifier.predict_proba(X)
    out = np.zeros((X.shape[0], len(labels)))
    for j, label in enumerate(classifier.classes_):
        out[:, labels.index(label)] = proba[:, j]
    return out


def tune_thresholds(proba: np.ndarray, Y: np.ndarray) -> list[float]:
    """Per tag, the threshold on the grid that maximises that tag's out-of-fold F1."""
    thresholds = []
    for j in range(Y.shape[1]):
        best, best_f1 = 0.5, -1.0
        for threshold in THRESHOLD_GRID:
            pred = proba[:, j] >= threshold
            tp = (pred & Y[:, j]).sum()
            f1 = 2 * tp / (pred.sum() + Y[:, j].sum()) if pred.sum() + Y[:, j].sum() else 0.0
            if f1 > best_f1:
                best, best_f1 = float(threshold), f1
        thresholds.append(best)
    return thresholds


def report_from_oof(frame: pd.DataFrame, oof: dict, thresholds: list[float] | None, temperature: float | None,
                    groups=None) -> dict:
    """The evaluation report of out-of-fold predictions; with `groups` (the cross-validation's
    threads or authors), the stance confusion matrix gets its design effect for prevalence."""
    report: dict = {}
    scored = frame.copy()
    if "stance" in oof:
        labels = oof["stance_labels"]
        proba = oof["stance_final"] if "stance_final" in oof else (
            scale(oof["stance"], temperature) if temperature else oof["stance"])
        scored["_pred"] = np.asarray(labels, dtype=object)[proba.argmax(axis=1)]
        scored["_conf"] = proba.max(axis=1)
        report["stance"] = by_language(scored, lambda f: classification_report(f["stance"], f["_pred"], labels, f["_conf"]))
        raw = oof["stance"]  # the head's own, before its temperature and the stage over neighbours
        report["stance"]["all"]["ece_before_temperature"] = classification_report(
            scored["stance"], np.asarray(labels, dtype=object)[raw.argmax(axis=1)], labels, raw.max(axis=1))["ece"]
        if groups is not None:
            report["stance"]["all"]["confusion"]["design_effect"] = round(
                design_effect(scored["stance"], scored["_pred"], groups, labels), 3)
        for key, column in (("stance_replies", PARENT), ("stance_with_author", AUTHOR_TEXT),
                            ("stance_with_replies", REPLIES_TEXT)):
            part = scored[scored[column].str.len() > 0] if column in scored else scored.iloc[:0]
            if len(part):
                report[key] = classification_report(part["stance"], part["_pred"], labels)
    if "arguments" in oof:
        tags = oof["tags"]
        chosen = oof["arguments"] >= np.asarray(thresholds)[None, :]
        scored["_true_tags"] = [set(split_arguments(v)) for v in scored["arguments"]]
        scored["_pred_tags"] = [{t for t, on in zip(tags, row) if on} for row in chosen]
        report["arguments"] = by_language(scored, lambda f: multilabel_report(list(f["_true_tags"]),
                                                                              list(f["_pred_tags"]), tags))
        report["arguments"]["thresholds"] = dict(zip(tags, thresholds))
    if "sentiment" in oof:
        labels = oof["sentiment_labels"]
        scored["_sent"] = np.asarray(labels, dtype=object)[oof["sentiment"].argmax(axis=1)]
        scored["_sconf"] = oof["sentiment"].max(axis=1)
        report["sentiment"] = by_language(scored, lambda f: classification_report(
            f["sentiment"], f["_sent"], labels, f["_sconf"], sides=False))
    return report


def train(frame: pd.DataFrame, config: TrainConfig | None = None, progress: bool = False,
          evaluate: bool = True) -> TrainResult:
    """Cross-validate (unless `evaluate` is False), tune thresholds and temperature on the
    out-of-fold predictions, then fit every head on all the data."""
    config = config or TrainConfig()
    frame = prepare(frame)
    heads, skipped = active_heads(frame)
    tags = _tag_matrix(frame)[0] if "arguments" in heads else []
    thresholds, temperature, report, stage = None, None, {}, None
    if evaluate:
        groups = _groups(frame, config.group_by)
        if len(set(groups)) < config.folds:
            unit = config.group_by if config.group_by in frame else "row"
            raise LabelError(f"{config.folds}-fold cross-validation needs at least {config.folds} groups "
                             f"(by {unit}) and the data has {len(set(groups))}: pass --folds with a smaller number "
                             "(at least 2), or --no-evaluate to train without a report")
        try:
            oof = cross_validate(frame, heads, config, progress)
        except ValueError as exc:  # a label too rare for the folds, as scikit-learn words it
            raise LabelError(f"cross-validation cannot split these labels ({exc}); pass --folds with a smaller "
                             "number, add labeled rows, or --no-evaluate to train without a report") from exc
        if "arguments" in heads:
            thresholds = tune_thresholds(oof["arguments"], oof["Y"])
        if "stance" in heads:
            y_index = np.array([oof["stance_labels"].index(v) for v in frame["stance"]])
            temperature = _useful_temperature(oof["stance"], y_index)
            if config.neighbours:
                stage, head_report = _neighbour_stage(frame, oof, temperature, config)
        report = report_from_oof(frame, oof, thresholds, temperature, groups)
        report["cv"] = {"folds": config.folds, "grouped_by": config.group_by, "temperature": temperature}
        if stage is not None:
            report["cv"]["neighbours"] = head_report
    elif "stance" in heads and config.neighbours:
        skipped.append("the stance stage over neighbours: it is learned on cross-validated predictions")
    predictor = _fit_heads(frame, heads, config, tags, thresholds, temperature)
    predictor.neighbours = stage
    return TrainResult(predictor=predictor, report=report, skipped=skipped)


def _neighbour_stage(frame: pd.DataFrame, oof: dict, temperature: float | None, config: TrainConfig):
    """The second stance stage (tracker/neighbours.py), learned on the head's out-of-fold
    probabilities as the head gives them (after its temperature, to 4 decimals), and what the
    report needs: `oof["stance_final"]` (its cross-fitted probabilities) and the head's
    figures alone, for comparison."""
    from tracker.neighbours import Links, fit_stage

    labels = oof["stance_labels"]
    head = (scale(oof["stance"], temperature) if temperature else oof["stance"]).round(4)
    stage, final = fit_stage(head, frame, labels, oof["fold"], config.c_neighbours)
    if stage is None:
        return None, {}
    oof["stance_final"] = final
    alone = frame.assign(_pred=np.asarray(labels, dtype=object)[head.argmax(axis=1)])
    macro = by_language(alone, lambda f: classification_report(f["stance"], f["_pred"], labels))
    near = Links(frame).has_any(np.arange(len(frame)))
    return stage, {"comments_with_neighbours": int(near.sum()),
                   "head_alone_macro_f1": {scope: part["macro_f1"] for scope, part in macro.items()}}


# --- from labeled files to a bundle -----------------------------------------------------

DEFAULT_DATA_GLOB = "data/labeled/*.csv"


def data_fingerprint(paths) -> str:
    import hashlib

    digest = hashlib.sha256()
    for path in sorted(str(p) for p in paths):
        with open(path, "rb") as handle:
            digest.update(handle.read())
    return digest.hexdigest()


def describe_training_data(frame: pd.DataFrame, paths) -> dict:
    info = {"rows": int(len(frame)), "files": [str(p) for p in paths], "sha256": data_fingerprint(paths),
            "languages": frame[LANG].value_counts().to_dict() if LANG in frame else {}}
    if "from_reviews" in frame:
        info["from_reviews"] = int(frame["from_reviews"].sum())
    return info


def build_card(frame: pd.DataFrame, paths, results: dict[str, TrainResult], config: TrainConfig,
               target_column: str | None) -> dict:
    first = next(iter(results.values()))
    labels = {}
    predictor = first.predictor
    if predictor.stance is not None:
        labels["stance"] = [str(c) for c in predictor.stance.classes_]
    if predictor.arguments is not None:
        labels["arguments"] = predictor.arguments.tags
    if predictor.sentiment is not None:
        labels["sentiment"] = [str(c) for c in predictor.sentiment.classes_]
    card = {"data": describe_training_data(prepare(frame) if LANG not in frame else frame, paths),
            "labels": labels, "config": config.as_dict(), "skipped": first.skipped}
    if target_column:
        card["target_column"] = target_column
        card["metrics"] = {"per_target": {t: r.report for t, r in results.items()}}
        card["targets"] = sorted(results)
    else:
        card["metrics"] = first.report
    return card


def train_per_target(frame: pd.DataFrame, target_column: str, config: TrainConfig, progress: bool,
                     evaluate: bool) -> dict[str, TrainResult]:
    if target_column not in frame:
        raise LabelError(f"column '{target_column}' (--target-column) not found in the training data")
    results = {}
    config = replace(config, neighbours=False)  # a targeted model predicts in one pass (TargetedPredictor)
    for target, part in frame.groupby(frame[target_column].astype(str)):
        results[target] = train(part, config, progress, evaluate)
    return results
