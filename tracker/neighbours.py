"""A second stance stage: each comment's stance read again beside its neighbours' predicted stance.

The stance head reads the words of a comment's parent, of its author's other comments in the
thread and of its replies, as blocks of a linear model; it cannot read their *stance*: a reply
that rebuts a pro-open parent is pro-closed, and an author mostly argues one side through a
thread. This stage does, with a multinomial logistic regression over the logarithms of the
head's probabilities for the comment and for its neighbours (its parent's and grandparent's,
the mean of its author's other comments' in the thread, of its replies', of its siblings' and
of its thread's other comments'), learned on the head's out-of-fold probabilities
(`fit_stage`). It needs every comment of a thread predicted by the head before any is final:
a second pass over a file (`read_with_neighbours`) or over the store. A comment without
neighbours keeps the head's probabilities: recalibrating lone comments cost 0.7 points on
the independent sets (docs/benchmarks.md).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tracker.context import arrow_strings, id_strings
from tracker.schema import UNKNOWN_AUTHORS

EPS = 1e-6
MIN_ROWS = 50  # comments with neighbours needed to learn the stage at all


class _Groups:
    """Rows of a pool by a group code (-1: none), for the mean over a group's other members."""

    def __init__(self, codes: np.ndarray, groups: int = 0):
        self.codes = codes
        self.members = np.flatnonzero(codes >= 0)
        # at least `groups`, and one more than used: where code -1 looks
        self.count = np.bincount(codes[self.members], minlength=max(groups, int(codes.max(initial=-1)) + 1) + 1)
        self.last = np.full(len(self.count), -1)  # each group's last row
        np.maximum.at(self.last, codes[self.members], self.members)

    def sums(self, proba: np.ndarray) -> np.ndarray:
        """Each group's sum of its members' rows of `proba`."""
        return np.column_stack([np.bincount(self.codes[self.members], weights=proba[self.members, j],
                                            minlength=len(self.count)) for j in range(proba.shape[1])])

    def add(self, total: np.ndarray, proba: np.ndarray, rows: np.ndarray) -> None:
        """Add to `total` (a `sums`) the rows `rows` of `proba`."""
        members = rows[self.codes[rows] >= 0]
        np.add.at(total, self.codes[members], proba[members])

    def others(self, group: np.ndarray, member: bool) -> np.ndarray:
        """How many rows group `group` has besides the row (`member`: is the row one of them)."""
        return np.where(group >= 0, self.count[np.maximum(group, 0)], 0) - member


def _strings(pool: pd.DataFrame, column: str) -> pa.Array:
    """A pool's column as Arrow strings, ids as `id_strings` reads them, missing ones empty."""
    return arrow_strings(id_strings(pool[column]) if column in pool else pd.Series([""] * len(pool), dtype=object))


def _codes(keys: pa.Array, known: pa.Array) -> np.ndarray:
    """A group code per row (-1 where not `known`), in Arrow, not row by row in Python."""
    codes = pc.dictionary_encode(keys).indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return np.where(known.to_numpy(zero_copy_only=False), codes, -1)


class Links:
    """Row positions of each comment's neighbours within a pool of comments (columns id, and
    parent_id, thread_id and author, or some of them; an unknown author is no one): its parent
    and grandparent, its author's other comments in the thread, its replies, its siblings (the
    parent's other replies), and its thread's other comments. Found by Arrow's hash joins: a
    file's 200,000 comments in a fraction of a second."""

    def __init__(self, pool: pd.DataFrame):
        n = self.size = len(pool)
        rows = np.arange(n)
        ids, parents = _strings(pool, "id"), _strings(pool, "parent_id")
        # where an id repeats, its last row: found in the ids reversed
        at = pc.index_in(parents, value_set=ids[::-1]).to_numpy(zero_copy_only=False)
        has = ~np.isnan(at) & (pc.not_equal(parents, "").to_numpy(zero_copy_only=False)) if n else np.zeros(0, bool)
        parent = np.where(has, n - 1 - np.nan_to_num(at).astype(np.int64), -1)
        self.parent = np.where(parent == rows, -1, parent)
        grand = np.where(self.parent >= 0, self.parent[np.maximum(self.parent, 0)], -1)
        self.grandparent = np.where(grand == rows, -1, grand)
        threads, authors = _strings(pool, "thread_id"), _strings(pool, "author")
        in_thread = pc.not_equal(pc.utf8_trim_whitespace(threads), "")
        known = pc.and_(in_thread, pc.invert(pc.is_in(pc.utf8_lower(pc.utf8_trim_whitespace(authors)),
                                                      value_set=pa.array(sorted(UNKNOWN_AUTHORS)))))
        if "thread_id" not in pool or "author" not in pool:
            known = pa.array(np.zeros(n, dtype=bool))
        keys = pc.binary_join_element_wise(threads, authors, pa.scalar("\x1f", pa.large_string()))
        self.authors = _Groups(_codes(keys, known))  # the same groups as `tracker.context.author_keys`
        self.replies = _Groups(self.parent, n)  # group i: the replies to row i
        self.threads = _Groups(_codes(threads, in_thread))
        # the last row each row's features read: a stream can finish a row once it has predicted that far
        self.reach = np.max([rows, self.parent, self.grandparent, self.authors.last[self.authors.codes],
                             self.replies.last[rows], self.replies.last[self.parent],
                             self.threads.last[self.threads.codes]], axis=0) if n else rows

    def has_any(self, rows: np.ndarray) -> np.ndarray:
        """Which of `rows` have a neighbour in the pool."""
        return ((self.parent[rows] >= 0) | (self.authors.others(self.authors.codes[rows], True) > 0)
                | (self.replies.count[rows] > 0) | (self.threads.others(self.threads.codes[rows], True) > 0))

    def sums(self, proba: np.ndarray) -> list[np.ndarray]:
        """The group sums that `features` reads."""
        return [groups.sums(proba) for groups in (self.authors, self.replies, self.threads)]

    def add_to_sums(self, sums: list[np.ndarray], proba: np.ndarray, rows: np.ndarray) -> None:
        """Add the rows `rows` of `proba` to `sums`: a stream's, built chunk by chunk."""
        for groups, total in zip((self.authors, self.replies, self.threads), sums):
            groups.add(total, proba, rows)

    def features(self, proba: np.ndarray, rows: np.ndarray, sums: list[np.ndarray] | None = None) -> np.ndarray:
        """For `rows`, from every pool row's stance probabilities `proba` (those that `rows`
        read, up to `reach`, must be set) and their `sums` (default: computed here): the
        logarithms of the row's own, of its parent's, of the mean of its author's other
        comments' and of its replies', of its grandparent's, of the mean of its siblings' and of
        its thread's other comments'; each neighbour's zero, with an indicator, where it has
        none."""
        own = proba[rows]
        author_sum, reply_sum, thread_sum = self.sums(proba) if sums is None else sums

        def row(positions):
            return proba[np.maximum(positions, 0)], positions >= 0

        def mean(groups, total, group, member):
            others = groups.others(group, member)
            total = total[np.maximum(group, 0)] - (own if member else 0)
            return total / np.maximum(others, 1)[:, None], others > 0

        parent = self.parent[rows]
        parts = [row(parent), mean(self.authors, author_sum, self.authors.codes[rows], True),
                 mean(self.replies, reply_sum, rows, False), row(self.grandparent[rows]),
                 mean(self.replies, reply_sum, parent, True),
                 mean(self.threads, thread_sum, self.threads.codes[rows], True)]
        blocks = [np.log(own + EPS)]
        for values, has in parts:
            blocks += [np.log(np.clip(values, 0, 1) + EPS) * has[:, None], has[:, None]]
        return np.hstack(blocks)


@dataclass
class NeighbourStance:
    """The fitted second stage of a stance head with these labels."""

    labels: list[str]
    combiner: object  # a fitted multinomial LogisticRegression over Links.features

    def probabilities(self, proba: np.ndarray, links: Links, rows: np.ndarray,
                      sums: list[np.ndarray] | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Which of `rows` have neighbours, and their stance probabilities read with them
        (columns in `labels` order); `sums` as `Links.features` takes them."""
        near = links.has_any(rows)
        if not near.any():
            return near, np.zeros((0, len(self.labels)))
        return near, self.combined(links.features(proba, rows[near], sums))

    def combined(self, features: np.ndarray) -> np.ndarray:
        """The combiner's probabilities for rows of `Links.features`, in `labels` order (a
        label the combiner never saw gets 0)."""
        found = self.combiner.predict_proba(features)
        out = np.zeros((len(features), len(self.labels)))
        for j, label in enumerate(self.combiner.classes_):
            out[:, self.labels.index(label)] = found[:, j]
        return out

    def apply(self, predicted: pd.DataFrame, proba: np.ndarray, links: Links, rows: np.ndarray,
              sums: list[np.ndarray] | None = None) -> pd.DataFrame:
        """`predicted` (the predictor's output for `rows`, in that order), its stance columns
        changed in place where a row has neighbours, to the stance read with them."""
        near, found = self.probabilities(proba, links, rows, sums)
        if not near.any():
            return predicted
        changes = {f"p_{label}": found[:, j].round(4) for j, label in enumerate(self.labels)}
        changes.update(stance=np.asarray(self.labels, dtype=object)[found.argmax(axis=1)],
                       stance_confidence=found.max(axis=1).round(4))
        for column, values in changes.items():  # whole columns: far quicker than cell by cell
            updated = predicted[column].to_numpy(copy=True)
            updated[near] = values
            predicted[column] = updated
        return predicted


def head_probabilities(predicted: pd.DataFrame, labels: list[str]) -> np.ndarray:
    """The stance probabilities of a predictor's output, in `labels` order."""
    return predicted[[f"p_{label}" for label in labels]].to_numpy(dtype=float)


def read_with_neighbours(stage: NeighbourStance, pairs, find_links):
    """The (chunk, predicted) pairs of a stream in pool order, each predicted again with its
    rows' neighbours once the head has predicted them all: a chunk is held until the stream has
    passed the last row its rows read (`Links.reach`), the next chunk or two in a file in thread
    order, all of it in one in random order. `find_links()` gives the pool's Links, or None
    (then the pairs pass unchanged)."""
    held: deque = deque()  # (first row, chunk, predicted)
    links, proba, sums, done = None, None, None, 0
    for chunk, predicted in pairs:
        if proba is None:
            links = find_links()
            if links is None or links.size == 0:
                yield chunk, predicted
                yield from pairs
                return
            proba = np.zeros((links.size, len(stage.labels)))
            sums = links.sums(proba)  # zeros, to which each chunk adds its rows'
        if done + len(chunk) > links.size:
            raise ValueError(f"the stream has more rows ({done + len(chunk)}) than its pool ({links.size})")
        proba[done:done + len(chunk)] = head_probabilities(predicted, stage.labels)
        links.add_to_sums(sums, proba, np.arange(done, done + len(chunk)))
        held.append((done, chunk, predicted))
        done += len(chunk)
        while held and links.reach[held[0][0]:held[0][0] + len(held[0][1])].max(initial=-1) < done:
            yield _finished(stage, held.popleft(), proba, links, sums)
    while held:
        yield _finished(stage, held.popleft(), proba, links, sums)


def _finished(stage: NeighbourStance, item, proba: np.ndarray, links: Links, sums: list[np.ndarray]):
    start, chunk, predicted = item
    return chunk, stage.apply(predicted, proba, links, np.arange(start, start + len(chunk)), sums)


def fit_stage(proba: np.ndarray, frame: pd.DataFrame, labels: list[str], folds: np.ndarray,
              c: float = 1.0) -> tuple[NeighbourStance | None, np.ndarray]:
    """The second stage learned on the head's out-of-fold probabilities `proba` of the labeled
    comments of `frame` (with `stance` and its keys), and the probabilities it gives them
    cross-fitted on `folds` (each fold's from a stage learned on the others), the head's for
    the comments without neighbours. None (and `proba`) when the comments have no ids, fewer than
    MIN_ROWS have neighbours, or these show fewer than two labels."""
    from sklearn.linear_model import LogisticRegression

    if "id" not in frame:
        return None, proba
    links = Links(frame)
    rows = np.arange(len(frame))
    near = links.has_any(rows)
    y = frame["stance"].astype(str).to_numpy()
    if near.sum() < MIN_ROWS or len(set(y[near])) < 2:
        return None, proba
    X = links.features(proba, rows[near])

    def fitted(mask) -> NeighbourStance:
        # Newton's method: the few dense inputs converge in about 7 steps, 12 times sooner than lbfgs
        combiner = LogisticRegression(C=c, solver="newton-cholesky", max_iter=300)
        return NeighbourStance(labels, combiner.fit(X[mask], y[near][mask]))

    out = proba.copy()
    for fold in np.unique(folds[near]):
        test = folds[near] == fold
        if len(set(y[near][~test])) < 2:
            continue
        out[rows[near][test]] = fitted(~test).combined(X[test])
    return fitted(np.ones(len(X), dtype=bool)), out
