"""Reddit threads as `/comments/{id}.json` returns them: an array of two Listings, the
submission then its comment tree (`replies` is "" or a nested Listing).

Ids are Reddit's fullnames under `reddit:` (`reddit:t3_…` for the submission, `reddit:t1_…` for
comments); the submission is a record (title and self text) and the thread's id. `body` is
markdown with `&gt;`-escaped entities; `>` lines are quotes, attributed to the parent's author when
found in the parent. `[deleted]`/`[removed]` bodies are rejected with that reason; `more` stubs
(comments the page did not load) are rejected as "not loaded", one per listed id.

`comment_item` and `submission_item` turn one Reddit object into a Draft or Rejected; the
monthly dumps (reddit_dump.py) use them too.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Iterator

from tracker.errors import IngestError
from tracker.ingest.base import Draft, Item, ReadOptions, Rejected
from tracker.ingest.shared import attribute_quotes, load_json
from tracker.text import split_quotes
from tracker.times import parse_timestamp

SOURCE = "reddit"
SITE = "https://www.reddit.com"
GONE = {"[deleted]": "deleted", "[removed]": "removed", "[removed by reddit]": "removed"}
EXPECTED = "a Reddit thread from /comments/{id}.json (an array of two Listings)"


def sniff(head: str, path: Path) -> bool:
    return head.lstrip().startswith("[") and '"Listing"' in head and '"t3"' in head


def read(path: Path, options: ReadOptions) -> Iterator[Item]:
    data = load_json(path, EXPECTED, options.encoding)
    if not (isinstance(data, list) and len(data) == 2 and all(_is_listing(part) for part in data)):
        raise IngestError(f"{path}: not a Reddit thread; expected {EXPECTED}")
    submission = None
    for child in data[0]["data"].get("children", []):
        if child.get("kind") == "t3":
            submission = child.get("data") or {}
            yield submission_item(submission, where="submission")
    yield from _walk(data[1], parent=submission)


def _is_listing(value) -> bool:
    return isinstance(value, dict) and value.get("kind") == "Listing" and isinstance(value.get("data"), dict)


def _walk(listing: dict, parent: dict | None) -> Iterator[Item]:
    """Comments depth-first, each before its replies."""
    stack = [(child, parent) for child in reversed(listing["data"].get("children") or [])]
    while stack:
        child, parent = stack.pop()
        kind, data = child.get("kind"), child.get("data") or {}
        if kind == "more":
            yield from _unloaded(data)
            continue
        if kind != "t1":
            yield Rejected(where=f"{kind} {data.get('id')}", reason="not a Reddit comment", raw=str(child))
            continue
        yield comment_item(data, where=f"comment {data.get('id')}", parent=parent)
        replies = data.get("replies")
        if _is_listing(replies):
            stack.extend((reply, data) for reply in reversed(replies["data"].get("children") or []))


def _unloaded(more: dict) -> Iterator[Rejected]:
    where = f"more under {more.get('parent_id')}"
    ids = more.get("children") or []
    for comment_id in ids:
        yield Rejected(where=where, reason="not loaded", record_id=f"{SOURCE}:t1_{comment_id}")
    if not ids:  # "continue this thread": deeper replies, ids not listed
        yield Rejected(where=where, reason="not loaded")


def submission_item(data: dict, where: str) -> Item:
    fullname = _fullname(data, "t3")
    text = html.unescape(data.get("selftext") or "")
    gone = GONE.get(text.strip()) or ("removed" if data.get("removed_by_category") else None)
    if gone:
        return Rejected(where=where, reason=gone, record_id=f"{SOURCE}:{fullname}")
    try:
        created_at = parse_timestamp(data["created_utc"])
    except (KeyError, TypeError, ValueError):
        return Rejected(where=where, reason="no valid created_utc", record_id=f"{SOURCE}:{fullname}", raw=str(data))
    title = html.unescape(data.get("title") or "")
    return Draft(
        id=f"{SOURCE}:{fullname}",
        source=SOURCE,
        created_at=created_at,
        raw_text=f"{title}\n\n{text}".strip(),
        thread_id=f"{SOURCE}:{fullname}",
        parent_id=None,
        author=_author(data),
        url=_url(data),
        where=where,
    )


def comment_item(data: dict, where: str, parent: dict | None = None, split: bool = True) -> Item:
    """A Draft for comment `data`; with `split`, its own words and quotes are separated here,
    quotes attributed to `parent` when they come from it."""
    fullname = _fullname(data, "t1")
    body = data.get("body")
    if body is None:
        return Rejected(where=where, reason="no body", record_id=f"{SOURCE}:{fullname}", raw=str(data))
    body = html.unescape(body)
    gone = GONE.get(body.strip())
    if gone:
        return Rejected(where=where, reason=gone, record_id=f"{SOURCE}:{fullname}")
    try:
        created_at = parse_timestamp(data["created_utc"])
    except (KeyError, TypeError, ValueError):
        return Rejected(where=where, reason="no valid created_utc", record_id=f"{SOURCE}:{fullname}", raw=str(data))
    draft = Draft(
        id=f"{SOURCE}:{fullname}",
        source=SOURCE,
        created_at=created_at,
        raw_text=body,
        thread_id=_prefixed(data.get("link_id"), "t3"),
        parent_id=_prefixed(data.get("parent_id"), "t1"),
        author=_author(data),
        url=_url(data),
        where=where,
    )
    if split:
        parts = split_quotes(body)
        draft.text = parts.own
        if parts.quotes:
            parent_text = html.unescape((parent or {}).get("body") or (parent or {}).get("selftext") or "")
            found = attribute_quotes(parts.quotes, _as_author(parent), parent_text)
            draft.quoted = found if found != "quote" else parts.quoted
    return draft


def _fullname(data: dict, kind: str) -> str:
    name = data.get("name")
    return name if isinstance(name, str) and "_" in name else f"{kind}_{data.get('id')}"


def _prefixed(value, kind: str) -> str | None:
    """`reddit:t1_abc` from "t1_abc" (or a bare id, as some old dumps have)."""
    if not value:
        return None
    value = str(value)
    return f"{SOURCE}:{value}" if value[:3] in ("t1_", "t3_") else f"{SOURCE}:{kind}_{value}"


def _author(data: dict) -> str | None:
    author = data.get("author")
    return None if author in (None, "", "[deleted]") else author


def _as_author(parent: dict | None) -> dict | None:
    if not parent or _author(parent) is None:
        return None
    return {"author": parent["author"], "id": _fullname(parent, "t1" if "body" in parent else "t3")}


def _url(data: dict) -> str | None:
    """A comment's link built from subreddit, thread and id, so a thread page and a dump (which
    often lacks `permalink`) give the same URL; a submission's permalink."""
    subreddit, link_id, item_id = data.get("subreddit"), str(data.get("link_id") or ""), data.get("id")
    if subreddit and link_id and item_id:
        return f"{SITE}/r/{subreddit}/comments/{link_id.removeprefix('t3_')}/_/{item_id}/"
    return f"{SITE}{data['permalink']}" if data.get("permalink") else None
