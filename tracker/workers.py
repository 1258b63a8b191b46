"""Worker processes that predict chunks of comments beside this one (`tracker.batches`).

This module imports nothing heavy, so that `tracker classify` starts its workers before it
imports the libraries and loads the model; the workers import them at the same time.
"""

from __future__ import annotations

import multiprocessing
import pickle
import tempfile
from pathlib import Path

_held: dict = {}  # in a worker process: the model and the threads it was last given, by where they came from


def _warm_up() -> None:
    """A worker's start, before it has a model: the libraries a prediction needs (unpickling a
    model imports scikit-learn, about a second) and the language detector."""
    import sklearn.linear_model  # noqa: F401

    import tracker.batches  # noqa: F401
    import tracker.pieces  # noqa: F401
    from tracker.text import load_detector

    load_detector()


def _predict_in_worker(chunk, model_file: str, find_threads):
    from tracker.batches import predict_frame

    if _held.get("model_file") != model_file:  # read once, with the first chunk
        with open(model_file, "rb") as handle:
            _held.update(model_file=model_file, predictor=pickle.load(handle))
    if "threads" not in _held or _held["find_threads"] != find_threads:
        _held.update(find_threads=find_threads, threads=find_threads() if find_threads else None)
    return predict_frame(_held["predictor"], chunk, _held["threads"])


class Workers:
    """`jobs - 1` worker processes that predict chunks beside this one (`predict_chunks`).

    Started before the model is loaded, as `tracker classify` does, they import their
    libraries while this process loads it, and read it when their first chunk comes, from a
    private file written once (sent through the start-up pipe, it would hold this process
    until each worker had imported its libraries; sent with every chunk, it would cost its
    pickling every time). Use as a context manager; its processes end with the block.
    """

    def __init__(self, jobs: int):
        self.jobs = max(1, jobs)
        self._model: tuple = (None, None)  # (predictor, its file)
        self._written = 0  # model files, each with a name of its own (a freed model's id may come back)
        self._folder = self._pool = None
        if self.jobs > 1:  # fork is unsafe with lingua's threads
            self._folder = tempfile.TemporaryDirectory(prefix="tracker-classify-")
            self._pool = multiprocessing.get_context("spawn").Pool(self.jobs - 1, initializer=_warm_up)

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._folder.cleanup()

    def submit(self, predictor, chunk, find_threads):
        """An AsyncResult of `predict_frame` on `chunk` in a worker, with the threads that
        `find_threads()` gives (each worker calls it once)."""
        if self._model[0] is not predictor:
            self._written += 1
            path = Path(self._folder.name) / f"model-{self._written}.pickle"
            path.write_bytes(pickle.dumps(predictor, protocol=pickle.HIGHEST_PROTOCOL))
            self._model = (predictor, str(path))
        return self._pool.apply_async(_predict_in_worker, (chunk, self._model[1], find_threads))
