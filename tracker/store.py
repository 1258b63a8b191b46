"""The SQLite store: schema migrations, idempotent upserts, runs, and queries.

One file, WAL mode, so the dashboard reads while a batch job writes. Times are stored as
integer seconds since the epoch (UTC). The schema version is SQLite's `user_version`.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Iterator, Sequence

from tracker.errors import StoreError
from tracker.schema import AUTHOR_LIMIT, UNKNOWN_AUTHORS, Comment

DB_ENV = "TRACKER_DB"
DEFAULT_DB = "tracker.db"

MIGRATIONS: tuple[str, ...] = (
    # 1: comments, predictions, human labels, runs
    """
    CREATE TABLE comments (
        id TEXT PRIMARY KEY,
        source TEXT NOT NULL,
        thread_id TEXT,
        parent_id TEXT,
        author TEXT,
        created_at INTEGER NOT NULL,
        lang TEXT NOT NULL,
        text TEXT NOT NULL,
        raw_text TEXT NOT NULL,
        quoted TEXT,
        url TEXT,
        content_hash TEXT NOT NULL,
        last_run_id INTEGER,
        ingested_at INTEGER NOT NULL,
        updated_at INTEGER
    );
    CREATE INDEX comments_by_time ON comments (created_at, source, lang);
    CREATE INDEX comments_by_thread ON comments (thread_id);
    CREATE INDEX comments_by_author ON comments (author);
    CREATE TABLE predictions (
        comment_id TEXT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
        model_version TEXT NOT NULL,
        stance TEXT NOT NULL,
        stance_confidence REAL NOT NULL,
        probabilities TEXT NOT NULL,
        arguments TEXT NOT NULL DEFAULT '',
        sentiment TEXT,
        sentiment_score REAL,
        predicted_at INTEGER NOT NULL,
        PRIMARY KEY (comment_id, model_version)
    ) WITHOUT ROWID;
    CREATE INDEX predictions_by_model ON predictions (model_version, stance);
    CREATE TABLE labels (
        id INTEGER PRIMARY KEY,
        comment_id TEXT NOT NULL REFERENCES comments (id) ON DELETE CASCADE,
        reviewer TEXT NOT NULL,
        labeled_at INTEGER NOT NULL,
        stance TEXT,
        arguments TEXT,
        sentiment TEXT,
        note TEXT
    );
    CREATE INDEX labels_by_comment ON labels (comment_id, labeled_at);
    CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        input TEXT,
        params TEXT,
        status TEXT NOT NULL DEFAULT 'running',
        started_at INTEGER NOT NULL,
        finished_at INTEGER,
        read INTEGER NOT NULL DEFAULT 0,
        stored INTEGER NOT NULL DEFAULT 0,
        new INTEGER NOT NULL DEFAULT 0,
        updated INTEGER NOT NULL DEFAULT 0,
        unchanged INTEGER NOT NULL DEFAULT 0,
        rejected INTEGER NOT NULL DEFAULT 0,
        rejects_path TEXT,
        model_version TEXT,
        details TEXT
    );
    """,
    # 2: comments per hour and effective label, kept by classify runs and label writes (tracker/aggregates.py)
    """
    CREATE TABLE hourly_stats (
        model_version TEXT NOT NULL,
        hour INTEGER NOT NULL,
        source TEXT NOT NULL,
        lang TEXT NOT NULL,
        stance TEXT NOT NULL,
        arguments TEXT NOT NULL,
        n INTEGER NOT NULL,
        PRIMARY KEY (model_version, hour, source, lang, stance, arguments)
    ) WITHOUT ROWID;
    CREATE TABLE hourly_stats_state (
        model_version TEXT PRIMARY KEY,
        predictions INTEGER NOT NULL,
        last_label INTEGER NOT NULL
    );
    """,
    # 3: replies by parent, to find the comments whose context a new comment changes
    """
    CREATE INDEX comments_by_parent ON comments (parent_id);
    """,
    # 4: the stance head's own probabilities, which a model's second stance stage reads for each
    # comment's neighbours (tracker/neighbours.py), and the predictions still waiting for it
    """
    ALTER TABLE predictions ADD COLUMN head_probabilities TEXT;
    ALTER TABLE predictions ADD COLUMN awaiting_neighbours INTEGER NOT NULL DEFAULT 0;
    CREATE INDEX predictions_awaiting ON predictions (model_version, comment_id) WHERE awaiting_neighbours = 1;
    """,
    # 5: an author's comments in a thread in id order: their other comments as context (the first
    # AUTHOR_LIMIT), without reading all of a prolific author's comments in every thread
    """
    CREATE INDEX comments_by_thread_author ON comments (thread_id, author, id);
    """,
)
SCHEMA_VERSION = len(MIGRATIONS)

_HASHED = ("source", "thread_id", "parent_id", "author", "created_at", "lang", "text", "raw_text", "quoted", "url")
_COLUMNS = ("id",) + _HASHED


def default_db_path() -> Path:
    return Path(os.environ.get(DB_ENV) or DEFAULT_DB)


def to_epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, tz=timezone.utc)


def content_hash(row: Sequence) -> str:
    joined = "\x1f".join(map(str, row))
    return hashlib.blake2b(joined.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@dataclass
class UpsertCounts:
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: list[str] = field(default_factory=list)  # ids seen earlier in the same run, other content
    recontext: int = 0  # earlier comments whose predictions were dropped: these comments change their context
    reread: int = 0  # earlier comments whose second stance stage will read these comments as neighbours

    @property
    def stored(self) -> int:
        return self.new + self.updated + self.unchanged


class Store:
    """A tracker database file. Opening it creates or migrates the schema."""

    def __init__(self, path: str | Path | None = None, *, readonly: bool = False):
        self.path = Path(path) if path is not None else default_db_path()
        if readonly and not self.path.exists():
            raise StoreError(f"{self.path}: no database here yet; run 'tracker ingest FILE' first")
        if not readonly:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            uri = f"file:{self.path}?mode=ro" if readonly else str(self.path)
            self.conn = sqlite3.connect(uri, uri=readonly, timeout=30, check_same_thread=False)
            self.conn.execute("PRAGMA foreign_keys = ON")
            self.conn.execute("PRAGMA busy_timeout = 30000")
            if not readonly:
                self.conn.execute("PRAGMA journal_mode = WAL")
                self.conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            raise StoreError(f"{self.path}: cannot open the database ({exc}); check the path and permissions") from exc
        self._migrate(readonly)

    def _migrate(self, readonly: bool) -> None:
        try:
            version = self.conn.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: not a tracker database ({exc}); use another --db path") from exc
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"{self.path}: schema version {version} is newer than this tracker knows ({SCHEMA_VERSION}); upgrade tracker"
            )
        if version < SCHEMA_VERSION and readonly:
            raise StoreError(f"{self.path}: schema is out of date; open it once with a tracker command that writes")
        for number in range(version, SCHEMA_VERSION):
            with self.conn:
                self.conn.executescript(MIGRATIONS[number])
                self.conn.execute(f"PRAGMA user_version = {number + 1}")

    @property
    def schema_version(self) -> int:
        return self.conn.execute("PRAGMA user_version").fetchone()[0]

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self.conn:
            yield self.conn

    # --- comments ---------------------------------------------------------------------

    def upsert_comments(self, comments: Iterable[Comment], run_id: int | None = None) -> UpsertCounts:
        """Insert new comments, update changed ones (dropping their predictions), skip the same.

        A comment is classified with its context: its parent's words, its author's other
        comments in the thread and its replies. So the predictions of the stored comments
        whose context a new or changed comment changes (its replies, its parent, and its
        author's other comments in the thread) are dropped too, and the next classify run
        redoes them (`recontext`).

        A comment whose id was already stored by the same run with other content is not
        written: its id is returned in `conflicts` (a duplicate id within one input).
        """
        rows = []
        for c in comments:
            values = (c.source, c.thread_id, c.parent_id, c.author, to_epoch(c.created_at), c.lang,
                      c.text, c.raw_text, c.quoted, c.url)
            rows.append((c.id, values, content_hash(values)))
        counts = UpsertCounts()
        if not rows:
            return counts
        now = int(time.time())
        with self.conn:
            existing = self._existing([r[0] for r in rows])
            inserts, updates, stale = [], [], []
            for comment_id, values, digest in rows:
                before = existing.get(comment_id)
                if before is None:
                    inserts.append((comment_id, *values, digest, run_id, now))
                    existing[comment_id] = (digest, run_id)
                    counts.new += 1
                elif before[0] == digest:
                    counts.unchanged += 1
                elif run_id is not None and before[1] == run_id:
                    counts.conflicts.append(comment_id)
                else:
                    updates.append((*values, digest, run_id, now, comment_id))
                    stale.append((comment_id,))
                    existing[comment_id] = (digest, run_id)
                    counts.updated += 1
            self.conn.executemany(
                f"INSERT INTO comments ({', '.join(_COLUMNS)}, content_hash, last_run_id, ingested_at) "
                f"VALUES ({', '.join('?' * (len(_COLUMNS) + 3))})",
                inserts,
            )
            self.conn.executemany(
                f"UPDATE comments SET {', '.join(f'{c} = ?' for c in _HASHED)}, content_hash = ?, "
                "last_run_id = ?, updated_at = ? WHERE id = ?",
                updates,
            )
            self.conn.executemany("DELETE FROM predictions WHERE comment_id = ?", stale)
            changed = [row[0] for row in inserts] + [row[-1] for row in updates]
            counts.recontext = self._drop_context_predictions(changed)
            counts.reread = self._reread_neighbours(changed)
        return counts

    def _reread_neighbours(self, changed: list[str]) -> int:
        """Mark for the second stance stage of their model (tracker/neighbours.py) the kept
        predictions of the stored comments that read one of `changed` as a neighbour: its
        thread's, its parent, its replies and their replies, its siblings. The next classify
        run reads them again from the head probabilities it kept, without the head; returns how
        many were marked."""
        if not changed or self.conn.execute(
                "SELECT 1 FROM predictions WHERE head_probabilities IS NOT NULL LIMIT 1").fetchone() is None:
            return 0
        return self.conn.execute("""
            UPDATE predictions SET awaiting_neighbours = 1
            WHERE head_probabilities IS NOT NULL AND awaiting_neighbours = 0 AND comment_id IN (
                WITH changed AS (SELECT c.id, c.parent_id, c.thread_id FROM json_each(?) j
                                 JOIN comments c ON c.id = j.value),
                parents(id) AS (SELECT DISTINCT parent_id FROM changed WHERE parent_id IS NOT NULL),
                replies(id) AS (SELECT r.id FROM changed JOIN comments r ON r.parent_id = changed.id)
                SELECT o.id FROM comments o WHERE o.thread_id IN (  -- each thread once, however many changed
                    SELECT thread_id FROM changed WHERE trim(coalesce(thread_id, '')) != '')
                UNION SELECT id FROM parents
                UNION SELECT id FROM replies
                UNION SELECT g.id FROM replies JOIN comments g ON g.parent_id = replies.id
                -- siblings through each parent once, not once per changed reply to it
                UNION SELECT s.id FROM parents JOIN comments s ON s.parent_id = parents.id)
        """, (json.dumps(changed),)).rowcount

    def _drop_context_predictions(self, changed: list[str]) -> int:
        """Drop the predictions of the stored comments that read one of `changed` as context: its
        replies, its parent, and its author's other comments in its thread when it sorts among
        the author's first AUTHOR_LIMIT + 1 there (unknown authors are no one); returns how many
        comments lost theirs."""
        if not changed or self.conn.execute("SELECT 1 FROM predictions LIMIT 1").fetchone() is None:
            return 0
        unknown = sorted(UNKNOWN_AUTHORS)
        ids = json.dumps(changed)
        readers = self.conn.execute(f"""
            SELECT DISTINCT p.comment_id FROM predictions p WHERE p.comment_id IN (
                SELECT c.id FROM json_each(?) j JOIN comments c ON c.parent_id = j.value
                UNION
                SELECT c.parent_id FROM json_each(?) j JOIN comments c ON c.id = j.value
                UNION
                SELECT other.id FROM (  -- each author and thread once, however many of their comments changed
                    SELECT DISTINCT c.thread_id, c.author FROM json_each(?) j JOIN comments c ON c.id = j.value
                    WHERE coalesce(c.thread_id, '') != ''
                      AND lower(trim(coalesce(c.author, ''))) NOT IN ({', '.join('?' * len(unknown))})
                      -- a comment after its author's first AUTHOR_LIMIT + 1 there is in no one's context
                      AND (SELECT count(*) FROM (SELECT 1 FROM comments o WHERE o.thread_id = c.thread_id
                           AND o.author = c.author AND o.id < c.id LIMIT {AUTHOR_LIMIT + 1})) <= {AUTHOR_LIMIT}
                ) k JOIN comments other ON other.thread_id = k.thread_id AND other.author = k.author)
        """, (ids, ids, ids, *unknown)).fetchall()
        self.conn.executemany("DELETE FROM predictions WHERE comment_id = ?", readers)
        return len(readers)

    def _existing(self, ids: list[str]) -> dict[str, tuple[str, int | None]]:
        found: dict[str, tuple[str, int | None]] = {}
        for start in range(0, len(ids), 10_000):
            batch = ids[start:start + 10_000]
            query = f"SELECT id, content_hash, last_run_id FROM comments WHERE id IN ({', '.join('?' * len(batch))})"
            for comment_id, digest, run in self.conn.execute(query, batch):
                found[comment_id] = (digest, run)
        return found

    def count_comments(self) -> int:
        return self.conn.execute("SELECT count(*) FROM comments").fetchone()[0]

    def get_comment(self, comment_id: str) -> Comment | None:
        row = self.conn.execute(f"SELECT {', '.join(_COLUMNS)} FROM comments WHERE id = ?", (comment_id,)).fetchone()
        if row is None:
            return None
        values = dict(zip(_COLUMNS, row))
        values["created_at"] = from_epoch(values["created_at"])
        return Comment(**values)

    # --- runs ---------------------------------------------------------------------------

    def start_run(self, kind: str, input: str | None = None, params: dict | None = None,
                  model_version: str | None = None) -> int:
        with self.conn:
            cursor = self.conn.execute(
                "INSERT INTO runs (kind, input, params, started_at, model_version) VALUES (?, ?, ?, ?, ?)",
                (kind, input, json.dumps(params or {}, default=str), int(time.time()), model_version),
            )
        return cursor.lastrowid

    def finish_run(self, run_id: int, status: str = "done", **figures) -> None:
        allowed = {"read", "stored", "new", "updated", "unchanged", "rejected", "rejects_path", "details"}
        unknown = set(figures) - allowed
        if unknown:
            raise ValueError(f"unknown run figures: {sorted(unknown)}")
        if "details" in figures:
            figures["details"] = json.dumps(figures["details"], default=str)
        assignments = ", ".join(f"{name} = ?" for name in figures)
        with self.conn:
            self.conn.execute(
                f"UPDATE runs SET status = ?, finished_at = ?{', ' if figures else ''}{assignments} WHERE id = ?",
                (status, int(time.time()), *figures.values(), run_id),
            )

    def runs(self, kind: str | None = None, limit: int = 20) -> list[dict]:
        query = "SELECT * FROM runs" + (" WHERE kind = ?" if kind else "") + " ORDER BY id DESC LIMIT ?"
        cursor = self.conn.execute(query, ((kind,) if kind else ()) + (limit,))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor]


# --- reading comments with their labels -------------------------------------------------

# The latest human label of comment `c`, as `h`: a correlated lookup through labels_by_comment,
# fast however many comments and labels there are (a grouped subquery is rescanned per row).
LATEST_LABEL_JOIN = ("LEFT JOIN labels h ON h.comment_id = c.id "
                     "AND h.id = (SELECT max(l.id) FROM labels l WHERE l.comment_id = c.id)")


def latest_model_version(store: Store) -> str | None:
    """The model version whose predictions were written last, or None."""
    row = store.conn.execute("SELECT model_version FROM predictions ORDER BY predicted_at DESC LIMIT 1").fetchone()
    return row[0] if row else None


def comments_with_labels(store: Store, model_version: str | None = None, chunk_rows: int = 50_000):
    """DataFrames of comments with the model's prediction and the latest human label, in chunks.

    Columns: the comment record, then `stance`, `stance_confidence`, `arguments`, `sentiment`,
    `sentiment_score` (human label first, model second), `label_source` ("human", "model" or
    empty), `model_stance`, `probabilities` (JSON), `model_version`.
    """
    import pandas as pd

    version = model_version or latest_model_version(store)
    query = f"""
        SELECT c.id, c.source, c.thread_id, c.parent_id, c.author, c.created_at, c.lang, c.text, c.raw_text,
               c.quoted, c.url,
               coalesce(h.stance, p.stance) AS stance,
               CASE WHEN h.stance IS NOT NULL THEN 1.0 ELSE p.stance_confidence END AS stance_confidence,
               coalesce(h.arguments, p.arguments) AS arguments,
               coalesce(h.sentiment, p.sentiment) AS sentiment,
               p.sentiment_score,
               CASE WHEN h.stance IS NOT NULL THEN 'human' WHEN p.stance IS NOT NULL THEN 'model' ELSE '' END
                   AS label_source,
               p.stance AS model_stance, p.probabilities, p.model_version
        FROM comments c
        LEFT JOIN predictions p ON p.comment_id = c.id AND p.model_version = ?
        {LATEST_LABEL_JOIN}
        ORDER BY c.created_at, c.id
    """
    for frame in pd.read_sql_query(query, store.conn, params=(version,), chunksize=chunk_rows):
        frame["created_at"] = pd.to_datetime(frame["created_at"], unit="s", utc=True)
        yield frame


def store_stats(store: Store) -> dict:
    """What is in the store: totals, per source and language, predictions and labels."""
    conn = store.conn
    total = conn.execute("SELECT count(*), min(created_at), max(created_at) FROM comments").fetchone()
    by_source = conn.execute(
        "SELECT source, lang, count(*) FROM comments GROUP BY source, lang ORDER BY source, lang").fetchall()
    by_model = conn.execute(
        "SELECT model_version, count(*), max(predicted_at) FROM predictions GROUP BY model_version "
        "ORDER BY max(predicted_at) DESC").fetchall()
    labels = conn.execute("SELECT count(*), count(DISTINCT comment_id), count(DISTINCT reviewer) FROM labels").fetchone()
    return {
        "comments": total[0],
        "first": from_epoch(total[1]) if total[1] is not None else None,
        "last": from_epoch(total[2]) if total[2] is not None else None,
        "by_source": [{"source": s, "lang": l, "comments": n} for s, l, n in by_source],
        "predictions": [{"model_version": m, "comments": n, "last": from_epoch(t)} for m, n, t in by_model],
        "labels": {"labels": labels[0], "comments": labels[1], "reviewers": labels[2]},
        "runs": store.runs(limit=5),
    }
