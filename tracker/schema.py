"""The record types, label sets and column names, defined once."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone

STANCES = ("pro_open", "pro_closed", "neutral", "off_topic")
SIDE_STANCES = ("pro_open", "pro_closed")
ARGUMENTS = ("cost", "performance", "openness", "geopolitics", "trust_safety", "business", "innovation")
SENTIMENTS = ("positive", "negative", "neutral")
LANGS = ("en", "fr")
OTHER_LANG = "other"

ARGUMENT_SEPARATOR = ";"

# Columns of a labeled file (docs/labeling.md): required, then optional.
LABELED_REQUIRED = ("id", "lang", "text", "stance", "arguments", "sentiment")
LABELED_OPTIONAL = ("source", "created_at", "thread_id", "parent_id", "author", "note", "raw_text", "traits")

# Author names that platforms put where an author is gone or hidden: not one person, so never
# the same author as another comment's (tracker/context.py).
UNKNOWN_AUTHORS = frozenset({"", "[deleted]", "[removed]", "deleted", "removed", "anonymous", "anonyme", "nan",
                             "none", "null"})
# The most other comments of its author in the thread a comment is read with: the first ones in
# id order (tracker/context.py). Nobody in the labeled corpus wrote more than 7 comments in one
# thread, but in a live chat or under a big story one author may write thousands, and each of
# them read with all the others is that author's texts squared (docs/benchmarks.md).
AUTHOR_LIMIT = 20

# Columns added by classification to an output file or export.
PREDICTION_COLUMNS = ("lang", "stance", "stance_confidence", "arguments", "sentiment", "sentiment_score")


@dataclass(frozen=True, slots=True)
class Comment:
    """One comment: the words one author wrote in one post.

    `id` is source-qualified and stable (``hn:42866201``, ``csv:<file-stem>:<row id>``).
    `created_at` is timezone-aware UTC. `text` holds the author's own words, cleaned;
    `raw_text` the comment as received; `quoted` who or what it quotes, when known.
    """

    id: str
    source: str
    created_at: datetime
    text: str
    raw_text: str
    thread_id: str | None = None
    parent_id: str | None = None
    author: str | None = None
    lang: str = OTHER_LANG
    quoted: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        if self.created_at.tzinfo is None or self.created_at.utcoffset() != timezone.utc.utcoffset(None):
            raise ValueError(f"created_at of {self.id} must be UTC, got {self.created_at!r}")

    def as_dict(self) -> dict:
        return asdict(self)


COMMENT_FIELDS = tuple(f.name for f in fields(Comment))


def utc(moment: datetime) -> datetime:
    """`moment` converted to UTC; it must be timezone-aware."""
    return moment.astimezone(timezone.utc)


def split_arguments(value: object) -> list[str]:
    """The tags of an `arguments` cell ("cost;openness", "" or missing) as a list."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    return [tag.strip() for tag in str(value).split(ARGUMENT_SEPARATOR) if tag.strip()]


def join_arguments(tags) -> str:
    return ARGUMENT_SEPARATOR.join(tags)
