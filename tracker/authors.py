"""Authors' stance trajectories: who changed sides, and when. Pseudonyms by default."""

from __future__ import annotations

import hashlib

import pandas as pd

from tracker.store import Store
from tracker.trends import STANCE_SQL, Filters, period_start, query_labeled

ADJECTIVES = ("amber", "brisk", "calm", "dusky", "eager", "fierce", "gentle", "hazel", "ivory", "jolly", "keen",
              "lucid", "mellow", "nimble", "olive", "proud", "quiet", "rusty", "sly", "tidy", "umber", "vivid",
              "wry", "young")
ANIMALS = ("otter", "heron", "lynx", "marten", "ibis", "vole", "gecko", "crane", "bison", "finch", "newt", "hare",
           "koala", "lemur", "moose", "okapi", "panda", "quail", "raven", "seal", "tapir", "wren", "yak", "zebu")


def pseudonym(author: str | None, salt: str = "") -> str:
    """A stable, readable pseudonym ('calm-heron-42') for an author name."""
    if not author:
        return "anonymous"
    digest = hashlib.sha256((salt + author).encode("utf-8")).digest()
    return f"{ADJECTIVES[digest[0] % len(ADJECTIVES)]}-{ANIMALS[digest[1] % len(ANIMALS)]}-{digest[2] % 100:02d}"


def author_stances(store: Store, filters: Filters, grain: str = "month", min_comments: int = 3) -> pd.DataFrame:
    """Per author and period: comments, pro_open, pro_closed, and the leaning
    ((pro_open - pro_closed) / side comments, NaN without side comments).

    Only authors with at least `min_comments` comments in the selection."""
    frame = query_labeled(store, f"c.author, c.source, c.created_at / 3600 AS hour, {STANCE_SQL} AS stance, count(*) AS n",
                   filters, "AND c.author IS NOT NULL GROUP BY 1, 2, 3, 4")
    columns = ["author", "source", "period", "comments", "pro_open", "pro_closed", "leaning"]
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame["period"] = period_start(pd.to_datetime(frame["hour"] * 3600, unit="s", utc=True), grain, filters.tz)
    wide = frame.pivot_table(index=["author", "source", "period"], columns="stance", values="n", aggfunc="sum",
                             fill_value=0).reset_index()
    for label in ("pro_open", "pro_closed"):
        if label not in wide:
            wide[label] = 0
    stance_columns = [c for c in wide.columns if c not in ("author", "source", "period")]
    wide["comments"] = wide[stance_columns].sum(axis=1)
    sides = wide["pro_open"] + wide["pro_closed"]
    wide["leaning"] = (wide["pro_open"] - wide["pro_closed"]) / sides.where(sides > 0)
    totals = wide.groupby(["author", "source"])["comments"].transform("sum")
    return wide.loc[totals >= min_comments, columns].reset_index(drop=True)


def side_changers(trajectories: pd.DataFrame) -> pd.DataFrame:
    """Authors whose leaning crossed from one side to the other between periods.

    Columns: author, source, from_side, to_side, changed_in (first period on the new side), comments."""
    rows = []
    for (author, source), part in trajectories.dropna(subset=["leaning"]).groupby(["author", "source"]):
        part = part.sort_values("period")
        previous = None
        for period, leaning in zip(part["period"], part["leaning"]):
            side = "pro_open" if leaning > 0 else "pro_closed" if leaning < 0 else None
            if side and previous and side != previous:
                rows.append((author, source, previous, side, period, int(part["comments"].sum())))
            previous = side or previous
    return pd.DataFrame(rows, columns=["author", "source", "from_side", "to_side", "changed_in", "comments"])
