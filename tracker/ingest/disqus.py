"""Disqus XML exports: `<category>`, `<thread>` and `<post>` elements under `<disqus>`, joined by
their `dsq:id` attributes.

The export is streamed with iterparse and each element freed once read, so memory holds only
the small table of threads (forum, link, title). Ids are `disqus:<forum>:<post dsq:id>`, the
thread `disqus:<forum>:t<thread dsq:id>`, the parent the post named by `<parent dsq:id>`.
Messages are HTML; the pipeline strips their `<blockquote>` quotes. Deleted posts and spam are
rejected with reason "deleted" or "spam". Email and IP addresses in the export are never read.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

from lxml import etree

from tracker.errors import IngestError
from tracker.ingest.base import Draft, Item, ReadOptions, Rejected
from tracker.times import parse_timestamp

SOURCE = "disqus"
NS = "http://disqus.com"
DSQ_ID = "{http://disqus.com/disqus-internals}id"
EXPECTED = 'a Disqus export (<disqus xmlns="http://disqus.com"> with <thread> and <post> elements)'

ROOT, CATEGORY, THREAD, POST = (f"{{{NS}}}{name}" for name in ("disqus", "category", "thread", "post"))


def sniff(head: str, path: Path) -> bool:
    return "<disqus" in head and "disqus.com" in head


def read(path: Path, options: ReadOptions) -> Iterator[Item]:
    threads: dict[str, dict] = {}
    forum = "unknown"
    depth = 0
    events = etree.iterparse(str(path), events=("start", "end"), resolve_entities=False, no_network=True,
                             huge_tree=True, remove_comments=True)
    try:
        for event, element in events:
            if event == "start":
                if depth == 0 and element.tag != ROOT:
                    root = etree.QName(element).localname
                    raise IngestError(f"{path}: the root element is <{root}>; expected {EXPECTED}")
                depth += 1
                continue
            depth -= 1
            if depth != 1:  # only the children of <disqus>: <thread> also appears inside <post>
                continue
            if element.tag == CATEGORY:
                forum = _child_text(element, "forum") or forum
            elif element.tag == THREAD:
                thread = _thread(element, forum)
                forum = thread["forum"]
                threads[thread["id"]] = thread
            elif element.tag == POST:
                yield _post(element, threads, forum)
            _free(element)
    except etree.XMLSyntaxError as error:
        line = error.position[0] if error.position else "?"
        raise IngestError(f"{path}: broken XML at line {line} ({error.msg}); expected {EXPECTED}") from None


def _thread(element, forum: str) -> dict:
    return {
        "id": element.get(DSQ_ID),
        "forum": _child_text(element, "forum") or forum,
        "link": _child_text(element, "link"),
        "title": _child_text(element, "title"),
    }


def _post(element, threads: dict[str, dict], forum: str) -> Item:
    post_id = element.get(DSQ_ID)
    thread_ref = element.find(THREAD)
    thread = threads.get(thread_ref.get(DSQ_ID) if thread_ref is not None else None)
    forum = thread["forum"] if thread else forum
    key = f"{SOURCE}:{forum}:{post_id}"
    where = f"post {post_id}"
    if not post_id:
        return Rejected(where=where, reason="no dsq:id", raw=etree.tostring(element, encoding="unicode"))
    if _child_text(element, "isSpam") == "true":
        return Rejected(where=where, reason="spam", record_id=key)
    if _child_text(element, "isDeleted") == "true":
        return Rejected(where=where, reason="deleted", record_id=key)
    try:
        created_at = parse_timestamp(_child_text(element, "createdAt"))
    except ValueError:
        return Rejected(where=where, reason="no valid createdAt", record_id=key)
    parent = element.find(f"{{{NS}}}parent")
    author = element.find(f"{{{NS}}}author")
    thread_id = thread_ref.get(DSQ_ID) if thread_ref is not None else None
    return Draft(
        id=key,
        source=SOURCE,
        created_at=created_at,
        raw_text=_child_text(element, "message") or "",
        is_html=True,
        thread_id=f"{SOURCE}:{forum}:t{thread_id}" if thread_id else None,
        parent_id=f"{SOURCE}:{forum}:{parent.get(DSQ_ID)}" if parent is not None and parent.get(DSQ_ID) else None,
        author=(_child_text(author, "username") or _child_text(author, "name")) if author is not None else None,
        url=f"{thread['link']}#comment-{post_id}" if thread and thread.get("link") else None,
        where=where,
    )


def _child_text(element, name: str) -> str | None:
    child = element.find(f"{{{NS}}}{name}")
    if child is None or child.text is None:
        return None
    return child.text.strip()


def _free(element) -> None:
    """Drop a processed element and the siblings before it, so the tree never grows."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]
