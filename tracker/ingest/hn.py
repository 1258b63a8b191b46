"""Hacker News threads from the Algolia API: an item (`/api/v1/items/{id}`, nested `children`)
or a page of search hits (`/api/v1/search?...`, flat `hits`).

Ids are `hn:<item id>`; a thread is `hn:<story id>` and the story itself is a record (its title
and text), so top-level comments have the story as parent. `text` is HTML with entities; a
paragraph starting with `&gt;` or set wholly in italics is a quote. A quote found in the parent
comment is attributed to the parent's author ("alice (post 42866201)"). Deleted items (null author
and text) are rejected with reason "deleted"; their replies keep the deleted id as parent.
"""

from __future__ import annotations

import html
import json
import re
from datetime import datetime
from pathlib import Path
from typing import Iterator

from tracker.errors import IngestError
from tracker.ingest.base import Draft, Item, ReadOptions, Rejected
from tracker.ingest.shared import attribute_quotes, load_json
from tracker.text import html_to_text
from tracker.times import parse_timestamp

SOURCE = "hn"
ITEM_URL = "https://news.ycombinator.com/item?id={id}"

_PARAGRAPH_BREAK = re.compile(r"</?p\b[^>]*>", re.IGNORECASE)
_ITALIC_PARAGRAPH = re.compile(r"^\s*<i>(?P<body>.*)</i>\s*$", re.IGNORECASE | re.DOTALL)
_QUOTE_MARK = re.compile(r"^\s*(?:&gt;|>)")


def sniff(head: str, path: Path) -> bool:
    start = head.lstrip()[:1]
    if start != "{":
        return False
    is_item = '"created_at_i"' in head and ('"children"' in head or '"story_id"' in head)
    is_search = '"hits"' in head and '"objectID"' in head
    return is_item or is_search


def read(path: Path, options: ReadOptions) -> Iterator[Item]:
    data = load_json(path, "a Hacker News item from hn.algolia.com/api/v1/items/{id} or a search result",
                     options.encoding)
    if isinstance(data, dict) and isinstance(data.get("hits"), list):
        yield from _read_hits(data["hits"])
    elif isinstance(data, dict) and "id" in data and "children" in data:
        yield from _read_tree(data)
    else:
        raise IngestError(
            f"{path}: not a Hacker News export; expected an Algolia item (with 'id' and 'children') "
            "or a search result (with 'hits')"
        )


def _read_tree(root: dict) -> Iterator[Item]:
    """Depth-first over the nested item, parents before children."""
    story_id = root.get("story_id") or root["id"]
    stack: list[tuple[dict, dict | None]] = [(root, None)]
    while stack:
        item, parent = stack.pop()
        if not isinstance(item, dict) or "id" not in item:
            yield Rejected(where=_where(item), reason="not a Hacker News item", raw=_excerpt(item))
            continue
        yield _to_item(item, story_id, parent)
        children = item.get("children") or []
        stack.extend((child, item) for child in reversed(children))


def _read_hits(hits: list) -> Iterator[Item]:
    for index, hit in enumerate(hits):
        if not isinstance(hit, dict) or "objectID" not in hit:
            yield Rejected(where=f"hit {index}", reason="not a Hacker News search hit", raw=_excerpt(hit))
            continue
        item = {
            "id": hit["objectID"],
            "author": hit.get("author"),
            "created_at_i": hit.get("created_at_i"),
            "created_at": hit.get("created_at"),
            "parent_id": hit.get("parent_id"),
            "title": hit.get("title"),
            "text": hit.get("comment_text") if hit.get("comment_text") is not None else hit.get("story_text"),
            "type": "comment" if "comment" in (hit.get("_tags") or []) else "story",
        }
        yield _to_item(item, hit.get("story_id") or hit["objectID"], None)


def _to_item(item: dict, story_id, parent: dict | None) -> Item:
    item_id = str(item["id"])
    where = f"item {item_id}"
    text = item.get("text")
    title = item.get("title")
    if item.get("author") is None and not text and not title:
        return Rejected(where=where, reason="deleted", record_id=f"{SOURCE}:{item_id}")
    try:
        created_at = _created_at(item)
    except (TypeError, ValueError):
        return Rejected(where=where, reason="no valid created_at", record_id=f"{SOURCE}:{item_id}",
                        raw=_excerpt(item))
    raw = text or ""
    if title:
        raw = f"<p>{html.escape(title)}</p>{raw}"
    own, quotes = split_hn_html(text or "")
    if title:
        own = f"{title}\n\n{own}".strip()
    parent_id = item.get("parent_id")
    return Draft(
        id=f"{SOURCE}:{item_id}",
        source=SOURCE,
        created_at=created_at,
        raw_text=raw,
        is_html=True,
        text=own,
        quoted=attribute_quotes(quotes, parent, parent_text=_plain(parent)) if quotes else None,
        thread_id=f"{SOURCE}:{story_id}",
        parent_id=f"{SOURCE}:{parent_id}" if parent_id is not None else None,
        author=item.get("author"),
        url=ITEM_URL.format(id=item_id),
        where=where,
    )


def _created_at(item: dict) -> datetime:
    if item.get("created_at_i") is not None:
        return parse_timestamp(item["created_at_i"])
    return parse_timestamp(item["created_at"])


def split_hn_html(markup: str) -> tuple[str, list[str]]:
    """The own words and the quotes of an HN comment: quotes are paragraphs that start with
    `&gt;` or are wholly in italics (HN has no quote markup; these are the conventions)."""
    own: list[str] = []
    quotes: list[str] = []
    for paragraph in _PARAGRAPH_BREAK.split(markup or ""):
        if not paragraph.strip():
            continue
        italic = _ITALIC_PARAGRAPH.match(paragraph)
        if _QUOTE_MARK.match(paragraph):
            quotes.append(html_to_text(_QUOTE_MARK.sub("", paragraph, count=1)).strip())
        elif italic and "<i>" not in italic.group("body").lower():
            quotes.append(html_to_text(italic.group("body")).strip())
        else:
            own.append(html_to_text(paragraph))
    return "\n\n".join(part for part in own if part), [quote for quote in quotes if quote]


def _plain(item: dict | None) -> str:
    return html_to_text((item or {}).get("text") or "") if item else ""


def _where(item) -> str:
    return f"item {item.get('id')}" if isinstance(item, dict) else "item ?"


def _excerpt(value) -> str:
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return repr(value)
