"""Reddit monthly dumps (Pushshift, Arctic Shift): one JSON object per line, comments (`RC_…`)
or submissions (`RS_…`), plain or zstd-compressed.

The file is streamed line by line, so memory stays flat however large the month: nothing is
kept between lines. The dump is flat; the tree comes from each comment's `parent_id` and
`link_id`, namespaced like a thread page (`reddit:t1_…`, `reddit:t3_…`), so a dump and a thread
page of the same comments give the same records. A malformed line is rejected and the rest read;
a corrupt or truncated zstd stream stops the file with an IngestError.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import IO, Iterator

from tracker.errors import IngestError
from tracker.ingest.base import Item, ReadOptions, Rejected
from tracker.ingest.reddit import comment_item, submission_item

ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
ZSTD_MAX_WINDOW = 2**31  # dumps are compressed with --long=31
READ_BUFFER = 1 << 20


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
    with open(path, "rb", buffering=READ_BUFFER) as raw, _decompressed(raw) as lines:
        number = 0
        try:
            for number, line in enumerate(lines, start=1):
                if line.strip():
                    yield _item(line, number)
        except Exception as error:  # zstandard raises ZstdError; keep the import lazy
            if type(error).__name__ != "ZstdError":
                raise
            raise IngestError(
                f"{path}: the zstd stream is corrupt or truncated after line {number} ({error}); "
                "download the dump again"
            ) from None


def _decompressed(raw: IO[bytes]) -> IO[bytes]:
    """A binary line reader over the file, decompressing when it starts with zstd's magic."""
    if raw.peek(4)[:4] != ZSTD_MAGIC:
        return raw
    import zstandard

    reader = zstandard.ZstdDecompressor(max_window_size=ZSTD_MAX_WINDOW).stream_reader(raw, read_size=READ_BUFFER)
    return io.BufferedReader(reader, buffer_size=READ_BUFFER)


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
