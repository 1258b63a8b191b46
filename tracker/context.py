"""What its author wrote elsewhere in the thread: context for reading a comment's side.

People argue one side through a thread, so a short or ironic comment ("Exactly.", "Sure,
because that worked for Llama 4") is read better beside its author's other comments there;
author consistency is the signal that joint models of stance in online debates exploit
(Sridhar et al., 2015). `author_texts` gives each comment those comments' words, and the
stance head reads them as a block of its own features beside the parent's (the argument and
sentiment heads, about the comment's own words, give it no weight; the gain is measured in
docs/benchmarks.md). Only the words are used, never a label.
"""

from __future__ import annotations

import json

import pandas as pd

AUTHOR_TEXT = "author_text"
# Placeholders that platforms put where an author is gone or hidden: not one person.
UNKNOWN_AUTHORS = frozenset({"", "[deleted]", "[removed]", "deleted", "removed", "anonymous", "anonyme", "nan",
                             "none", "null"})


def _keys(frame: pd.DataFrame) -> pd.Series:
    """thread and author of each row; None where either is missing or the author unknown."""
    if "thread_id" not in frame or "author" not in frame:
        return pd.Series([None] * len(frame), index=frame.index, dtype=object)
    threads = frame["thread_id"].fillna("").astype(str)
    authors = frame["author"].fillna("").astype(str)
    known = threads.str.strip().ne("") & ~authors.str.strip().str.lower().isin(UNKNOWN_AUTHORS)
    return (threads + "\x1f" + authors).where(known, None)


def author_texts(frame: pd.DataFrame, pool: pd.DataFrame | None = None) -> list[str]:
    """For each row of `frame` (columns id, thread_id, author), the texts of the other
    comments of `pool` (default: `frame` itself; columns id, thread_id, author, text) by the
    same author in the same thread, in id order, one per line; empty when the author is
    unknown or wrote nothing else there."""
    pool = frame if pool is None else pool
    keys = _keys(frame)
    if keys.isna().all() or "id" not in frame:
        return [""] * len(frame)
    pool_keys = _keys(pool)
    known = pool.loc[pool_keys.notna(), ["id", "text"]].assign(key=pool_keys.dropna())
    known = known.assign(id=known["id"].astype(str), text=known["text"].fillna("").astype(str)).sort_values("id")
    by_key = {key: list(zip(group["id"], group["text"])) for key, group in known.groupby("key", sort=False)}
    out = []
    for comment_id, key in zip(frame["id"].astype(str), keys):
        others = by_key.get(key, ()) if key is not None else ()
        out.append("\n".join(text for other_id, text in others if other_id != comment_id))
    return out


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
