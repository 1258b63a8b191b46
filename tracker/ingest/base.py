"""What every reader yields: drafts of comments, or rejected records with their reason."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator, Union

RAW_EXCERPT_CHARS = 500


@dataclass
class Draft:
    """A comment as a reader found it, before cleaning.

    `raw_text` is the comment as received (HTML when `is_html`). A reader that knows the
    author's own words structurally (Discourse's quote asides, say) sets `text` and `quoted`;
    otherwise the pipeline strips quotes from `raw_text` itself. `lang` is detected when unset.
    """

    id: str
    source: str
    created_at: datetime
    raw_text: str
    thread_id: str | None = None
    parent_id: str | None = None
    author: str | None = None
    url: str | None = None
    is_html: bool = False
    text: str | None = None
    quoted: str | None = None
    lang: str | None = None
    where: str = ""


@dataclass
class Rejected:
    """A record that is not stored, with where it was (`row 12`, `line 3`, `item 42`) and why."""

    where: str
    reason: str
    record_id: str | None = None
    raw: str = ""

    def __post_init__(self) -> None:
        self.raw = (self.raw or "")[:RAW_EXCERPT_CHARS]


@dataclass
class ReadOptions:
    """Options shared by readers; a reader uses the ones that make sense for its format."""

    timezone: str = "UTC"
    encoding: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    source: str | None = None
    chunk_rows: int = 20_000


Item = Union[Draft, Rejected]
Reader = Callable[[Path, ReadOptions], Iterator[Item]]
