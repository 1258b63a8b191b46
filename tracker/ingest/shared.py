"""Helpers shared by the JSON readers of forum exports."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tracker.errors import IngestError


def load_json(path: Path, expected: str, encoding: str | None = None):
    """The parsed JSON document of `path`, or an IngestError naming the file and what was expected."""
    try:
        with open(path, encoding=encoding or "utf-8-sig") as handle:
            return json.load(handle)
    except json.JSONDecodeError as error:
        raise IngestError(
            f"{path}: invalid or truncated JSON at line {error.lineno}, column {error.colno} "
            f"({error.msg}); expected {expected}"
        ) from None
    except UnicodeDecodeError as error:
        raise IngestError(f"{path}: not UTF-8 text ({error.reason}); expected {expected}") from None


def attribute_quotes(quotes: list[str], parent: dict | None, parent_text: str,
                     author_key: str = "author", id_key: str = "id") -> str:
    """Who the quotes are from: the parent's author and post when a quote is found in the
    parent's text (the convention of replying to what you quote), else "quote"."""
    if parent and parent.get(author_key) and parent_text and any(
        _squash(quote) and _squash(quote) in _squash(parent_text) for quote in quotes
    ):
        return f"{parent[author_key]} (post {parent[id_key]})"
    return "quote"


def _squash(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def drop_element(element, replacement: str = "") -> None:
    """Remove an lxml `element` but keep its tail text, with `replacement` in its place."""
    parent = element.getparent()
    if parent is None:
        return
    tail = replacement + "\n" + (element.tail or "")
    previous = element.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(element)
