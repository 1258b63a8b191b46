from datetime import datetime, timezone

import pytest

from tracker.errors import IngestError
from tracker.ingest import reddit
from tracker.ingest.base import ReadOptions

from tests.ingest.importer_helpers import FIXTURES, assert_canonical, read_with

THREAD = FIXTURES / "reddit" / "comments_1ibx7k2.json"


def test_thread_counts_and_reasons():
    result = read_with(reddit, THREAD)
    assert_canonical(result, "reddit:")
    assert sorted(result.drafts) == [
        "reddit:t1_m9kq001", "reddit:t1_m9kq101", "reddit:t1_m9kq301", "reddit:t1_m9kq401",
        "reddit:t1_m9kq601", "reddit:t3_1ibx7k2",
    ]
    assert result.reasons() == {"deleted": 1, "removed": 1, "not loaded": 3}


def test_submission_is_the_thread_root():
    drafts = read_with(reddit, THREAD).drafts
    submission = drafts["reddit:t3_1ibx7k2"]
    assert submission.parent_id is None and submission.thread_id == "reddit:t3_1ibx7k2"
    assert submission.raw_text.startswith("DeepSeek-R1 is open & MIT licensed")
    assert {d.thread_id for d in drafts.values()} == {"reddit:t3_1ibx7k2"}
    assert drafts["reddit:t1_m9kq001"].parent_id == "reddit:t3_1ibx7k2"


def test_nested_replies_keep_their_parents_even_under_a_deleted_comment():
    result = read_with(reddit, THREAD)
    assert result.drafts["reddit:t1_m9kq101"].parent_id == "reddit:t1_m9kq001"
    deleted = next(r for r in result.rejected if r.reason == "deleted")
    assert deleted.record_id == "reddit:t1_m9kq201"
    assert result.drafts["reddit:t1_m9kq301"].parent_id == "reddit:t1_m9kq201"


def test_more_stub_lists_each_unloaded_id():
    result = read_with(reddit, THREAD)
    unloaded = [r.record_id for r in result.rejected if r.reason == "not loaded"]
    assert unloaded == ["reddit:t1_m9kq102", "reddit:t1_m9kq103", "reddit:t1_m9kq104"]


def test_deleted_author_with_surviving_body_is_kept_without_author():
    french = read_with(reddit, THREAD).drafts["reddit:t1_m9kq401"]
    assert french.author is None
    assert "souveraineté" in french.raw_text


def test_markdown_quote_is_removed_and_attributed_to_the_parent_comment():
    reply = read_with(reddit, THREAD).drafts["reddit:t1_m9kq101"]
    assert reply.raw_text.startswith("> It is not o1")
    assert reply.text.startswith("Free until you count")
    assert "it is *mine*" not in reply.text
    assert "cheaper & someone" in reply.text  # &amp; decoded
    assert reply.quoted == "gpu_poor (post t1_m9kq001)"


def test_quote_of_the_submission_is_attributed_to_its_author():
    french = read_with(reddit, THREAD).drafts["reddit:t1_m9kq601"]
    assert french.text.startswith("Non. Ils ont distillé")
    assert french.quoted == "weights_or_bust (post t3_1ibx7k2)"


def test_created_utc_float_is_kept_to_the_fraction():
    drafts = read_with(reddit, THREAD).drafts
    assert drafts["reddit:t1_m9kq601"].created_at == datetime(2025, 1, 27, 17, 0, 0, 500000, tzinfo=timezone.utc)
    assert drafts["reddit:t1_m9kq001"].url == "https://www.reddit.com/r/LocalLLaMA/comments/1ibx7k2/_/m9kq001/"
    assert drafts["reddit:t3_1ibx7k2"].url.endswith("/comments/1ibx7k2/deepseekr1_is_open_mit_licensed_did_open_models/")


def test_a_listing_that_is_not_a_thread_is_refused(tmp_path):
    path = tmp_path / "listing.json"
    path.write_text('{"kind": "Listing", "data": {"children": []}}')
    with pytest.raises(IngestError, match="not a Reddit thread; expected a Reddit thread from /comments/"):
        list(reddit.read(path, ReadOptions()))


def test_truncated_thread_names_line_and_column(tmp_path):
    path = tmp_path / "cut.json"
    path.write_bytes(THREAD.read_bytes()[:1500])
    with pytest.raises(IngestError, match=r"cut\.json: invalid or truncated JSON at line \d+, column \d+"):
        list(reddit.read(path, ReadOptions()))
