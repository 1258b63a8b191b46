"""The comments a viewer browses: filtered, searched, with stance, arguments and sentiment."""

from __future__ import annotations

import pandas as pd

from tracker.store import Store
from tracker.trends import STANCE_SQL, Filters, query_labeled

COMMENT_COLUMNS = ["id", "created_at", "source", "thread_id", "parent_id", "author", "lang", "text", "raw_text",
                   "quoted", "url", "stance", "stance_confidence", "arguments", "sentiment", "sentiment_score",
                   "label_source", "model_stance", "probabilities"]


def comments_table(store: Store, filters: Filters, search: str = "", stances: tuple[str, ...] = (),
                   arguments: tuple[str, ...] = (), limit: int = 500, order: str = "newest") -> pd.DataFrame:
    """Comments matching the filters, a text search (case-insensitive substring), stances and
    argument tags (any of them), newest or most confident first, at most `limit` rows."""
    extra, params = [], []
    if search:
        extra.append("(c.text LIKE ? ESCAPE '\\' OR c.author LIKE ? ESCAPE '\\')")
        pattern = "%" + search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params += [pattern, pattern]
    if stances:
        extra.append(f"{STANCE_SQL} IN ({', '.join('?' * len(stances))})")
        params += list(stances)
    if arguments:
        extra.append("(" + " OR ".join("(';' || coalesce(h.arguments, p.arguments) || ';') LIKE ?" for _ in arguments) + ")")
        params += [f"%;{tag};%" for tag in arguments]
    order_sql = {"newest": "c.created_at DESC", "oldest": "c.created_at ASC",
                 "confidence": "p.stance_confidence DESC", "uncertain": "p.stance_confidence ASC"}[order]
    select = (f"c.id, c.created_at, c.source, c.thread_id, c.parent_id, c.author, c.lang, c.text, c.raw_text, "
              f"c.quoted, c.url, {STANCE_SQL} AS stance, "
              "CASE WHEN h.stance IS NOT NULL THEN 1.0 ELSE p.stance_confidence END AS stance_confidence, "
              "coalesce(h.arguments, p.arguments) AS arguments, coalesce(h.sentiment, p.sentiment) AS sentiment, "
              "p.sentiment_score, CASE WHEN h.stance IS NOT NULL THEN 'human' ELSE 'model' END AS label_source, "
              "p.stance AS model_stance, p.probabilities")
    tail = (" AND " + " AND ".join(extra) if extra else "") + f" ORDER BY {order_sql} LIMIT {int(limit)}"
    frame = query_labeled(store, select, filters, tail, params)
    frame["created_at"] = pd.to_datetime(frame["created_at"], unit="s", utc=True).dt.tz_convert(filters.tz)
    return frame[COMMENT_COLUMNS]


def overview(store: Store, filters: Filters) -> dict:
    """Headline numbers: comments, sources, languages, threads, authors, first and last time."""
    frame = query_labeled(store, "count(*) AS comments, count(DISTINCT c.source) AS sources, count(DISTINCT c.lang) AS langs, "
                          "count(DISTINCT c.thread_id) AS threads, count(DISTINCT c.author) AS authors, "
                          "min(c.created_at) AS first, max(c.created_at) AS last", filters)
    return frame.iloc[0].to_dict()
