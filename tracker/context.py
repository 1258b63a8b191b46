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

import pandas as pd

from tracker.schema import UNKNOWN_AUTHORS

AUTHOR_TEXT = "author_text"
REPLIES_TEXT = "replies_text"
# Between the comments joined in `author_text` and `replies_text`: the ASCII record separator, which every
# tokenizer here reads as a space (as it reads a line break), and on which `tracker.pieces`
# splits the text back into the comments it was made of.
SEPARATOR = "\x1e"


def id_strings(values: pd.Series) -> pd.Series:
    """Comment ids as text, missing ones empty: JSON numbers read as floats where a column has
    nulls ("1.0") are written back as the integers they were ("1")."""
    if pd.api.types.is_float_dtype(values) and values.dropna().mod(1).eq(0).all():
        values = values.astype("Int64")
    return values.astype(object).where(values.notna(), "").astype(str)


def _keys(frame: pd.DataFrame) -> pd.Series:
    """thread and author of each row; None where either is missing or the author unknown."""
    if "thread_id" not in frame or "author" not in frame:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    threads = frame["thread_id"].fillna("").astype(str)
    authors = frame["author"].fillna("").astype(str)
    known = threads.str.strip().ne("") & ~authors.str.strip().str.lower().isin(UNKNOWN_AUTHORS)
    return (threads + "\x1f" + authors).where(known, None)


class _TextIndex:
    """Texts of a pool of comments grouped by a key, each group in id order, built once so that
    any number of batches can ask for their rows' group."""

    def __init__(self, keys: pd.Series, ids: pd.Series, texts: pd.Series, single: bool = True):
        kept = keys.notna() & (keys.duplicated(keep=False) if single else True)  # a lone key gives no context
        known = pd.DataFrame({"key": keys[kept], "id": ids[kept].astype(str),
                              "text": texts[kept].fillna("").astype(str)}).sort_values(["key", "id"])
        self.by_key: dict[str, list[tuple[str, str]]] = {}
        for key, comment_id, text in zip(known["key"], known["id"], known["text"]):
            self.by_key.setdefault(key, []).append((comment_id, text))

    def joined(self, keys, ids) -> list[str]:
        """For each (key, comment id), the texts of the key's group but that comment, joined by
        SEPARATOR."""
        get = self.by_key.get
        return [SEPARATOR.join(text for other_id, text in get(key, ()) if other_id != comment_id)
                if key is not None else "" for key, comment_id in zip(keys, ids)]


class AuthorIndex(_TextIndex):
    """The comments of a pool (columns id, thread_id, author, text) by thread and author."""

    def __init__(self, pool: pd.DataFrame):
        super().__init__(_keys(pool), pool["id"], pool["text"])

    def texts(self, frame: pd.DataFrame) -> list[str]:
        """For each row of `frame` (columns id, thread_id, author), the texts of the pool's
        other comments by the same author in the same thread, in id order, joined by
        SEPARATOR; empty when the author is unknown or wrote nothing else there."""
        keys = _keys(frame)
        if keys.isna().all() or "id" not in frame:
            return [""] * len(frame)
        return self.joined(keys, frame["id"].astype(str))


class ReplyIndex(_TextIndex):
    """The comments of a pool (columns id, parent_id, text) by the comment they reply to."""

    def __init__(self, pool: pd.DataFrame):
        parents = pool["parent_id"].fillna("").astype(str) if "parent_id" in pool else pd.Series("", index=pool.index)
        super().__init__(parents.where(parents.str.strip().ne(""), None), pool["id"], pool["text"], single=False)

    def texts(self, frame: pd.DataFrame) -> list[str]:
        """For each row of `frame` (column id), the texts of the pool's comments that reply to
        it, in id order, joined by SEPARATOR; empty when none does."""
        if "id" not in frame:
            return [""] * len(frame)
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


def parent_texts(frame: pd.DataFrame, texts: dict[str, str] | None = None) -> list[str]:
    """For each row of `frame` (column parent_id), the text of its parent: the row of `texts`
    (comment id to text; default: `frame`'s own rows) it replies to, empty when unknown."""
    if "parent_id" not in frame:
        return [""] * len(frame)
    if texts is None:
        texts = dict(zip(frame["id"].astype(str), frame["text"].fillna("").astype(str))) if "id" in frame else {}
    return frame["parent_id"].fillna("").astype(str).map(texts).fillna("").tolist()


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
    pairs = _keys(frame).dropna().unique().tolist()
    if not pairs:
        return [""] * len(frame)
    pool = pd.read_sql_query(
        "SELECT c.id, c.thread_id, c.author, c.text FROM json_each(?) j "
        "JOIN comments c ON c.thread_id = json_extract(j.value, '$[0]') AND c.author = json_extract(j.value, '$[1]')",
        conn, params=(json.dumps([key.split("\x1f", 1) for key in pairs]),))
    return author_texts(frame, pool)
