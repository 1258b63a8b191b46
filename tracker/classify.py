"""Batch prediction: comments in the store, or a file to a file, in chunks and in parallel."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tracker import aggregates
from tracker.batches import predict_chunks
from tracker.chunks import read_chunks
from tracker.context import (AUTHOR_TEXT, CONTEXT, KEYS, REPLIES_TEXT, ThreadIndex, id_strings, store_author_texts,
                             store_replies_texts)
from tracker.drift import DriftSample
from tracker.errors import InputError
from tracker.features import LANG, TEXT
from tracker.neighbours import Links, head_probabilities, read_with_neighbours
from tracker.progress import progress_bar
from tracker.store import Store
from tracker.workers import Workers

# Comments per chunk: the larger, the more words and texts repeat within one (each is read once
# per chunk); 10,000 instead of 5,000 gains 12-14% in one process, 6-8% on two jobs, for about
# 100 MB more per process (docs/benchmarks.md).
CHUNK_ROWS = 10_000


def classify_store(store: Store, predictor, card: dict, jobs: int | Workers = 1, chunk_rows: int = CHUNK_ROWS,
                   progress: bool = False) -> dict:
    """Predict every comment that has no prediction from this model version yet, in `jobs`
    processes (or `Workers` already started).

    Each chunk is committed on its own, so a killed run resumes where it stopped and never
    writes a prediction twice (the key is comment id and model version).
    """
    version = card["version"]
    pending_sql = ("FROM comments c LEFT JOIN predictions p ON p.comment_id = c.id AND p.model_version = ? "
                   "LEFT JOIN comments parent ON parent.id = c.parent_id WHERE p.comment_id IS NULL")
    total = store.conn.execute("SELECT count(*) FROM comments c LEFT JOIN predictions p ON p.comment_id = c.id "
                               "AND p.model_version = ? WHERE p.comment_id IS NULL", (version,)).fetchone()[0]
    run_id = store.start_run("classify", params={"jobs": getattr(jobs, "jobs", jobs)}, model_version=version)
    bar = progress_bar(total=total, desc="classify", unit="comment", enabled=progress)
    done, sample, read_again = 0, DriftSample(), 0

    def chunks():
        # keyset pagination: rows already predicted leave the pending set while we page through it
        seen, last_id = 0, ""
        while seen < total:
            frame = pd.read_sql_query(
                f"SELECT c.id, c.text, c.lang, coalesce(parent.text, '') AS parent_text, c.thread_id, c.author "
                f"{pending_sql} AND c.id > ? ORDER BY c.id LIMIT ?", store.conn,
                params=(version, last_id, min(chunk_rows, total - seen)))
            if frame.empty:
                return
            frame[AUTHOR_TEXT] = store_author_texts(store.conn, frame)
            frame[REPLIES_TEXT] = store_replies_texts(store.conn, frame)
            seen += len(frame)
            last_id = frame["id"].iloc[-1]
            yield frame

    stage = getattr(predictor, "neighbours", None)
    try:
        for chunk, predicted in predict_chunks(predictor, chunks(), jobs):
            _write_predictions(store, chunk["id"].tolist(), predicted, version, awaiting=stage is not None)
            sample.add(chunk, predicted)
            done += len(chunk)
            bar.update(len(chunk))
        bar.close()
        if stage is not None:  # also those a killed run left waiting, or whose neighbours came since
            read_again = _read_with_neighbours(store, stage, version, chunk_rows, progress)
    except BaseException:
        store.finish_run(run_id, status="failed", read=done, stored=done)
        raise
    finally:
        bar.close()
    details = sample.details(store, predictor, card)  # drift from the training data, for the dashboard
    aggregates.rebuild(store, version)  # the per-hour counts every view over time reads
    store.finish_run(run_id, read=done, stored=done, details=details)
    return {"classified": done, "read_with_neighbours": read_again, "model_version": version, "run_id": run_id,
            "drift": details.get("drift")}


def _write_predictions(store: Store, ids: list[str], predicted: pd.DataFrame, version: str,
                       awaiting: bool = False) -> None:
    """Insert the predictions of a chunk; `awaiting`: the head's, kept as such too, until the
    model's second stance stage reads them with their neighbours'."""
    labels = [c[2:] for c in predicted.columns if c.startswith("p_")]
    probabilities = _probability_texts(labels, head_probabilities(predicted, labels))
    n = len(ids)

    def column(name, default=None):
        return predicted[name].tolist() if name in predicted else [default] * n

    scores = [None if v is None else float(v) for v in column("sentiment_score")]
    rows = zip(ids, [version] * n, column("stance"), [float(v) for v in column("stance_confidence", np.nan)],
               probabilities, column("arguments", ""), column("sentiment"), scores, [int(time.time())] * n,
               probabilities if awaiting else [None] * n, [int(awaiting)] * n)
    with store.transaction() as conn:
        conn.executemany(
            "INSERT OR IGNORE INTO predictions (comment_id, model_version, stance, stance_confidence, probabilities, "
            "arguments, sentiment, sentiment_score, predicted_at, head_probabilities, awaiting_neighbours) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def _probability_texts(labels: list[str], probabilities: np.ndarray) -> list[str]:
    return [json.dumps(dict(zip(labels, map(float, row)))) for row in probabilities]


def _read_with_neighbours(store: Store, stage, version: str, chunk_rows: int, progress: bool) -> int:
    """The second pass of a model with a second stance stage: each prediction of `version`
    awaiting it is read again with its neighbours' head probabilities (its thread's, parent's,
    grandparent's, replies' and siblings', `tracker.neighbours.Links`), chunk by chunk, each
    committed on its own, so that a killed run's next run goes on where it stopped; returns how
    many.

    A chunk holds whole threads (one longer than `chunk_rows` is a chunk of its own), so that
    each thread's comments are read from the store once: a thread of 200,000 comments read in
    chunks of 10,000 was read 20 times over."""
    conn = store.conn
    # the waiting comments in thread order, sorted once per run rather than once per chunk
    conn.execute("DROP TABLE IF EXISTS temp.second_pass")
    conn.execute("CREATE TEMP TABLE second_pass AS SELECT coalesce(c.thread_id, '') AS thread, p.comment_id "
                 "FROM predictions p JOIN comments c ON c.id = p.comment_id "
                 "WHERE p.model_version = ? AND p.awaiting_neighbours = 1 ORDER BY 1, 2", (version,))
    conn.execute("CREATE INDEX temp.second_pass_by_thread ON second_pass (thread)")
    total = conn.execute("SELECT count(*) FROM temp.second_pass").fetchone()[0]
    bar = progress_bar(total=total, desc="neighbours", unit="comment", enabled=progress)
    last = 0
    try:
        while True:
            rows = conn.execute("SELECT rowid, thread, comment_id FROM temp.second_pass WHERE rowid > ? "
                                "ORDER BY rowid LIMIT ?", (last, chunk_rows)).fetchall()
            if not rows:
                return total
            last, thread = rows[-1][0], rows[-1][1]
            if thread.strip():  # the rest of the last thread too
                rows += conn.execute("SELECT rowid, thread, comment_id FROM temp.second_pass WHERE thread = ? "
                                     "AND rowid > ? ORDER BY rowid", (thread, last)).fetchall()
                last = rows[-1][0]
            ids = [row[2] for row in rows]
            _read_chunk_with_neighbours(store, stage, version, ids)
            bar.update(len(ids))
    finally:
        bar.close()
        conn.execute("DROP TABLE IF EXISTS temp.second_pass")


def _read_chunk_with_neighbours(store: Store, stage, version: str, ids: list[str]) -> None:
    """`_read_with_neighbours` for the comments `ids`, in one transaction."""
    pool = pd.read_sql_query("""
        WITH chunk AS (SELECT c.id, c.parent_id, c.thread_id FROM json_each(?) j JOIN comments c ON c.id = j.value),
        parents(id) AS (SELECT DISTINCT parent_id FROM chunk WHERE parent_id IS NOT NULL),
        near(id) AS (
            SELECT id FROM chunk
            UNION SELECT id FROM parents
            UNION SELECT g.parent_id FROM parents JOIN comments g ON g.id = parents.id
            UNION SELECT r.id FROM chunk JOIN comments r ON r.parent_id = chunk.id
            -- siblings through each parent once: a post's 20,000 direct replies are not 20,000 squared pairs
            UNION SELECT s.id FROM parents JOIN comments s ON s.parent_id = parents.id
            UNION SELECT o.id FROM comments o WHERE o.thread_id IN (  -- each thread once
                  SELECT thread_id FROM chunk WHERE trim(coalesce(thread_id, '')) != ''))
        SELECT c.id, c.parent_id, c.thread_id, c.author, p.head_probabilities FROM near
        JOIN comments c ON c.id = near.id
        JOIN predictions p ON p.comment_id = c.id AND p.model_version = ? AND p.head_probabilities IS NOT NULL
    """, store.conn, params=(json.dumps(ids), version))
    proba = pd.DataFrame([json.loads(text) for text in pool.pop("head_probabilities")],
                         columns=stage.labels).fillna(0.0).to_numpy(dtype=float)
    rows = pd.Index(pool["id"]).get_indexer(ids)  # -1: a comment gone since (deleted)
    near, found = stage.probabilities(proba, Links(pool), rows[rows >= 0])
    read_again = [i for i, is_near in zip(np.asarray(ids, dtype=object)[rows >= 0], near) if is_near]
    best = found.argmax(axis=1)
    with store.transaction() as conn:
        conn.executemany(
            "UPDATE predictions SET stance = ?, stance_confidence = ?, probabilities = ?, "
            "awaiting_neighbours = 0 WHERE comment_id = ? AND model_version = ?",
            zip(np.asarray(stage.labels, dtype=object)[best], found.max(axis=1).round(4).tolist(),
                _probability_texts(stage.labels, found.round(4)), read_again, [version] * len(read_again)))
        conn.execute("UPDATE predictions SET awaiting_neighbours = 0 WHERE model_version = ? "
                     "AND comment_id IN (SELECT value FROM json_each(?))", (version, json.dumps(ids)))


def _file_context(source: Path, text_column: str, chunk_rows: int) -> ThreadIndex | None:
    """The file's comments by id, by thread and author, and by parent, read in one pass, for
    giving each row its parent's words, its author's other comments in the thread and its
    replies, as the store does; None when the file has no `id` column, or neither
    `parent_id` nor `thread_id` and `author`, or gives every context column itself. Holds the
    file's texts in memory (a dump larger than memory is better ingested into the store,
    which reads context from disk)."""
    parts = []
    for chunk in read_chunks(source, chunk_rows, columns=[*KEYS, text_column, *CONTEXT]):
        if all(column in chunk for column in CONTEXT):
            return None
        if "id" not in chunk or text_column not in chunk or not (
                "parent_id" in chunk or {"thread_id", "author"} <= set(chunk.columns)):
            return None
        part = pd.DataFrame({column: id_strings(chunk[column]) for column in KEYS if column in chunk})
        parts.append(part.assign(**{TEXT: chunk[text_column].fillna("").astype(str).array}))  # no Python copies
    if not parts:
        return None
    return ThreadIndex(pd.concat(parts, ignore_index=True))


@dataclass(frozen=True)
class _FileThreads:
    """`_file_context` of a file, found when first called and kept: picklable without what it
    found, and equal for the same file, so that each worker process finds the file's threads
    once."""

    source: Path
    text_column: str
    chunk_rows: int
    _found: dict = field(default_factory=dict, compare=False, repr=False)

    def __call__(self) -> ThreadIndex | None:
        if "threads" not in self._found:
            self._found["threads"] = _file_context(self.source, self.text_column, self.chunk_rows)
        return self._found["threads"]

    def links(self) -> Links | None:
        """The file's comments' neighbours, row by row (`tracker.neighbours`)."""
        threads = self()
        return None if threads is None else Links(threads.keys)

    def __getstate__(self) -> dict:
        return {"source": self.source, "text_column": self.text_column, "chunk_rows": self.chunk_rows}

    def __setstate__(self, state: dict) -> None:
        for name, value in {**state, "_found": {}}.items():
            object.__setattr__(self, name, value)


def classify_file(predictor, source: str | Path, out: str | Path, text_column: str = TEXT, jobs: int | Workers = 1,
                  chunk_rows: int = CHUNK_ROWS, progress: bool = False, context: bool = True) -> int:
    """Write `out` with every input column plus the prediction columns, predicted in `jobs`
    processes (or `Workers` already started); returns the row count.

    An input column that has a prediction's name (a gold `stance`, say) is kept, and the
    prediction is written beside it as `predicted_<name>`; an input `lang` is used as given.
    A row is read with its parent's words, its author's other comments in the thread and its
    replies when the file gives them as `parent_text`, `author_text` and `replies_text`
    columns, or else (with `context`) when it has the `id` and `parent_id`, or `thread_id` and
    `author`, columns to find them in the file itself; in the latter case a model with a
    second stance stage reads each row again beside its neighbours' predicted stance, once the
    rows it reads are predicted (a file in thread order is held a chunk or two; one in random
    order, whole).
    """
    from tracker.export import write_frames

    source, out = Path(source), Path(out)
    if not source.exists():
        raise InputError(f"{source}: no such file; check the path")
    find_threads = _FileThreads(source, text_column, chunk_rows) if context else None

    def frames():
        for chunk in read_chunks(source, chunk_rows):
            if chunk.empty:
                continue
            if text_column not in chunk:
                raise InputError(f"{source}: column '{text_column}' not found (columns: "
                                 f"{', '.join(map(str, chunk.columns[:12]))}); use --text-column to name it")
            if TEXT in chunk and text_column != TEXT:
                raise InputError(f"{source}: has a 'text' column besides '{text_column}'; rename one of them")
            chunk = chunk.reset_index(drop=True)
            if LANG in chunk and not chunk[LANG].isin(["en", "fr", "other"]).all():
                chunk = chunk.drop(columns=[LANG]).assign(**{f"input_{LANG}": chunk[LANG]})
            yield chunk.rename(columns={text_column: TEXT})

    bar = progress_bar(desc=f"classify {source.name}", unit="comment", enabled=progress)

    def merged():
        pairs = predict_chunks(predictor, frames(), jobs, find_threads)  # context read, not written
        stage = getattr(predictor, "neighbours", None)
        if stage is not None and find_threads is not None:  # a second pass, over the file's threads
            pairs = read_with_neighbours(stage, pairs, find_threads.links)
        for chunk, predicted in pairs:
            predicted = predicted.drop(columns=[LANG]) if LANG in chunk else predicted
            predicted = predicted.rename(columns={c: f"predicted_{c}" for c in predicted.columns if c in chunk})
            bar.update(len(chunk))
            yield pd.concat([chunk.rename(columns={TEXT: text_column}), predicted], axis=1)

    try:
        return write_frames(merged(), out)
    finally:
        bar.close()
