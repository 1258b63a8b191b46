"""What others in the thread wrote: context for reading a comment's side.

People argue one side through a thread, so a short or ironic comment ("Exactly.", "Sure,
because that worked for Llama 4") is read better beside its author's other comments there;
author consistency is the signal that joint models of stance in online debates exploit
(Sridhar et al., 2015). And the replies a comment draws ("Source?", "This.", "Tell that to
my GPU") say how its readers took it. `author_texts` gives each comment its author's other
comments in the thread, `replies_texts` the comments that reply to it; the stance head reads
each as a block of its own features beside the parent's (the argument and sentiment heads,
about the comment's own words, give them no weight; the gains are measured in
docs/benchmarks.md). Only the words are used, never a label.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from tracker.schema import AUTHOR_LIMIT, UNKNOWN_AUTHORS

PARENT_TEXT = "parent_text"
AUTHOR_TEXT = "author_text"
REPLIES_TEXT = "replies_text"
CONTEXT = (PARENT_TEXT, AUTHOR_TEXT, REPLIES_TEXT)  # what a comment is read with, beside its own words
KEYS = ("id", "parent_id", "thread_id", "author")  # what finds a comment's context among others
# Between the comments joined in `author_text` and `replies_text`: the ASCII record separator, which every
# tokenizer here reads as a space (as it reads a line break), and on which `tracker.pieces`
# splits the text back into the comments it was made of.
SEPARATOR = "\x1e"


def id_strings(values: pd.Series) -> pd.Series:
    """Comment ids as text, missing ones empty: JSON numbers read as floats where a column has
    nulls ("1.0") are written back as the integers they were ("1")."""
    if isinstance(values.dtype, pd.StringDtype):  # as CSV files are read: already text
        return values.fillna("")
    if pd.api.types.is_float_dtype(values) and values.dropna().mod(1).eq(0).all():
        values = values.astype("Int64")
    return values.astype(object).where(values.notna(), "").astype(str)


def author_keys(frame: pd.DataFrame) -> pd.Series:
    """thread and author of each row; None where either is missing or the author unknown."""
    if "thread_id" not in frame or "author" not in frame:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    threads = frame["thread_id"].fillna("").astype(str)
    authors = frame["author"].fillna("").astype(str)
    known = threads.str.strip().ne("") & ~authors.str.strip().str.lower().isin(UNKNOWN_AUTHORS)
    return (threads + "\x1f" + authors).where(known, None)


def arrow_strings(texts: pd.Series) -> pa.Array:
    """A column of text as one Arrow array of large strings, missing values empty."""
    strings = pa.array(texts.fillna("").astype(str).array)  # Arrow strings as they are
    strings = strings.combine_chunks() if isinstance(strings, pa.ChunkedArray) else strings
    return strings.cast(pa.large_string())


def _empty(n: int) -> pa.Array:
    return pa.array([""] * n, type=pa.large_string())


class _TextIndex:
    """Texts of a pool of comments grouped by a key, each group in id order, built once so that
    any number of batches can ask for their rows' group. Lookups and joins run in pandas and
    Arrow, not row by row in Python: a file's 200,000 comments take a fraction of a second.
    `texts` (the pool's, in pool order) may be shared with other indexes of the same pool."""

    def __init__(self, keys: pd.Series, ids: pd.Series, texts: pa.Array, single: bool = True,
                 limit: int | None = None):
        self.limit = limit  # at most this many texts for one row, the group's first
        kept = keys.notna() & (keys.duplicated(keep=False) if single else True)  # a lone key gives no context
        positions = np.flatnonzero(kept.to_numpy())
        known = pa.table({"key": pa.array(keys.to_numpy(dtype=object)[positions], type=pa.large_string()),
                          "id": pa.array(ids.astype(str).to_numpy(dtype=object)[positions], type=pa.large_string())})
        order = pc.sort_indices(known, sort_keys=[("key", "ascending"), ("id", "ascending")])
        order = order.to_numpy().astype(np.int64)
        self.positions = positions[order]  # the pool's rows, by key then id
        self.ids = known["id"].take(order).to_numpy(zero_copy_only=False)
        sorted_keys = known["key"].take(order).to_numpy(zero_copy_only=False)
        firsts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]) if len(order) else order
        # object Index: an Arrow-backed one is copied to Python strings at every lookup
        self.groups = pd.Index(sorted_keys[firsts], dtype=object)
        self.starts = np.r_[firsts, len(order)]  # group g is the rows starts[g]:starts[g + 1]
        self.pool_texts = texts

    def joined(self, keys: pd.Series, ids: pd.Series) -> pa.Array:
        """For each (key, comment id), the texts of the key's group but that comment, joined by
        SEPARATOR."""
        group = self.groups.get_indexer(keys.astype(object).where(keys.notna(), None).to_numpy(dtype=object))
        found = group >= 0
        starts = np.where(found, self.starts[group], 0)
        sizes = np.where(found, self.starts[group + 1] - starts, 0)
        if self.limit is not None:  # the group's first limit + 1: the row itself may be one of them
            sizes = np.minimum(sizes, self.limit + 1)
        row = np.repeat(np.arange(len(group)), sizes)  # each member of each row's group ...
        member = np.arange(len(row)) - np.repeat(np.cumsum(sizes) - sizes, sizes) + np.repeat(starts, sizes)
        keep = np.flatnonzero(self.ids[member] != ids.astype(str).to_numpy(dtype=object)[row])  # ... but the row itself
        counts = np.bincount(row[keep], minlength=len(group))
        if self.limit is not None and len(keep) and counts.max() > self.limit:
            rank = np.arange(len(keep)) - np.repeat(np.cumsum(counts) - counts, counts)  # row[keep] is sorted
            keep = keep[rank < self.limit]
            counts = np.minimum(counts, self.limit)
        offsets = np.concatenate([[0], np.cumsum(counts)])
        texts = self.pool_texts.take(self.positions[member[keep]])
        lists = pa.LargeListArray.from_arrays(pa.array(offsets, type=pa.int64()), texts)
        return pc.binary_join(lists, pa.scalar(SEPARATOR, pa.large_string()))


class AuthorIndex(_TextIndex):
    """The comments of a pool (columns id, thread_id, author, text) by thread and author."""

    def __init__(self, pool: pd.DataFrame, texts: pa.Array | None = None):
        super().__init__(author_keys(pool), pool["id"], arrow_strings(pool["text"]) if texts is None else texts,
                         limit=AUTHOR_LIMIT)

    def texts(self, frame: pd.DataFrame) -> list[str]:
        """For each row of `frame` (columns id, thread_id, author), the texts of the pool's
        other comments by the same author in the same thread, in id order (the first
        AUTHOR_LIMIT), joined by SEPARATOR; empty when the author is unknown or wrote nothing
        else there."""
        return self.column(frame).to_pylist()

    def column(self, frame: pd.DataFrame) -> pa.Array:
        """`texts` as an Arrow array."""
        keys = author_keys(frame)
        if keys.isna().all() or "id" not in frame:
            return _empty(len(frame))
        return self.joined(keys, frame["id"].astype(str))


class ReplyIndex(_TextIndex):
    """The comments of a pool (columns id, parent_id, text) by the comment they reply to."""

    def __init__(self, pool: pd.DataFrame, texts: pa.Array | None = None):
        parents = pool["parent_id"].fillna("").astype(str) if "parent_id" in pool else pd.Series("", index=pool.index)
        super().__init__(parents.where(parents.str.strip().ne(""), None), pool["id"],
                         arrow_strings(pool["text"]) if texts is None else texts, single=False)

    def texts(self, frame: pd.DataFrame) -> list[str]:
        """For each row of `frame` (column id), the texts of the pool's comments that reply to
        it, in id order, joined by SEPARATOR; empty when none does."""
        return self.column(frame).to_pylist()

    def column(self, frame: pd.DataFrame) -> pa.Array:
        """`texts` as an Arrow array."""
        if "id" not in frame:
            return _empty(len(frame))
        ids = frame["id"].astype(str)
        return self.joined(ids, ids)


def author_texts(frame: pd.DataFrame, pool: pd.DataFrame | None = None) -> list[str]:
    """`AuthorIndex.texts` for the rows of `frame`, their authors' other comments taken from
    `pool` (default: `frame` itself)."""
    if "id" not in frame:
        return [""] * len(frame)
    return AuthorIndex(frame if pool is None else pool).texts(frame)


def replies_texts(frame: pd.DataFrame, pool: pd.DataFrame | None = None) -> list[str]:
    """`ReplyIndex.texts` for the rows of `frame`, the replies taken from `pool` (default:
    `frame` itself)."""
    if "id" not in frame:
        return [""] * len(frame)
    return ReplyIndex(frame if pool is None else pool).texts(frame)


def parent_texts(frame: pd.DataFrame) -> list[str]:
    """For each row of `frame` (columns id, parent_id, text), the text of the row it replies
    to, empty when unknown."""
    if "parent_id" not in frame or "id" not in frame:
        return [""] * len(frame)
    return ParentIndex(frame).column(frame).to_pylist()


class ParentIndex:
    """The texts of a pool of comments (columns id, text) by id, the last row where an id
    repeats; `texts` (the pool's, in pool order) may be shared with other indexes."""

    def __init__(self, pool: pd.DataFrame, texts: pa.Array | None = None):
        self.pool_texts = arrow_strings(pool["text"]) if texts is None else texts
        ids = pool["id"].astype(str).to_numpy(dtype=object)
        last = ~pd.Index(ids[::-1], dtype=object).duplicated()[::-1]
        self.by_id, self.id_rows = pd.Index(ids[last], dtype=object), np.flatnonzero(last)

    def column(self, frame: pd.DataFrame) -> pa.Array:
        """For each row of `frame` (column parent_id), its parent's text, empty when the pool
        does not have it."""
        if "parent_id" not in frame:
            return _empty(len(frame))
        at = self.by_id.get_indexer(frame["parent_id"].fillna("").astype(str).to_numpy(dtype=object))
        return self.pool_texts.take(pa.array(np.where(at >= 0, self.id_rows[at], 0), mask=at < 0)).fill_null("")


class ThreadIndex:
    """The parent, the author's other comments in the thread and the replies of any comment of
    a pool (columns id, text, and parent_id or thread_id and author or both; ids as
    `id_strings`), built once: a file's threads, with which each of its chunks is read. The
    pool's texts are held once, by all three lookups."""

    def __init__(self, pool: pd.DataFrame):
        texts = arrow_strings(pool["text"])
        self.parents, self.authors, self.replies = (ParentIndex(pool, texts), AuthorIndex(pool, texts),
                                                    ReplyIndex(pool, texts))
        self.keys = pool[[column for column in KEYS if column in pool]]  # the pool's, in pool order

    def add_to(self, frame: pd.DataFrame) -> pd.DataFrame:
        """`frame` (with the pool's key columns) and the context columns it lacks (Arrow
        strings, never copied to Python objects)."""
        keyed = frame.assign(**{column: id_strings(frame[column]) for column in KEYS if column in frame})
        found = {PARENT_TEXT: self.parents.column, AUTHOR_TEXT: self.authors.column,
                 REPLIES_TEXT: self.replies.column}
        return frame.assign(**{column: pd.Series(pd.arrays.ArrowStringArray(find(keyed)), index=frame.index)
                               for column, find in found.items() if column not in frame})


def store_replies_texts(conn, frame: pd.DataFrame) -> list[str]:
    """`replies_texts` for rows of the store's comments (column id), their replies read from
    the store."""
    if frame.empty:
        return []
    pool = pd.read_sql_query("SELECT c.id, c.parent_id, c.text FROM json_each(?) j JOIN comments c ON c.parent_id = j.value",
                             conn, params=(json.dumps(frame["id"].astype(str).tolist()),))
    return replies_texts(frame, pool)


def store_author_texts(conn, frame: pd.DataFrame) -> list[str]:
    """`author_texts` for rows of the store's comments (id, thread_id, author), their authors'
    other comments read from the store."""
    pairs = author_keys(frame).dropna().unique().tolist()
    if not pairs:
        return [""] * len(frame)
    # only each author's first AUTHOR_LIMIT + 1 in the thread, through the index on thread, author
    # and id: a comment's context is the first AUTHOR_LIMIT of them that are not itself
    pool = pd.read_sql_query(f"""
        WITH keys AS (SELECT json_extract(value, '$[0]') AS thread_id, json_extract(value, '$[1]') AS author
                      FROM json_each(?))
        SELECT c.id, c.thread_id, c.author, c.text FROM keys JOIN comments c
        ON c.thread_id = keys.thread_id AND c.author = keys.author AND c.id <= coalesce(
            (SELECT o.id FROM comments o WHERE o.thread_id = keys.thread_id AND o.author = keys.author
             ORDER BY o.id LIMIT 1 OFFSET {AUTHOR_LIMIT}), x'ff')  -- text sorts before any blob
        """, conn, params=(json.dumps([key.split("\x1f", 1) for key in pairs]),))
    return author_texts(frame, pool)
