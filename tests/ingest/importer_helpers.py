"""Helpers shared by the importer tests: fixture paths and reading a file into drafts."""

from __future__ import annotations

from datetime import timezone
from pathlib import Path

import zstandard

from tracker.ingest.base import Draft, ReadOptions, Rejected

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


class ReadResult:
    """What a reader yielded, split into drafts (by id) and rejects, in order."""

    def __init__(self, items):
        self.items = list(items)
        self.drafts = {item.id: item for item in self.items if isinstance(item, Draft)}
        self.rejected = [item for item in self.items if isinstance(item, Rejected)]

    def reasons(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for item in self.rejected:
            counts[item.reason] = counts.get(item.reason, 0) + 1
        return counts


def read_with(module, path: Path, **options) -> ReadResult:
    return ReadResult(module.read(Path(path), ReadOptions(**options)))


def assert_canonical(result: ReadResult, prefix: str) -> None:
    """Invariants every reader keeps: namespaced ids and links, UTC times, no duplicate ids."""
    ids = [item.id for item in result.items if isinstance(item, Draft)]
    assert len(ids) == len(set(ids))
    for draft in result.drafts.values():
        assert draft.id.startswith(prefix)
        assert draft.thread_id is None or draft.thread_id.startswith(prefix)
        assert draft.parent_id is None or draft.parent_id.startswith(prefix)
        assert draft.created_at.tzinfo is not None
        assert draft.created_at.utcoffset() == timezone.utc.utcoffset(None)
    for rejected in result.rejected:
        assert rejected.reason
        assert rejected.record_id is None or rejected.record_id.startswith(prefix)


def compress_like_a_dump(source, target, window_log=29):
    """zstd with a long window, as the monthly dumps are: a default decoder refuses it."""
    params = zstandard.ZstdCompressionParameters.from_level(3, window_log=window_log)
    with open(source, "rb") as plain, open(target, "wb") as out:
        zstandard.ZstdCompressor(compression_params=params).copy_stream(plain, out)
    return target
