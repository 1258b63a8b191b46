"""Batch prediction: comments in the store, or a file to a file, in chunks and in parallel."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
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
    done, sample = 0, DriftSample()

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

    try:
        for chunk, predicted in predict_chunks(predictor, chunks(), jobs):
            _write_predictions(store, chunk["id"].tolist(), predicted, version)
            sample.add(chunk, predicted)
            done += len(chunk)
            bar.update(len(chunk))
    except BaseException:
        store.finish_run(run_id, status="failed", read=done, stored=done)
        raise
    finally:
        bar.close()
    details = sample.details(store, predictor, card)  # drift from the training data, for the dashboard
    aggregates.rebuild(store, version)  # the per-hour counts every view over time reads
    store.finish_run(run_id, read=done, stored=done, details=details)
    return {"classified": done, "model_version": version, "run_id": run_id, "drift": details.get("drift")}


def _write_predictions(store: Store, ids: list[str], predicted: pd.DataFrame, version: str) -> None:
    labels = [c[2:] for c in predicted.columns if c.startswith("p_")]
    probabilities = predicted[[f"p_{label}" for label in labels]].to_numpy(dtype=float)
    n = len(ids)

    def column(name, default=None):
        return predicted[name].tolist() if name in predicted else [default] * n

    scores = [None if v is None else float(v) for v in column("sentiment_score")]
    rows = zip(ids, [version] * n, column("stance"), [float(v) for v in column("stance_confidence", np.nan)],
               [json.dumps(dict(zip(labels, map(float, row)))) for row in probabilities], column("arguments", ""),
               column("sentiment"), scores, [int(time.time())] * n)
    with store.transaction() as conn:
        conn.executemany(
            "INSERT OR IGNORE INTO predictions (comment_id, model_version, stance, stance_confidence, probabilities, "
            "arguments, sentiment, sentiment_score, predicted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


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
    """`_file_context` of a file, found when called: picklable, and equal for the same file, so
    that each worker process finds the file's threads once."""

    source: Path
    text_column: str
    chunk_rows: int

    def __call__(self) -> ThreadIndex | None:
        return _file_context(self.source, self.text_column, self.chunk_rows)


def classify_file(predictor, source: str | Path, out: str | Path, text_column: str = TEXT, jobs: int | Workers = 1,
                  chunk_rows: int = CHUNK_ROWS, progress: bool = False, context: bool = True) -> int:
    """Write `out` with every input column plus the prediction columns, predicted in `jobs`
    processes (or `Workers` already started); returns the row count.

    An input column that has a prediction's name (a gold `stance`, say) is kept, and the
    prediction is written beside it as `predicted_<name>`; an input `lang` is used as given.
    A row is read with its parent's words, its author's other comments in the thread and its
    replies when the file gives them as `parent_text`, `author_text` and `replies_text`
    columns, or else (with `context`) when it has the `id` and `parent_id`, or `thread_id` and
    `author`, columns to find them in the file itself.
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
        for chunk, predicted in predict_chunks(predictor, frames(), jobs, find_threads):  # context read, not written
            predicted = predicted.drop(columns=[LANG]) if LANG in chunk else predicted
            predicted = predicted.rename(columns={c: f"predicted_{c}" for c in predicted.columns if c in chunk})
            bar.update(len(chunk))
            yield pd.concat([chunk.rename(columns={TEXT: text_column}), predicted], axis=1)

    try:
        return write_frames(merged(), out)
    finally:
        bar.close()
