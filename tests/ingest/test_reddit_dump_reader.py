import json

import pytest
import zstandard

from tracker.errors import IngestError
from tracker.ingest import reddit, reddit_dump
from tracker.ingest.base import ReadOptions

from tests.ingest.importer_helpers import FIXTURES, assert_canonical, compress_like_a_dump, read_with

COMMENTS = FIXTURES / "reddit_dump" / "RC_2025-01_sample.ndjson"
SUBMISSIONS = FIXTURES / "reddit_dump" / "RS_2025-01_sample.ndjson"


def test_comment_dump_counts_and_reasons():
    result = read_with(reddit_dump, COMMENTS)
    assert_canonical(result, "reddit:")
    assert len(result.drafts) == 5
    assert result.reasons() == {"deleted": 1, "removed": 1, "malformed JSON": 1,
                                "not a Reddit comment or submission": 1}
    assert [r.where for r in result.rejected] == ["line 3", "line 5", "line 6", "line 9"]


def test_flat_dump_rebuilds_the_tree_from_parent_and_link_ids():
    drafts = read_with(reddit_dump, COMMENTS).drafts
    assert drafts["reddit:t1_m9kq101"].parent_id == "reddit:t1_m9kq001"
    assert drafts["reddit:t1_m9kq301"].parent_id == "reddit:t1_m9kq201"  # the deleted comment
    assert drafts["reddit:t1_m9kq001"].thread_id == "reddit:t3_1ibx7k2"
    assert drafts["reddit:t1_m9zz001"].thread_id == "reddit:t3_1icfr55"


def test_string_epoch_and_escaped_markdown_are_decoded():
    reply = read_with(reddit_dump, COMMENTS).drafts["reddit:t1_m9kq101"]
    assert reply.created_at.isoformat() == "2025-01-27T15:39:05+00:00"
    assert reply.raw_text.startswith("> It is not o1") and "cheaper & someone" in reply.raw_text
    assert reply.text is None  # the pipeline strips the quote


def test_dump_and_thread_page_give_the_same_ids_and_links():
    dump = read_with(reddit_dump, COMMENTS).drafts
    page = read_with(reddit, FIXTURES / "reddit" / "comments_1ibx7k2.json").drafts
    for comment_id in set(dump) & set(page):
        assert (dump[comment_id].thread_id, dump[comment_id].parent_id, dump[comment_id].created_at) == (
            page[comment_id].thread_id, page[comment_id].parent_id, page[comment_id].created_at)
    assert len(set(dump) & set(page)) == 3


def test_url_is_rebuilt_when_the_dump_has_no_permalink():
    drafts = read_with(reddit_dump, COMMENTS).drafts
    assert drafts["reddit:t1_m9zz001"].url == "https://www.reddit.com/r/france/comments/1icfr55/_/m9zz001/"


def test_submission_dump_yields_submissions_and_rejects_removed_ones():
    result = read_with(reddit_dump, SUBMISSIONS)
    assert list(result.drafts) == ["reddit:t3_1ibx7k2"]
    assert result.rejected[0].reason == "removed" and result.rejected[0].record_id == "reddit:t3_1icfr55"


def test_zstd_dump_with_a_long_window_reads_like_the_plain_file(tmp_path):
    packed = compress_like_a_dump(COMMENTS, tmp_path / "RC_2025-01.zst")
    with pytest.raises(zstandard.ZstdError):
        zstandard.ZstdDecompressor().stream_reader(open(packed, "rb")).read(100)
    plain, compressed = read_with(reddit_dump, COMMENTS), read_with(reddit_dump, packed)
    assert compressed.drafts == plain.drafts
    assert compressed.reasons() == plain.reasons()


def test_truncated_zstd_stream_raises_after_the_lines_it_could_read(tmp_path):
    lines = [json.dumps({"id": f"c{i}", "body": "open weights " * 20, "created_utc": 1737990000 + i,
                         "link_id": "t3_x", "parent_id": "t3_x", "subreddit": "s"}) for i in range(2000)]
    source = tmp_path / "plain.ndjson"
    source.write_text("\n".join(lines) + "\n")
    packed = compress_like_a_dump(source, tmp_path / "RC_cut.zst")
    packed.write_bytes(packed.read_bytes()[: packed.stat().st_size // 2])
    seen = 0
    with pytest.raises(IngestError, match=r"RC_cut\.zst: the zstd stream is (corrupt|truncated) after line \d+"):
        for _ in reddit_dump.read(packed, ReadOptions()):
            seen += 1
    assert 0 < seen < 2000


def test_reader_is_lazy_and_keeps_nothing_between_lines(tmp_path):
    path = tmp_path / "big.ndjson"
    line = json.dumps({"id": "a", "body": "x", "created_utc": 1, "link_id": "t3_a", "parent_id": "t3_a",
                       "subreddit": "s"})
    path.write_text((line + "\n") * 10)
    items = reddit_dump.read(path, ReadOptions())
    first = next(items)
    assert first.where == "line 1"
    assert sum(1 for _ in items) == 9
