"""Saved thread pages of vBulletin 3, vBulletin 4 and phpBB forums (the HTML a browser saves).

Each post becomes a record `vbulletin:<host>:<post id>` or `phpbb:<host>:<post id>`; the thread is
`<source>:<host>:t<thread id>`, read from the page (canonical link, reply form, topic links), so
the pages of one thread ingested one by one keep one thread. The host comes from the page (the
"saved from" comment, canonical link, og:url, base) or `--source vbulletin:<host>`.

Quotes are the forum's own markup: vBulletin 4 `div.bbcode_container` (author and post in
`bbcode_postedby`), vBulletin 3 "Citation :" blocks, phpBB `<blockquote><cite>X a écrit :</cite>`.
They are removed from `text` (code boxes too), kept in `raw_text`, and attributed "bob (post 123)";
a post quoting another post is its reply (parent). Forums are otherwise flat: a post that quotes
no post has no parent.

Dates are wall-clock times in the board's zone (`options.timezone`; the CLI defaults to
Europe/Paris for these pages) unless the page gives an ISO time (phpBB 3.1+ `<time datetime>`).
"Aujourd'hui" and "Hier" count from the day the file was saved (its modification time).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from pathlib import Path
from typing import Iterator
from urllib.parse import urljoin, urlparse

from lxml import etree
from lxml import html as lxml_html

from tracker.errors import IngestError
from tracker.ingest.shared import drop_element
from tracker.ingest.base import Draft, Item, ReadOptions, Rejected
from tracker.ingest.dates import parse_forum_date
from tracker.text import html_to_text
from tracker.times import parse_timestamp, zone

EXPECTED = "a saved vBulletin 3/4 or phpBB thread page (li#post_…, div#post_message_…, or div.post#p…)"

_SAVED_FROM = re.compile(r"<!--\s*saved from url=\(\d+\)(?P<url>\S+?)\s*-->", re.IGNORECASE)
_POST_LINK = re.compile(r"(?:[?&;]p=|#post|#p)(?P<id>\d+)")
_THREAD_LINK = {
    "vbulletin": re.compile(
        r"showthread\.php\?(?:[^\"'#]*?[?&;])?(?:t=)?(?P<id>\d+)|/threads?/(?P<id2>\d+)|/d(?P<id3>\d+)/"
    ),
    "phpbb": re.compile(r"viewtopic\.php\?(?:[^\"'#]*?(?:&amp;|[?&;]))?t=(?P<id>\d+)|-t(?P<id2>\d+)(?:-\d+)?\.html"),
}
_CHARSET = re.compile(rb"<meta[^>]+charset|<\?xml[^>]+encoding", re.IGNORECASE)
_QUOTE_HEADER = re.compile(r"^\s*(?:citation|quote)\s*:?\s*$", re.IGNORECASE)
_CODE_HEADER = re.compile(r"^\s*(?:code|php|html|sql|xml)(?:\s*\w+)?\s*:?\s*$", re.IGNORECASE)
_CITE_WROTE = re.compile(r"\s*(?:a\s+[ée]crit|wrote)\s*:?.*$", re.IGNORECASE | re.DOTALL)
_POSTED_BY = re.compile(r"^\s*(?:envoy[ée] par|post[ée] par|originally posted by|posted by)\s*", re.IGNORECASE)


def sniff(head: str, path: Path) -> bool:
    lowered = head.lower()
    if "<html" not in lowered and "<!doctype" not in lowered:
        return False
    return any(mark in lowered for mark in ("vbulletin", "post_message_", "phpbb", "viewtopic.php"))


@dataclass
class _Page:
    source: str
    host: str
    url: str | None
    thread_key: str | None
    zone: tzinfo
    today: date

    def key(self, post_id: str) -> str:
        return f"{self.source}:{self.host}:{post_id}"


@dataclass
class _Post:
    post_id: str
    element: object
    content: object | None
    author: str | None
    date_text: str
    iso_time: str | None
    permalink: str | None
    deleted: bool = False


def read(path: Path, options: ReadOptions) -> Iterator[Item]:
    raw = path.read_bytes()
    try:
        encoding = options.encoding or _undeclared_encoding(raw)
        parser = lxml_html.HTMLParser(encoding=encoding) if encoding else None
        document = lxml_html.document_fromstring(raw, parser=parser)
    except (etree.ParserError, ValueError) as error:
        raise IngestError(f"{path}: not an HTML page ({error}); expected {EXPECTED}") from None
    source, posts = _find_posts(document)
    if not posts:
        raise IngestError(f"{path}: no forum posts found; expected {EXPECTED}")
    page = _page(document, raw, source, path, options)
    for post in posts:
        yield _to_item(post, page)


def _undeclared_encoding(raw: bytes) -> str | None:
    """None when the page names its charset (lxml then follows it); else UTF-8 if the bytes
    decode as UTF-8, else Windows-1252 (pages saved without the server's Content-Type header)."""
    if _CHARSET.search(raw[:4096]):
        return None
    try:
        raw.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        return "cp1252"


def _find_posts(document) -> tuple[str, list[_Post]]:
    vb4 = document.xpath("//li[starts-with(@id, 'post_')][.//div[starts-with(@id, 'post_message_')] "
                         "or contains(@class, 'postbitdeleted')]")
    if vb4:
        return "vbulletin", [_vb4_post(li) for li in vb4]
    phpbb = document.xpath("//div[starts-with(@id, 'p')]"
                           "[contains(concat(' ', normalize-space(@class), ' '), ' post ')]")
    if phpbb:
        return "phpbb", [_phpbb_post(div) for div in phpbb]
    vb3 = document.xpath("//div[starts-with(@id, 'post_message_')]")
    return "vbulletin", [_vb3_post(div) for div in vb3]


def _vb4_post(li) -> _Post:
    post_id = li.get("id").removeprefix("post_")
    date_span = li.xpath(".//span[contains(@class, 'postdate')]")
    link = li.xpath(".//a[contains(@class, 'postcounter')]/@href")
    return _Post(
        post_id=post_id,
        element=li,
        content=_first(li.xpath(f".//div[@id='post_message_{post_id}']")),
        author=_text(_first(li.xpath(".//*[contains(@class, 'username')]"))),
        date_text=_text(_first(date_span)) or "",
        iso_time=None,
        permalink=link[0] if link else None,
        deleted="postbitdeleted" in (li.get("class") or ""),
    )


def _vb3_post(div) -> _Post:
    post_id = div.get("id").removeprefix("post_message_")
    containers = div.xpath(f"ancestor::table[@id='post{post_id}']") or div.xpath("ancestor::table[1]")
    scope = containers[0] if containers else div
    header = _first(scope.xpath(".//td[contains(@class, 'thead')]"))
    author = _first(scope.xpath(f".//*[@id='postmenu_{post_id}']//a | .//a[contains(@class, 'bigusername')]"))
    link = scope.xpath(f".//a[@id='postcount{post_id}']/@href")
    return _Post(post_id=post_id, element=scope, content=div, author=_text(author),
                 date_text=_text(header) or "", iso_time=None, permalink=link[0] if link else None)


def _phpbb_post(div) -> _Post:
    post_id = div.get("id").removeprefix("p")
    author_line = _first(div.xpath(".//p[contains(@class, 'author')]"))
    author = _first(div.xpath(".//dl[contains(@class, 'postprofile')]//a[contains(@class, 'username')]"
                              " | .//dl[contains(@class, 'postprofile')]//dt//strong"
                              " | .//p[contains(@class, 'author')]//strong"))
    time_element = _first(div.xpath(".//p[contains(@class, 'author')]//time[@datetime]"))
    link = div.xpath(".//p[contains(@class, 'author')]//a[contains(@href, '#p')]/@href")
    classes = f" {div.get('class') or ''} "
    return _Post(
        post_id=post_id,
        element=div,
        content=_first(div.xpath(".//div[contains(concat(' ', normalize-space(@class), ' '), ' content ')]")),
        author=_text(author),
        date_text=_text(author_line) or "",
        iso_time=time_element.get("datetime") if time_element is not None else None,
        permalink=link[0] if link else None,
        deleted=" deleted " in classes,
    )


def _to_item(post: _Post, page: _Page) -> Item:
    key = page.key(post.post_id)
    where = f"post {post.post_id}"
    if post.deleted:
        return Rejected(where=where, reason="deleted", record_id=key)
    if post.content is None:
        return Rejected(where=where, reason="no message", record_id=key, raw=_outer(post.element))
    try:
        created_at = parse_timestamp(post.iso_time) if post.iso_time else None
    except ValueError:
        created_at = None
    created_at = created_at or parse_forum_date(post.date_text, page.zone, page.today)
    if created_at is None:
        return Rejected(where=where, reason="no date", record_id=key, raw=post.date_text)
    raw_text = _inner(post.content)
    own, quotes = _split_post(post.content, page.source)
    quoted_post = next((post_id for _, post_id in quotes if post_id), None)
    return Draft(
        id=key,
        source=page.source,
        created_at=created_at,
        raw_text=raw_text,
        is_html=True,
        text=own,
        quoted=_quoted_label(quotes),
        thread_id=page.thread_key,
        parent_id=page.key(quoted_post) if quoted_post and quoted_post != post.post_id else None,
        author=post.author,
        url=urljoin(page.url or f"https://{page.host}/", post.permalink) if post.permalink else None,
        where=where,
    )


# --- quotes -------------------------------------------------------------------------------


def _split_post(content, source: str) -> tuple[str, list[tuple[str | None, str | None]]]:
    """The own words of a post (quotes and code removed) and its quotes as (author, post id)."""
    content = copy.deepcopy(content)
    quotes: list[tuple[str | None, str | None]] = []
    if source == "phpbb":
        for block in content.xpath(".//blockquote[not(ancestor::blockquote)]"):
            quotes.append(_phpbb_quote(block))
            drop_element(block)
        for block in content.xpath(".//div[contains(@class, 'codebox')]"):
            drop_element(block)
    else:
        outermost = "not(ancestor::div[contains(@class, 'bbcode_container')])"
        for block in content.xpath(f".//div[contains(@class, 'bbcode_container')][{outermost}]"):
            if block.xpath(".//*[contains(@class, 'bbcode_quote')]"):
                quotes.append(_vb4_quote(block))
            drop_element(block)
        for header in content.xpath(".//div[contains(@class, 'smallfont')]"):
            block = header.getparent()
            if block is None or block.getparent() is None:
                continue
            if _QUOTE_HEADER.match(_text(header) or ""):
                quotes.append(_vb3_quote(block))
                drop_element(block)
            elif _CODE_HEADER.match(_text(header) or ""):
                drop_element(block)
    return html_to_text(_inner(content)), quotes


def _vb4_quote(block) -> tuple[str | None, str | None]:
    posted_by = _first(block.xpath(".//*[contains(@class, 'bbcode_postedby')]"))
    if posted_by is None:
        return None, None
    return _text(_first(posted_by.xpath(".//strong"))), _linked_post(posted_by)


def _vb3_quote(block) -> tuple[str | None, str | None]:
    for line in block.xpath(".//td//div"):
        if _POSTED_BY.match(_text(line) or ""):
            who = _text(_first(line.xpath(".//strong"))) or _POSTED_BY.sub("", _text(line) or "")
            return who or None, _linked_post(line)
    return None, None


def _phpbb_quote(block) -> tuple[str | None, str | None]:
    cite = _first(block.xpath(".//cite[not(ancestor::blockquote[ancestor::blockquote])]"))
    if cite is None:
        return None, None
    who = _text(_first(cite.xpath(".//a[contains(@href, 'memberlist')]"))) or _CITE_WROTE.sub("", _text(cite) or "")
    post_id = _first(cite.xpath(".//a/@data-post-id")) or _linked_post(cite)
    return (who.strip() or None) if who else None, post_id


def _linked_post(element) -> str | None:
    for href in element.xpath(".//a/@href"):
        found = _POST_LINK.search(href)
        if found:
            return found.group("id")
    return None


def _quoted_label(quotes: list[tuple[str | None, str | None]]) -> str | None:
    if not quotes:
        return None
    labels = [f"{who} (post {post_id})" if post_id else who for who, post_id in quotes if who]
    return "; ".join(dict.fromkeys(labels)) if labels else "quote"


# --- the page ------------------------------------------------------------------------------


def _page(document, raw: bytes, source: str, path: Path, options: ReadOptions) -> _Page:
    url = _page_url(document, raw)
    host = _host(url, options, source)
    if host is None:
        raise IngestError(
            f"{path}: cannot tell which forum this page comes from (no 'saved from' comment, canonical "
            f"link or og:url); name it with --source {source}:forum.example.com"
        )
    board_zone = zone(options.timezone)
    today = datetime.fromtimestamp(path.stat().st_mtime, tz=board_zone).date()
    thread_id = _thread_id(document, raw, url, source)
    thread_key = f"{source}:{host}:t{thread_id}" if thread_id else None
    return _Page(source=source, host=host, url=url, thread_key=thread_key, zone=board_zone, today=today)


def _page_url(document, raw: bytes) -> str | None:
    saved = _SAVED_FROM.search(raw[:4096].decode("latin-1"))
    if saved:
        return saved.group("url")
    for xpath in ("//link[@rel='canonical']/@href", "//meta[@property='og:url']/@content", "//base/@href"):
        found = document.xpath(xpath)
        if found and urlparse(found[0]).netloc:
            return found[0]
    return None


def _host(url: str | None, options: ReadOptions, source: str) -> str | None:
    if options.source and options.source.startswith(f"{source}:"):
        return options.source.split(":", 1)[1].strip().lower() or None
    return urlparse(url).netloc.lower() if url else None


def _thread_id(document, raw: bytes, url: str | None, source: str) -> str | None:
    """From the reply form's hidden `t`/`threadid`, else the page URL, else the most linked thread."""
    for name in ("t", "threadid", "topic_id"):
        found = document.xpath(f"//input[@type='hidden'][@name='{name}']/@value")
        if found and found[0].isdigit():
            return found[0]
    pattern = _THREAD_LINK[source]
    if url:
        found = pattern.search(url)
        if found:
            return next(group for group in found.groups() if group)
    counts: dict[str, int] = {}
    for href in document.xpath("//a/@href"):
        found = pattern.search(href)
        if found:
            thread = next(group for group in found.groups() if group)
            counts[thread] = counts.get(thread, 0) + 1
    return max(counts, key=counts.get) if counts else None


# --- small helpers -------------------------------------------------------------------------


def _first(found):
    return found[0] if found else None


def _text(element) -> str | None:
    if element is None:
        return None
    text = " ".join(element.text_content().replace("\xa0", " ").split())
    return text or None


def _inner(element) -> str:
    parts = [element.text or ""]
    parts.extend(lxml_html.tostring(child, encoding="unicode") for child in element)
    return "".join(parts).strip()


def _outer(element) -> str:
    return lxml_html.tostring(element, encoding="unicode") if element is not None else ""
