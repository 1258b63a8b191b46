"""Batch prediction: comments in the store, or a file to a file, in chunks and in parallel."""

from __future__ import annotations

import json
import multiprocessing
import pickle
import tempfile
import time
from collections import deque
from pathlib import Path

import numpy as np
import pandas as pd

from tracker import aggregates
from tracker.context import (AUTHOR_TEXT, CONTEXT, KEYS, REPLIES_TEXT, ThreadIndex, id_strings, store_author_texts,
                             store_replies_texts)
from tracker.drift import DriftSample
from tracker.errors import InputError
from tracker.features import LANG, TEXT
from tracker.progress import progress_bar
from tracker.store import Store
from tracker.text import detect_languages

# Comments per chunk: the larger, the more words and texts repeat within one (each is read once
# per chunk); 10,000 instead of 5,000 gains 12-14% in one process, 6-8% on two jobs, for about
# 100 MB more per process (docs/benchmarks.md).
CHUNK_ROWS = 10_000


def _read_columns(predictor, frame: pd.DataFrame, threads: ThreadIndex | None) -> list[str]:
    """The columns `predict_frame` reads: only these travel to a worker process."""
    wanted = (TEXT, *CONTEXT, LANG, getattr(predictor, "target_column", None), *(KEYS if threads else ()))
    return [column for column in wanted if column and column in frame]


def predict_frame(predictor, frame: pd.DataFrame, threads: ThreadIndex | None = None) -> pd.DataFrame:
    """Prediction columns for a DataFrame with `text` (and optional `parent_text`,
    `author_text`, `replies_text`, `lang`); with `threads`, the context columns it lacks are
    found there by its `id`, `parent_id`, `thread_id` and `author`."""
    if threads is not None:
        frame = threads.add_to(frame)
    # `.array`: the column's own (Arrow) strings, placed by position, not copied to Python objects
    work = pd.DataFrame({TEXT: frame[TEXT].fillna("").astype(str).array}, index=frame.index)
    for context in CONTEXT:
        work[context] = frame[context].fillna("").astype(str).array if context in frame else ""
    if LANG in frame and frame[LANG].notna().all():
        work[LANG] = frame[LANG].astype(str).to_numpy()
    else:
        work[LANG] = detect_languages(work[TEXT].tolist())
    target = getattr(predictor, "target_column", None)
    if target:
        work[target] = frame[target].to_numpy()
    out = predictor.predict(work)
    out.insert(0, LANG, work[LANG])
    return out


_worker_predictor, _worker_threads = None, (None, None)  # the model; (file, ThreadIndex read from it)


def _start_worker(model_file: str) -> None:
    global _worker_predictor
    with open(model_file, "rb") as handle:
        _worker_predictor = pickle.load(handle)


def _predict_in_worker(chunk: pd.DataFrame, threads_file: str | None) -> pd.DataFrame:
    global _worker_threads
    if threads_file and _worker_threads[0] != threads_file:  # read once, with the first chunk
        with open(threads_file, "rb") as handle:
            _worker_threads = (threads_file, pickle.load(handle))
    return predict_frame(_worker_predictor, chunk, _worker_threads[1] if threads_file else None)


class _Ready:
    """A prediction made in this process, with the interface of a pool's AsyncResult."""

    def __init__(self, value: pd.DataFrame):
        self.value = value

    def ready(self) -> bool:
        return True

    def get(self) -> pd.DataFrame:
        return self.value


def _predict_chunks(predictor, chunks, jobs: int, find_threads=None):
    """(chunk, predictions) in input order, each chunk read with its context from the
    ThreadIndex that `find_threads()` gives, if that function is given and gives one.

    With jobs > 1 this process is one of the `jobs` that predict: it hands chunks to
    `jobs - 1` worker processes, each of which receives the model once when it starts (not
    with every chunk), keeps each of them two chunks ahead, and predicts the next chunk itself
    whenever they are busy. So no core waits while the workers import their libraries, and
    `--jobs 2` on two cores runs two processes, not three. `find_threads` runs while the
    workers start; they receive its index once and each process finds the context of the
    chunks it predicts.
    """
    if jobs == 1:
        threads = find_threads() if find_threads else None
        for chunk in chunks:
            yield chunk, predict_frame(predictor, chunk, threads)
        return
    context = multiprocessing.get_context("spawn")  # fork is unsafe with lingua's threads
    # Workers read the model from a private file: sent through the start-up pipe, it would
    # hold the parent until each worker had imported its libraries (about a second each).
    with tempfile.TemporaryDirectory(prefix="tracker-classify-") as folder:
        model_file = Path(folder) / "model.pickle"
        model_file.write_bytes(pickle.dumps(predictor, protocol=pickle.HIGHEST_PROTOCOL))
        with context.Pool(jobs - 1, initializer=_start_worker, initargs=(str(model_file),)) as pool:
            threads = find_threads() if find_threads else None
            threads_file = None
            if threads is not None:
                threads_file = str(Path(folder) / "threads.pickle")
                Path(threads_file).write_bytes(pickle.dumps(threads, protocol=pickle.HIGHEST_PROTOCOL))
            pending: deque = deque()  # (chunk, result) in input order
            for chunk in chunks:
                while pending and (pending[0][1].ready() or len(pending) > 8 * jobs):  # memory stays bounded
                    done, result = pending.popleft()
                    yield done, result.get()
                if sum(not result.ready() for _, result in pending) < 2 * (jobs - 1):
                    sent = chunk[_read_columns(predictor, chunk, threads)]
                    pending.append((chunk, pool.apply_async(_predict_in_worker, (sent, threads_file))))
                else:
                    pending.append((chunk, _Ready(predict_frame(predictor, chunk, threads))))
            while pending:
                done, result = pending.popleft()
                yield done, result.get()


def classify_store(store: Store, predictor, card: dict, jobs: int = 1, chunk_rows: int = CHUNK_ROWS,
                   progress: bool = False) -> dict:
    """Predict every comment that has no prediction from this model version yet.

    Each chunk is committed on its own, so a killed run resumes where it stopped and never
    writes a prediction twice (the key is comment id and model version).
    """
    version = card["version"]
    pending_sql = ("FROM comments c LEFT JOIN predictions p ON p.comment_id = c.id AND p.model_version = ? "
                   "LEFT JOIN comments parent ON parent.id = c.parent_id WHERE p.comment_id IS NULL")
    total = store.conn.execute("SELECT count(*) FROM comments c LEFT JOIN predictions p ON p.comment_id = c.id "
                               "AND p.model_version = ? WHERE p.comment_id IS NULL", (version,)).fetchone()[0]
    run_id = store.start_run("classify", params={"jobs": jobs}, model_version=version)
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
        for chunk, predicted in _predict_chunks(predictor, chunks(), jobs):
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


def _read_chunks(path: Path, chunk_rows: int, columns: list[str] | None = None):
    """DataFrames of `chunk_rows` rows of a CSV/TSV/.txt table, JSON Lines or Parquet file; with
    `columns`, only those of them the file has (the others are not parsed, where the format allows)."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            parquet = pq.ParquetFile(path)
            names = None if columns is None else [c for c in parquet.schema_arrow.names if c in columns]
            for batch in parquet.iter_batches(batch_size=chunk_rows, columns=names):
                yield batch.to_pandas()
        except (pa.ArrowException, OSError) as exc:
            raise InputError(f"{path}: not a readable Parquet file ({exc})") from exc
    elif suffix in (".jsonl", ".ndjson"):
        try:
            for chunk in pd.read_json(path, lines=True, chunksize=chunk_rows, dtype=False):
                yield chunk if columns is None else chunk[[c for c in chunk.columns if c in columns]]
        except ValueError as exc:
            raise InputError(f"{path}: not valid JSON Lines ({exc}); each line must hold one JSON object") from exc
    elif suffix in (".csv", ".tsv", ".txt"):
        yield from _read_delimited_chunks(path, chunk_rows, columns)
    else:
        raise InputError(f"{path}: cannot classify '{suffix}' files; use .csv, .tsv, .txt, .jsonl or .parquet")


def _read_delimited_chunks(path: Path, chunk_rows: int, columns: list[str] | None = None):
    """CSV, TSV or a .txt table in its own encoding (UTF-8, else cp1252 and kin), read as the
    ingest reader and labeled files read it (`read_csv_options`)."""
    from tracker.ingest.tables import read_csv_options

    options = read_csv_options(path)
    try:
        usecols = None if columns is None else (lambda name: name in columns)
        yield from pd.read_csv(path, chunksize=chunk_rows, dtype=str, keep_default_na=False, usecols=usecols, **options)
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not readable as {options['encoding']} past byte {exc.start} of a chunk; "
                         "save it as UTF-8 and run again") from exc
    except pd.errors.ParserError as exc:
        raise InputError(f"{path}: {str(exc).strip().replace('Error tokenizing data. C error: ', '')}; "
                         "check its delimiter and quoting") from exc


def _file_context(source: Path, text_column: str, chunk_rows: int) -> ThreadIndex | None:
    """The file's comments by id, by thread and author, and by parent, read in one pass, for
    giving each row its parent's words, its author's other comments in the thread and its
    replies, as the store does; None when the file has no `id` column, or neither
    `parent_id` nor `thread_id` and `author`, or gives every context column itself. Holds the
    file's texts in memory (a dump larger than memory is better ingested into the store,
    which reads context from disk)."""
    parts = []
    for chunk in _read_chunks(source, chunk_rows, columns=[*KEYS, text_column, *CONTEXT]):
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


def classify_file(predictor, source: str | Path, out: str | Path, text_column: str = TEXT, jobs: int = 1,
                  chunk_rows: int = CHUNK_ROWS, progress: bool = False, context: bool = True) -> int:
    """Write `out` with every input column plus the prediction columns; returns the row count.

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
    find_threads = (lambda: _file_context(source, text_column, chunk_rows)) if context else None

    def frames():
        for chunk in _read_chunks(source, chunk_rows):
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
        for chunk, predicted in _predict_chunks(predictor, frames(), jobs, find_threads):  # context read, not written
            predicted = predicted.drop(columns=[LANG]) if LANG in chunk else predicted
            predicted = predicted.rename(columns={c: f"predicted_{c}" for c in predicted.columns if c in chunk})
            bar.update(len(chunk))
            yield pd.concat([chunk.rename(columns={TEXT: text_column}), predicted], axis=1)

    try:
        return write_frames(merged(), out)
    finally:
        bar.close()
