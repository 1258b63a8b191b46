"""Review: uncertainty sampling over the stance probabilities, and the human-label round trip.

The ranking is pure functions (probabilities in, positions out): `uncertainty` scores each
comment, `clustered_selection` picks one comment per topic cluster of the most uncertain
ones, so the queue is not ten near-identical comments. The store functions build the queue
with the trends' `Filters`, add and import human labels (a new row in `labels`; the model's
predictions are never touched), export them in the label contract's format, and turn them
into training rows.

Import policy: all or nothing. Every row of the file is checked first; if any row is bad,
LabelError lists each problem with its row and field and nothing is stored, so fixing the
file and importing it again is always safe. Rows left blank (no stance, no sentiment, no
tags, no note) are skipped as "not labeled yet"; a row identical to the comment's latest
label is counted as unchanged and not stored twice.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import TruncatedSVD
from sklearn.preprocessing import normalize

from tracker.context import AUTHOR_TEXT, REPLIES_TEXT, store_author_texts, store_replies_texts
from tracker.errors import LabelError, ModelError
from tracker.export import FORMULA_PREFIXES, write_frames
from tracker.features import PARENT, word_vectorizer
from tracker.labeled import Problem, read_table
from tracker.schema import ARGUMENTS, SENTIMENTS, STANCES, join_arguments, split_arguments
from tracker.aggregates import record_label
from tracker.store import Store, from_epoch, latest_model_version
from tracker.trends import Filters, query_labeled

METHODS = ("entropy", "margin", "least_confidence")
RANDOM = "random"  # a queue drawn uniformly instead of by uncertainty
CANDIDATES_PER_PICK = 20  # the clustering step chooses among the n * 20 most uncertain comments
REVIEWER_COLUMN, NOTE_COLUMN, FROM_REVIEWS = "reviewer", "note", "from_reviews"

# A queue file: what to label (blank stance, arguments, sentiment, note), then context.
QUEUE_COLUMNS = ("rank", "id", "lang", "text", "stance", "arguments", "sentiment", "note", "parent_text",
                 "model_stance", "model_confidence", "uncertainty", "source", "thread_id", "created_at")
# An exported label file: the label contract's columns, then who labeled it and when.
EXPORT_COLUMNS = ("id", "lang", "text", "stance", "arguments", "sentiment", "source", "created_at", "thread_id",
                  "parent_id", "author", "note", "reviewer", "labeled_at")


# --- ranking: pure functions -------------------------------------------------------------

def uncertainty(probabilities, method: str = "entropy") -> np.ndarray:
    """How unsure the model is about each row of a (comments x labels) probability matrix,
    in [0, 1], higher is more uncertain.

    `least_confidence`: 1 - max p, rescaled so a uniform row scores 1. `margin`: 1 minus the
    gap between the two most likely labels. `entropy`: Shannon entropy over log(labels).
    """
    p = np.asarray(probabilities, dtype=float)
    if p.ndim != 2 or p.shape[1] < 2:
        raise ValueError(f"expected a (comments x labels) matrix with at least 2 labels, got shape {p.shape}")
    k = p.shape[1]
    if method == "least_confidence":
        return (1.0 - p.max(axis=1)) * k / (k - 1)
    if method == "margin":
        top = -np.sort(-p, axis=1)
        return 1.0 - (top[:, 0] - top[:, 1])
    if method == "entropy":
        safe = np.clip(p, 1e-12, 1.0)
        return np.clip(-(p * np.log(safe)).sum(axis=1) / np.log(k), 0.0, 1.0)
    raise ValueError(f"unknown uncertainty method '{method}'; use one of {', '.join(METHODS)}")


def most_uncertain(scores: np.ndarray, n: int, per_pick: int = CANDIDATES_PER_PICK) -> np.ndarray:
    """Positions of the `n * per_pick` highest scores, most uncertain first (ties by position)."""
    return np.argsort(-np.asarray(scores), kind="stable")[: max(n, n * per_pick)]


def clustered_selection(scores, texts: list[str], n: int, dims: int = 100, seed: int = 0) -> np.ndarray:
    """Weighted k-means (Zhdanov, 2019): `n` positions, one per cluster of the candidates'
    TF-IDF (reduced to `dims` by SVD), each cluster weighted by uncertainty (scores in [0, 1]);
    from each cluster the candidate closest to its centre. Most uncertain first.

    The picks cover the candidates' topics instead of piling up on one kind of comment (the
    most uncertain ones are mostly short and off-topic), which is what beat random labeling
    in bench/active_learning.py. Deterministic for a given `seed`.
    """
    scores = np.asarray(scores, dtype=float)
    n = min(n, len(scores))
    order = np.argsort(-scores, kind="stable")
    if n == 0 or n == len(scores):
        return order[:n]
    try:
        vectors = word_vectorizer(min_df=1).fit_transform(list(texts))
    except ValueError:  # no word at all in any text: nothing to cluster
        return order[:n]
    if vectors.shape[1] > dims and len(scores) > dims:
        vectors = normalize(TruncatedSVD(dims, random_state=seed).fit_transform(vectors))
    kmeans = KMeans(n, n_init=1, random_state=seed).fit(vectors, sample_weight=scores + 1e-6)
    distance = kmeans.transform(vectors)
    chosen = [int(members[np.argmin(distance[members, c])]) for c in range(n)
              if len(members := np.flatnonzero(kmeans.labels_ == c))]
    taken = set(chosen)  # a cluster can be empty when texts are duplicates: top up by uncertainty
    chosen += [int(i) for i in order if i not in taken][: n - len(chosen)]
    return np.asarray(sorted(chosen, key=lambda i: (-scores[i], i)), dtype=int)


def select_for_review(probabilities, texts: list[str], n: int, method: str = "entropy",
                      cluster: bool = True) -> np.ndarray:
    """Positions of the `n` comments to label next: the most uncertain candidates, then the
    clustering step (without `cluster`: strictly most uncertain first)."""
    scores = uncertainty(probabilities, method)
    pool = most_uncertain(scores, n)
    return pool[_pick(scores[pool], [texts[i] for i in pool], n, cluster)]


def _pick(scores: np.ndarray, texts: list[str], n: int, cluster: bool) -> np.ndarray:
    if not cluster:
        return np.argsort(-scores, kind="stable")[:n]
    return clustered_selection(scores, texts, n)


# --- the queue from the store -------------------------------------------------------------

def probability_matrix(cells) -> tuple[list[str], np.ndarray]:
    """Labels and matrix from the `probabilities` JSON cells of the predictions table."""
    parsed = [json.loads(cell) if cell else {} for cell in cells]
    labels: list[str] = []
    for row in parsed:
        labels += [label for label in row if label not in labels]
    matrix = np.array([[row.get(label, 0.0) for label in labels] for row in parsed], dtype=float)
    return labels, matrix.reshape(len(parsed), len(labels))


def review_queue(store: Store, n: int = 200, filters: Filters | None = None, method: str = "entropy",
                 cluster: bool = True, seed: int = 0) -> pd.DataFrame:
    """The `n` unlabeled comments to review next, with QUEUE_COLUMNS, rank 1 first.

    Candidates are the comments the model (filters.model_version, default the latest) has
    classified, that match `filters` and have no human label yet. `method` is one of METHODS
    (the most uncertain first) or RANDOM: a uniform sample drawn with `seed`, in the order
    drawn, whose labels also measure the model on the store's own comments without the bias
    of uncertainty sampling.
    """
    filters = filters or Filters()
    if n < 1:
        raise ValueError("the queue needs n >= 1")
    pool = query_labeled(store, "c.id, p.probabilities", filters, "AND h.comment_id IS NULL ORDER BY c.id")
    if pool.empty:
        if store.conn.execute("SELECT count(*) FROM predictions").fetchone()[0] == 0:
            raise ModelError("no predictions in the store to rank; run 'tracker classify' first")
        return pd.DataFrame(columns=list(QUEUE_COLUMNS))
    labels, matrix = probability_matrix(pool["probabilities"])
    if len(labels) < 2:
        raise ModelError("the stored predictions have no stance probabilities; reclassify with 'tracker classify'")
    drawn = method == RANDOM
    scores = uncertainty(matrix, METHODS[0] if drawn else method)
    # only the candidates need their text read; a random draw is already in queue order
    candidates = np.random.default_rng(seed).permutation(len(scores))[:n] if drawn else most_uncertain(scores, n)
    ids = pool["id"].iloc[candidates].tolist()
    context = _queue_context(store, ids, filters.model_version).loc[ids]
    picked = np.arange(len(ids)) if drawn else _pick(scores[candidates], context["text"].tolist(), n, cluster)
    queue = context.iloc[picked].reset_index()
    queue["uncertainty"] = scores[candidates[picked]].round(4)
    queue["rank"] = np.arange(1, len(queue) + 1)
    for column in ("stance", "arguments", "sentiment", "note"):
        queue[column] = ""
    return queue[list(QUEUE_COLUMNS)]


def _queue_context(store: Store, ids: list[str], model_version: str | None) -> pd.DataFrame:
    version = model_version or latest_model_version(store)
    frames = []
    for start in range(0, len(ids), 500):
        batch = ids[start:start + 500]
        frames.append(pd.read_sql_query(
            f"""SELECT c.id, c.lang, c.text, coalesce(parent.text, '') AS parent_text, p.stance AS model_stance,
                       p.stance_confidence AS model_confidence, c.source, c.thread_id, c.created_at
                FROM comments c JOIN predictions p ON p.comment_id = c.id AND p.model_version = ?
                LEFT JOIN comments parent ON parent.id = c.parent_id
                WHERE c.id IN ({', '.join('?' * len(batch))})""", store.conn, params=[version, *batch]))
    context = pd.concat(frames, ignore_index=True)
    context["created_at"] = [from_epoch(int(s)).isoformat() for s in context["created_at"]]
    context["model_confidence"] = context["model_confidence"].round(4)
    return context.set_index("id")


# --- adding labels ------------------------------------------------------------------------

def label_sets(card: dict | None = None) -> dict[str, tuple[str, ...]]:
    """The labels a reviewer may give: the contract's (docs/labeling.md), except for a head
    whose model was trained on labels of its own (not all in the contract): then the model's."""
    contract = {"stance": STANCES, "arguments": ARGUMENTS, "sentiment": SENTIMENTS}
    model = (card or {}).get("labels", {})
    return {head: tuple(model[head]) if model.get(head) and not set(model[head]) <= set(allowed) else allowed
            for head, allowed in contract.items()}


def label_problems(stance, arguments, sentiment, allowed: dict[str, tuple[str, ...]]) -> list[tuple[str, str]]:
    """(field, message) for every way one label breaks the label sets."""
    problems = []
    if stance not in allowed["stance"]:
        problems.append(("stance", f"'{stance or ''}' is not one of {', '.join(allowed['stance'])}"))
    tags = split_arguments(arguments) if not isinstance(arguments, (list, tuple)) else list(arguments)
    for tag in tags:
        if tag not in allowed["arguments"]:
            problems.append(("arguments", f"'{tag}' is not one of {', '.join(allowed['arguments'])} "
                                          "(separate tags with ';')"))
    if len(set(tags)) != len(tags):
        problems.append(("arguments", "a tag is repeated"))
    if stance == "off_topic" and tags:
        problems.append(("arguments", "an off_topic comment carries no argument tags"))
    if sentiment not in allowed["sentiment"]:
        problems.append(("sentiment", f"'{sentiment or ''}' is not one of {', '.join(allowed['sentiment'])}"))
    return problems


def add_label(store: Store, comment_id: str, reviewer: str, stance: str, arguments="", sentiment: str | None = None,
              note: str | None = None, card: dict | None = None) -> int:
    """Store one human label (all three heads; `arguments` a list or 'a;b', empty for none)
    and return its row id. The comment's earlier labels and predictions stay as they were."""
    problems = label_problems(stance, arguments, sentiment, label_sets(card))
    if not str(reviewer or "").strip():
        problems.insert(0, ("reviewer", "empty; say who labeled the comment"))
    if store.conn.execute("SELECT 1 FROM comments WHERE id = ?", (comment_id,)).fetchone() is None:
        problems.insert(0, ("id", f"'{comment_id}' is not a comment in the store"))
    if problems:
        raise LabelError(f"label for '{comment_id}' not stored: " + "; ".join(f"{f}: {m}" for f, m in problems))
    tags = list(arguments) if isinstance(arguments, (list, tuple)) else split_arguments(arguments)
    with store.transaction() as conn:
        cursor = conn.execute(
            "INSERT INTO labels (comment_id, reviewer, labeled_at, stance, arguments, sentiment, note) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (comment_id, reviewer.strip(), int(time.time()), stance, join_arguments(tags), sentiment, note or None))
        record_label(conn, cursor.lastrowid)
    return cursor.lastrowid


# --- importing and exporting label files ----------------------------------------------------

@dataclass
class ImportResult:
    stored: int = 0
    unchanged: int = 0
    skipped: int = 0  # rows left blank: not labeled yet
    ids: list[str] = field(default_factory=list)  # every id labeled in the file, stored or unchanged


def _cell(record: dict, column: str) -> str:
    return str(record.get(column, "") or "").strip()


def _unneutralized(value: str) -> str:
    """An id as written before a spreadsheet-safe export prefixed it with an apostrophe."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_PREFIXES) else value


def import_labels(store: Store, path: str | Path, reviewer: str | None = None, card: dict | None = None,
                  show: int = 20) -> ImportResult:
    """Store the labels of a filled-in queue (or any file with id, stance, arguments, sentiment).

    All or nothing: LabelError lists every bad row with its row number and field, and then no
    label is stored. The reviewer is the row's `reviewer` cell, else `reviewer`.
    """
    frame = read_table(path).fillna("").astype(str)
    missing = [c for c in ("id", "stance", "sentiment") if c not in frame.columns]
    if missing:
        raise LabelError(f"{path}: column(s) {', '.join(missing)} not found; a label file needs id, stance, "
                         "arguments and sentiment (as in 'tracker review queue' files)")
    allowed, problems, rows, result = label_sets(card), [], [], ImportResult()
    frame["id"] = frame["id"].str.strip().map(_unneutralized)
    known = _known_ids(store, frame["id"].tolist())
    repeated = set(frame["id"][frame["id"].duplicated()])
    for index, record in enumerate(frame.to_dict("records")):
        number = index + 2
        add = lambda field, message: problems.append(Problem(str(path), number, field, message))  # noqa: E731
        values = {c: _cell(record, c) for c in ("id", "stance", "arguments", "sentiment", NOTE_COLUMN)}
        if not any(values[c] for c in ("stance", "arguments", "sentiment", NOTE_COLUMN)):
            result.skipped += 1
            continue
        if not values["id"]:
            add("id", "empty; keep the id column of the queue file")
        elif values["id"] not in known:
            add("id", f"'{values['id']}' is not a comment in the store; check the --db and the id column")
        elif values["id"] in repeated:
            add("id", f"'{values['id']}' is labeled on more than one row; keep one")
        for name, message in label_problems(values["stance"], values["arguments"], values["sentiment"], allowed):
            add(name, message)
        who = _cell(record, REVIEWER_COLUMN) or (reviewer or "").strip()
        if not who:
            add(REVIEWER_COLUMN, "empty; give --reviewer NAME or fill the reviewer column")
        rows.append((values["id"], who, values["stance"], join_arguments(split_arguments(values["arguments"])),
                     values["sentiment"], values[NOTE_COLUMN] or None))
    if problems:
        listed = "\n".join(str(p) for p in problems[:show])
        more = f"\n... and {len(problems) - show} more" if len(problems) > show else ""
        raise LabelError(f"{len(problems)} problem(s) in {path}; nothing was imported, fix them and import again:\n"
                         f"{listed}{more}")
    latest = _latest_labels(store, [r[0] for r in rows])
    now = int(time.time())
    with store.transaction() as conn:
        for row in rows:
            result.ids.append(row[0])
            if latest.get(row[0]) == row[1:]:
                result.unchanged += 1
                continue
            cursor = conn.execute("INSERT INTO labels (comment_id, reviewer, labeled_at, stance, arguments, sentiment, "
                                  "note) VALUES (?, ?, ?, ?, ?, ?, ?)", (row[0], row[1], now, *row[2:]))
            record_label(conn, cursor.lastrowid)
            result.stored += 1
    return result


def _known_ids(store: Store, ids: list[str]) -> set[str]:
    known: set[str] = set()
    unique = sorted(set(ids))
    for start in range(0, len(unique), 500):
        batch = unique[start:start + 500]
        known.update(r[0] for r in store.conn.execute(
            f"SELECT id FROM comments WHERE id IN ({', '.join('?' * len(batch))})", batch))
    return known


LATEST_LABEL_ROWS = "SELECT l.* FROM labels l WHERE l.id IN (SELECT max(id) FROM labels GROUP BY comment_id)"


def _latest_labels(store: Store, ids: list[str]) -> dict[str, tuple]:
    wanted = set(ids)
    return {r[0]: tuple(r[1:]) for r in store.conn.execute(
        f"SELECT comment_id, reviewer, stance, arguments, sentiment, note FROM ({LATEST_LABEL_ROWS})")
        if r[0] in wanted}


def labels_frame(store: Store) -> pd.DataFrame:
    """The latest human label of every labeled comment, with EXPORT_COLUMNS plus `parent_text`.

    `parent_id` is kept only when the parent is itself labeled, so the rows form a valid
    labeled file; the parent's words stay available in `parent_text`.
    """
    frame = pd.read_sql_query(
        f"""SELECT c.id, c.lang, c.text, l.stance, coalesce(l.arguments, '') AS arguments, l.sentiment, c.source,
                   c.created_at, coalesce(c.thread_id, '') AS thread_id, coalesce(c.parent_id, '') AS parent_id,
                   coalesce(c.author, '') AS author, coalesce(l.note, '') AS note, l.reviewer, l.labeled_at,
                   coalesce(parent.text, '') AS {PARENT}
            FROM ({LATEST_LABEL_ROWS}) l JOIN comments c ON c.id = l.comment_id
            LEFT JOIN comments parent ON parent.id = c.parent_id
            ORDER BY c.created_at, c.id""", store.conn)
    frame["created_at"] = [from_epoch(int(s)).isoformat() for s in frame["created_at"]]
    frame["labeled_at"] = [from_epoch(int(s)).isoformat() for s in frame["labeled_at"]]
    frame.loc[~frame["parent_id"].isin(set(frame["id"])), "parent_id"] = ""
    return frame[list(EXPORT_COLUMNS) + [PARENT]]


def export_labels(store: Store, out: str | Path, fmt: str | None = None) -> int:
    """Write the latest human label of every labeled comment in the label contract's format
    (docs/labeling.md) plus `reviewer` and `labeled_at`; returns the row count. Superseded
    labels stay in the store. CSV cells are made spreadsheet-safe like every export."""
    frame = labels_frame(store)[list(EXPORT_COLUMNS)]
    return write_frames([frame] if len(frame) else [], out, fmt, columns=list(EXPORT_COLUMNS))


def review_training_frame(store: Store) -> pd.DataFrame:
    """Human labels as training rows: the labeled-file columns, `parent_text`, `author_text` and
    `replies_text` (so a comment's context is used even when the comments around it are not
    labeled) and `from_reviews` = True. A comment without a thread is its own thread, so
    cross-validation can still group by thread."""
    frame = labels_frame(store).drop(columns=[REVIEWER_COLUMN, "labeled_at"])
    frame[AUTHOR_TEXT] = store_author_texts(store.conn, frame)
    frame[REPLIES_TEXT] = store_replies_texts(store.conn, frame)
    frame["thread_id"] = frame["thread_id"].where(frame["thread_id"] != "", frame["id"])
    frame[FROM_REVIEWS] = True
    return frame


def frame_fingerprint(frame: pd.DataFrame) -> str:
    """SHA-256 of a DataFrame's CSV form: names the exact review labels a model was trained on."""
    return hashlib.sha256(frame.to_csv(index=False).encode("utf-8")).hexdigest()


def model_prediction(store: Store, comment_id: str, model_version: str | None = None) -> dict | None:
    """The model's prediction for one comment: stance, stance_confidence, arguments (list),
    sentiment, and probabilities (DataFrame label, probability, largest first); None if none."""
    from tracker.store import latest_model_version

    row = store.conn.execute(
        "SELECT stance, stance_confidence, arguments, sentiment, probabilities FROM predictions "
        "WHERE comment_id = ? AND model_version = ?", (comment_id, model_version or latest_model_version(store))).fetchone()
    if row is None:
        return None
    stance, confidence, arguments, sentiment, cells = row
    probabilities = json.loads(cells or "{}")
    frame = pd.DataFrame({"label": list(probabilities), "probability": list(probabilities.values())})
    return {"stance": stance, "stance_confidence": confidence, "arguments": split_arguments(arguments),
            "sentiment": sentiment, "probabilities": frame.sort_values("probability", ascending=False, ignore_index=True)}
