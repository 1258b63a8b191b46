"""Comments per hour kept beside the comments, so that views over time never rescan them.

`hourly_stats` holds, per model version, the number of comments per UTC hour, source,
language, effective stance and argument tags (human label first, model second). A classify
run rebuilds its version's rows; every human label moves one comment from its old group to
its new one in the same transaction. `hourly_stats_state` records what the rows were built
from (the version's prediction count and the last label id), so that a reader can tell
fresh rows from stale ones and fall back to counting the comments themselves.
"""

from __future__ import annotations

import sqlite3

from tracker.store import LATEST_LABEL_JOIN, Store

HOURLY_COLUMNS = ("hour", "source", "lang", "stance", "arguments", "n")


def _state(conn: sqlite3.Connection, version: str) -> tuple[int, int]:
    predictions = conn.execute("SELECT count(*) FROM predictions WHERE model_version = ?", (version,)).fetchone()[0]
    last_label = conn.execute("SELECT coalesce(max(id), 0) FROM labels").fetchone()[0]
    return predictions, last_label


def rebuild(store: Store, version: str) -> int:
    """Recount `version`'s rows from the comments; returns the number of groups."""
    with store.transaction() as conn:
        conn.execute("DELETE FROM hourly_stats WHERE model_version = ?", (version,))
        conn.execute(f"""
            INSERT INTO hourly_stats (model_version, hour, source, lang, stance, arguments, n)
            SELECT p.model_version, c.created_at / 3600, c.source, c.lang, coalesce(h.stance, p.stance),
                   coalesce(h.arguments, p.arguments, ''), count(*)
            FROM comments c
            JOIN predictions p ON p.comment_id = c.id AND p.model_version = ?
            {LATEST_LABEL_JOIN}
            GROUP BY 2, 3, 4, 5, 6
        """, (version,))
        predictions, last_label = _state(conn, version)
        conn.execute("INSERT OR REPLACE INTO hourly_stats_state (model_version, predictions, last_label) "
                     "VALUES (?, ?, ?)", (version, predictions, last_label))
        return conn.execute("SELECT count(*) FROM hourly_stats WHERE model_version = ?", (version,)).fetchone()[0]


def is_fresh(store: Store, version: str) -> bool:
    row = store.conn.execute("SELECT predictions, last_label FROM hourly_stats_state WHERE model_version = ?",
                             (version,)).fetchone()
    return row is not None and tuple(row) == _state(store.conn, version)


def record_label(conn: sqlite3.Connection, label_id: int) -> None:
    """Move the labeled comment from its previous group to the label's, for every version whose
    rows are fresh up to the previous label; call inside the transaction that stored the label."""
    comment_id, stance, arguments = conn.execute(
        "SELECT comment_id, stance, coalesce(arguments, '') FROM labels WHERE id = ?", (label_id,)).fetchone()
    earlier = conn.execute("SELECT stance, coalesce(arguments, '') FROM labels WHERE comment_id = ? AND id < ? "
                           "ORDER BY id DESC LIMIT 1", (comment_id, label_id)).fetchone()
    hour, source, lang = conn.execute("SELECT created_at / 3600, source, lang FROM comments WHERE id = ?",
                                      (comment_id,)).fetchone()
    rows = conn.execute(
        "SELECT p.model_version, p.stance, p.arguments, s.predictions, s.last_label FROM predictions p "
        "JOIN hourly_stats_state s ON s.model_version = p.model_version WHERE p.comment_id = ?", (comment_id,))
    previous_label = conn.execute("SELECT coalesce(max(id), 0) FROM labels WHERE id < ?", (label_id,)).fetchone()[0]
    for version, model_stance, model_arguments, predictions, last_label in rows.fetchall():
        current = conn.execute("SELECT count(*) FROM predictions WHERE model_version = ?", (version,)).fetchone()[0]
        if (predictions, last_label) != (current, previous_label):
            continue  # already stale: readers count the comments themselves until the next rebuild
        old = earlier or (model_stance, model_arguments or "")
        conn.execute("UPDATE hourly_stats SET n = n - 1 WHERE model_version = ? AND hour = ? AND source = ? "
                     "AND lang = ? AND stance = ? AND arguments = ?", (version, hour, source, lang, *old))
        conn.execute("DELETE FROM hourly_stats WHERE model_version = ? AND n <= 0", (version,))
        conn.execute("INSERT INTO hourly_stats (model_version, hour, source, lang, stance, arguments, n) "
                     "VALUES (?, ?, ?, ?, ?, ?, 1) ON CONFLICT DO UPDATE SET n = n + 1",
                     (version, hour, source, lang, stance, arguments))
        conn.execute("UPDATE hourly_stats_state SET last_label = ? WHERE model_version = ?", (label_id, version))


def read_hourly(store: Store, version: str, start: int | None, end: int | None, sources: tuple, langs: tuple):
    """The stored rows of `version` within [start, end) (epoch seconds on hour boundaries) for
    the given sources and languages (all when empty), as a DataFrame with HOURLY_COLUMNS."""
    import pandas as pd

    clauses, params = ["model_version = ?"], [version]
    if start is not None:
        clauses.append("hour >= ?")
        params.append(start // 3600)
    if end is not None:
        clauses.append("hour < ?")
        params.append(end // 3600)
    for column, values in (("source", sources), ("lang", langs)):
        if values:
            clauses.append(f"{column} IN ({', '.join('?' * len(values))})")
            params.extend(values)
    return pd.read_sql_query(f"SELECT {', '.join(HOURLY_COLUMNS)} FROM hourly_stats WHERE {' AND '.join(clauses)}",
                             store.conn, params=params)
