"""Prediction of comments in batches: one DataFrame (`predict_frame`), or a stream of chunks in
input order across this process and worker processes (`predict_chunks`)."""

from __future__ import annotations

import contextlib
import functools
from collections import deque

import numpy as np
import pandas as pd

from tracker.context import CONTEXT, KEYS, ThreadIndex
from tracker.features import LANG, TEXT
from tracker.neighbours import Links, head_probabilities
from tracker.text import detect_languages
from tracker.workers import Workers


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


def predict_pool(predictor, frame: pd.DataFrame) -> pd.DataFrame:
    """`predict_frame` for a frame that holds whole threads (a labeled file read by
    `tracker.train.prepare`, say), each comment's neighbours for the predictor's second stance
    stage, if it has one, found among its rows by their ids."""
    predicted = predict_frame(predictor, frame)
    stage = getattr(predictor, "neighbours", None)
    if stage is None or "id" not in frame:
        return predicted
    proba = head_probabilities(predicted, stage.labels)
    return stage.apply(predicted, proba, Links(frame), np.arange(len(frame)))


def _read_columns(predictor, frame: pd.DataFrame, keys: bool) -> list[str]:
    """The columns `predict_frame` reads (with `keys`, those that find a row's threads too):
    only these travel to a worker process."""
    wanted = (TEXT, *CONTEXT, LANG, getattr(predictor, "target_column", None), *(KEYS if keys else ()))
    return [column for column in wanted if column and column in frame]


class _Ready:
    """A prediction made in this process, with the interface of a pool's AsyncResult."""

    def __init__(self, value: pd.DataFrame):
        self.value = value

    def ready(self) -> bool:
        return True

    def get(self) -> pd.DataFrame:
        return self.value


def predict_chunks(predictor, chunks, jobs: int | Workers = 1, find_threads=None):
    """(chunk, predictions) in input order, each chunk read with its context from the
    ThreadIndex that `find_threads()` gives, if that function is given and gives one. `jobs`
    is a number of processes, or `Workers` already started.

    With jobs > 1 this process is one of the `jobs` that predict: it keeps each of the
    `jobs - 1` workers two chunks ahead and predicts the next chunk itself whenever they are
    busy, and the last one unless they are idle, so no core waits while the workers start or
    finish, and `--jobs 2` on two cores runs two processes, not three. `find_threads`
    (picklable) runs once in every process, in parallel: each reads the file's threads itself
    rather than receive them (a pickle of a file's ids takes longer to write and read than the
    file to parse), this one only after handing the workers their first chunks.
    """

    @functools.cache
    def threads() -> ThreadIndex | None:
        return find_threads() if find_threads else None

    def here(chunk: pd.DataFrame) -> pd.DataFrame:
        return predict_frame(predictor, chunk, threads())

    with contextlib.nullcontext(jobs) if isinstance(jobs, Workers) else Workers(jobs) as workers:
        if workers.jobs == 1:
            for chunk in chunks:
                yield chunk, here(chunk)
            return
        pending: deque = deque()  # (chunk, result) in input order
        chunks = iter(chunks)
        ahead = next(chunks, None)
        while ahead is not None:
            chunk, ahead = ahead, next(chunks, None)
            while pending and (pending[0][1].ready() or len(pending) > 8 * workers.jobs):  # memory stays bounded
                done, result = pending.popleft()
                yield done, result.get()
            busy = sum(not result.ready() for _, result in pending)
            # the last chunk goes to a worker only if none is busy, else this process would wait for it
            if busy < 2 * (workers.jobs - 1) and not (ahead is None and busy):
                sent = chunk[_read_columns(predictor, chunk, find_threads is not None)]
                pending.append((chunk, workers.submit(predictor, sent, find_threads)))
            else:
                pending.append((chunk, _Ready(here(chunk))))
        while pending:
            done, result = pending.popleft()
            yield done, result.get()
