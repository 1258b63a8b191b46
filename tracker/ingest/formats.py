"""The registry of input formats and detection of a file's format from its content.

Each format lives in its own module of this package and exposes:
- ``sniff(head: str, path: Path) -> bool``: whether the first bytes (decoded leniently) and
  the file name look like this format;
- ``read(path: Path, options: ReadOptions) -> Iterator[Draft | Rejected]``.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType

from tracker.errors import IngestError

# name -> module; detection tries them in this order, the generic tables last.
FORMAT_MODULES = {
    "hn": "tracker.ingest.hn",
    "reddit": "tracker.ingest.reddit",
    "reddit-dump": "tracker.ingest.reddit_dump",
    "discourse": "tracker.ingest.discourse",
    "disqus": "tracker.ingest.disqus",
    "forum-html": "tracker.ingest.forum_html",
    "jsonl": "tracker.ingest.tables",
    "csv": "tracker.ingest.tables",
    "parquet": "tracker.ingest.tables",
}
SNIFF_BYTES = 64 * 1024


def format_module(name: str) -> ModuleType:
    if name not in FORMAT_MODULES:
        known = ", ".join(FORMAT_MODULES)
        raise IngestError(f"unknown format '{name}'; use one of: {known}")
    return importlib.import_module(FORMAT_MODULES[name])


def read_head(path: Path) -> str:
    """The first bytes of a file as text, decompressing .zst, for sniffing."""
    with open(path, "rb") as handle:
        if path.suffix == ".zst":
            import zstandard

            reader = zstandard.ZstdDecompressor(max_window_size=2**31).stream_reader(handle)
            raw = reader.read(SNIFF_BYTES)
        else:
            raw = handle.read(SNIFF_BYTES)
    return raw.decode("utf-8", errors="replace").lstrip("\ufeff")


def detect_format(path: Path) -> str:
    """The name of the format of `path`, from its content (and extension for tables)."""
    if not path.exists():
        raise IngestError(f"{path}: no such file; check the path")
    if path.suffix.lower() == ".parquet":
        return "parquet"
    head = read_head(path)
    for name, module_name in FORMAT_MODULES.items():
        if module_name == "tracker.ingest.tables":
            continue
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            continue
        if module.sniff(head, path):
            return name
    from tracker.ingest import tables

    guessed = tables.sniff_table(head, path)
    if guessed:
        return guessed
    raise IngestError(
        f"{path}: unknown format (expected CSV/TSV, JSON Lines, Parquet, or a Hacker News, Reddit, "
        "Discourse, Disqus or forum page export); name it with --format"
    )
