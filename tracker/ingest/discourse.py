"""Discourse topics as `/t/{id}.json` returns them: `post_stream.posts` with `cooked` HTML.

Ids are `discourse:<host>:<post id>`, the thread `discourse:<host>:t<topic id>`. The host is not a
field of the topic JSON: it is read from the avatar paths (`/user_avatar/<host>/…`) or absolute
topic links, or named with `--source discourse:<host>`. A post's parent is the post it replies
to (`reply_to_post_number`), or the topic's first post when it replies to the topic.

Quotes are `<aside class="quote" data-username data-post>` blocks: removed from `text`, kept in
`raw_text`, attributed "alice (post 3)". Deleted and hidden posts and system messages are
rejected with that reason; ids in `post_stream.stream` the page did not load are rejected as
"not loaded".
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Iterator

from lxml import html as lxml_html

from tracker.errors import IngestError
from tracker.ingest.base import Draft, Item, ReadOptions, Rejected
from tracker.ingest.shared import drop_element, load_json
from tracker.text import html_to_text
from tracker.times import parse_timestamp

SOURCE = "discourse"
EXPECTED = "a Discourse topic from /t/{id}.json (with post_stream.posts)"
SYSTEM_POST_TYPES = {3: "system message"}  # 3: small action ("closed the topic", "split this topic")

_AVATAR_HOST = re.compile(r"/user_avatar/(?P<host>[a-z0-9.-]+\.[a-z]{2,})/", re.IGNORECASE)
_TOPIC_LINK_HOST = re.compile(r"https?://(?P<host>[a-z0-9.-]+\.[a-z]{2,})(?::\d+)?/t/", re.IGNORECASE)


def sniff(head: str, path: Path) -> bool:
    return head.lstrip().startswith("{") and '"post_stream"' in head


def read(path: Path, options: ReadOptions) -> Iterator[Item]:
    topic = load_json(path, EXPECTED, options.encoding)
    posts = (topic.get("post_stream") or {}).get("posts") if isinstance(topic, dict) else None
    if not isinstance(posts, list):
        raise IngestError(f"{path}: not a Discourse topic; expected {EXPECTED}")
    host = forum_host(topic, options)
    if host is None:
        raise IngestError(
            f"{path}: cannot tell which Discourse forum this topic comes from (no /user_avatar/<host>/ "
            "path or topic link in it); name it with --source discourse:forum.example.com"
        )
    topic_id = topic.get("id") or next((p.get("topic_id") for p in posts if isinstance(p, dict)), None)
    ids_by_number = {p.get("post_number"): p.get("id") for p in posts if isinstance(p, dict)}
    context = _Topic(host=host, topic_id=topic_id, slug=topic.get("slug") or "topic", ids_by_number=ids_by_number)
    for index, post in enumerate(posts):
        if not isinstance(post, dict) or "id" not in post:
            yield Rejected(where=f"post {index}", reason="not a Discourse post", raw=str(post))
            continue
        yield _to_item(post, context)
    loaded = {p.get("id") for p in posts if isinstance(p, dict)}
    for post_id in (topic.get("post_stream") or {}).get("stream") or []:
        if post_id not in loaded:
            yield Rejected(where=f"post {post_id}", reason="not loaded", record_id=context.post_key(post_id))


class _Topic:
    def __init__(self, host: str, topic_id, slug: str, ids_by_number: dict):
        self.host, self.topic_id, self.slug, self.ids_by_number = host, topic_id, slug, ids_by_number

    def post_key(self, post_id) -> str:
        return f"{SOURCE}:{self.host}:{post_id}"

    def parent_key(self, post: dict) -> str | None:
        number = post.get("reply_to_post_number")
        if number is None:
            number = 1 if (post.get("post_number") or 1) > 1 else None
        post_id = self.ids_by_number.get(number)
        return self.post_key(post_id) if post_id is not None else None


def _to_item(post: dict, topic: _Topic) -> Item:
    key = topic.post_key(post["id"])
    where = f"post {post.get('post_number', post['id'])}"
    if post.get("deleted_at") or post.get("user_deleted"):
        return Rejected(where=where, reason="deleted", record_id=key)
    if post.get("hidden"):
        return Rejected(where=where, reason="hidden", record_id=key)
    if post.get("post_type") in SYSTEM_POST_TYPES:
        return Rejected(where=where, reason=SYSTEM_POST_TYPES[post["post_type"]], record_id=key)
    try:
        created_at = parse_timestamp(post.get("created_at"))
    except ValueError:
        return Rejected(where=where, reason="no valid created_at", record_id=key, raw=str(post))
    cooked = post.get("cooked") or ""
    own, quoted = split_cooked(cooked, topic.topic_id)
    return Draft(
        id=key,
        source=SOURCE,
        created_at=created_at,
        raw_text=cooked,
        is_html=True,
        text=own,
        quoted=quoted,
        thread_id=f"{SOURCE}:{topic.host}:t{topic.topic_id}",
        parent_id=topic.parent_key(post),
        author=post.get("username"),
        url=f"https://{topic.host}/t/{topic.slug}/{topic.topic_id}/{post.get('post_number', '')}".rstrip("/"),
        where=where,
    )


def split_cooked(cooked: str, topic_id=None) -> tuple[str, str | None]:
    """The own words of a cooked post as plain text, and who it quotes ("alice (post 3)").

    Quote asides and plain blockquotes are removed; onebox link previews become their link (the preview is the linked
    page's text, not the author's)."""
    if not cooked.strip():
        return "", None
    root = lxml_html.fragment_fromstring(cooked, create_parent="div")
    quoted: list[str] = []
    for aside in root.xpath(".//aside[contains(concat(' ', normalize-space(@class), ' '), ' quote ')]"):
        quoted.append(_quote_label(aside, topic_id))
        drop_element(aside)
    for blockquote in root.xpath(".//blockquote"):  # markdown "> " quotes name nobody
        quoted.append("quote")
        drop_element(blockquote)
    for aside in root.xpath(".//aside[contains(concat(' ', normalize-space(@class), ' '), ' onebox ')]"):
        link = aside.get("data-onebox-src") or ""
        drop_element(aside, replacement=link)
    own = html_to_text(lxml_html.tostring(root, encoding="unicode"))
    named = [label for label in quoted if label != "quote"]
    return own, "; ".join(dict.fromkeys(named or quoted)) or None


def _quote_label(aside, topic_id) -> str:
    who = aside.get("data-username") or aside.get("data-name")
    if not who:
        return "quote"
    post, other_topic = aside.get("data-post"), aside.get("data-topic")
    if post and other_topic and str(other_topic) != str(topic_id):
        return f"{who} (post {post}, topic {other_topic})"
    return f"{who} (post {post})" if post else who


def forum_host(topic: dict, options: ReadOptions) -> str | None:
    """The forum's host name: from `--source discourse:<host>`, else the most common host in
    avatar paths and topic links."""
    if options.source and options.source.startswith(f"{SOURCE}:"):
        return options.source.split(":", 1)[1].strip().lower() or None
    seen: Counter = Counter()
    details = topic.get("details") or {}
    people = [details.get("created_by") or {}, *(details.get("participants") or [])]
    for post in (topic.get("post_stream") or {}).get("posts") or []:
        if isinstance(post, dict):
            people.append(post)
            seen.update(m.group("host").lower() for m in _TOPIC_LINK_HOST.finditer(post.get("cooked") or ""))
    for person in people:
        found = _AVATAR_HOST.search(str(person.get("avatar_template") or ""))
        if found:
            seen[found.group("host").lower()] += 2  # avatars name the forum itself; links may point elsewhere
    return seen.most_common(1)[0][0] if seen else None
