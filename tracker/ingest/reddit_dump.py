"""Reddit monthly dumps (Pushshift, Arctic Shift): one JSON object per line, comments (`RC_…`)
or submissions (`RS_…`), plain or zstd-compressed.

The file is streamed line by line, so memory stays flat however large the month: nothing is
kept between lines. The dump is flat; the tree comes from each comment's `parent_id` and
`link_id`, namespaced like a thread page (`reddit:t1_…`, `reddit:t3_…`), so a dump and a thread
page of the same comments give the same records. A malformed line is rejected and the rest read;
a corrupt or truncated zstd stream raises an IngestError after the lines before the damage.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Iterator

from tracker.errors import IngestError
from tracker.ingest.base import Item, ReadOptions, Rejected
from tracker.ingest.reddit import comment_item, submission_item

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
ZSTD_MAX_WINDOW = 2**31  # dumps are compressed with --long=31
READ_BUFFER = 1 << 20
ZSTD_READ = 1 << 17  # compressed bytes per step: dumps compress ~10x, so a few MB of lines at a time


def sniff(head: str, path: Path) -> bool:
    if path.name.startswith(("RC_", "RS_")) and path.suffix in (".zst", ".ndjson", ".jsonl", ".json", ""):
        return True
    first = head.lstrip().split("\n", 1)[0]
    return (
        first.startswith("{")
        and '"subreddit"' in first
        and '"created_utc"' in first
        and ('"body"' in first or '"selftext"' in first)
    )


def read(path: Path, options: ReadOptions) -> Iterator[Item]:
    with open(path, "rb", buffering=READ_BUFFER) as raw:
        lines = _zstd_lines(raw, path) if raw.peek(4)[:4] == ZSTD_MAGIC else raw
        for number, line in enumerate(lines, start=1):
            if line.strip():
                yield _item(line, number)


def _zstd_lines(raw: IO[bytes], path: Path) -> Iterator[bytes]:
    """Lines of a zstd stream, decompressed chunk by chunk. A stream that stops inside a frame
    (an interrupted download) raises IngestError instead of ending quietly."""
    import zstandard

    decompressor = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW)
    frame, fed, pending, number = decompressor.decompressobj(), False, b"", 0
    try:
        for block in iter(lambda: raw.read(ZSTD_READ), b""):
            while block:
                pending += frame.decompress(block)
                fed = True
                block = b""
                if frame.eof:  # a frame ended; the file may hold more frames
                    block, frame, fed = frame.unused_data, decompressor.decompressobj(), False
            *complete, pending = pending.split(b"\n")
            for line in complete:
                number += 1
                yield line
    except zstandard.ZstdError as error:
        raise IngestError(f"{path}: the zstd stream is corrupt after line {number} ({error}); "
                          "download the dump again") from None
    if fed:
        raise IngestError(f"{path}: the zstd stream is truncated after line {number}; download the dump again")
    if pending:
        yield pending


def _item(line: bytes, number: int) -> Item:
    where = f"line {number}"
    try:
        data = json.loads(line)
    except UnicodeDecodeError:
        return Rejected(where=where, reason="not UTF-8", raw=_excerpt(line))
    except ValueError:  # json.JSONDecodeError
        return Rejected(where=where, reason="malformed JSON", raw=_excerpt(line))
    if not isinstance(data, dict):
        return Rejected(where=where, reason="not a Reddit comment or submission", raw=_excerpt(line))
    if "body" in data:
        return comment_item(data, where=where, split=False)
    if "title" in data:
        return submission_item(data, where=where)
    return Rejected(where=where, reason="not a Reddit comment or submission", raw=_excerpt(line))


def _excerpt(line: bytes) -> str:
    return line[:500].decode("utf-8", errors="replace")
