import shutil

import pytest

from tracker.errors import IngestError
from tracker.ingest.formats import detect_format

from tests.ingest.importer_helpers import FIXTURES, compress_like_a_dump


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("hn/item_deepseek_r1.json", "hn"),
        ("hn/search_open_weights.json", "hn"),
        ("reddit/comments_1ibx7k2.json", "reddit"),
        ("reddit_dump/RC_2025-01_sample.ndjson", "reddit-dump"),
        ("reddit_dump/RS_2025-01_sample.ndjson", "reddit-dump"),
        ("discourse/t_5120.json", "discourse"),
        ("disqus/blog-ia-export.xml", "disqus"),
        ("forum_html/vb4_deepseek_page1.html", "forum-html"),
        ("forum_html/vb4_deepseek_page2.html", "forum-html"),
        ("forum_html/vb3_mistral_latin1.html", "forum-html"),
        ("forum_html/phpbb33_souverainete.html", "forum-html"),
        ("forum_html/phpbb30_cout.html", "forum-html"),
    ],
)
def test_every_fixture_is_detected_from_its_content(tmp_path, fixture, expected):
    renamed = tmp_path / "download.txt"  # the name must not matter
    shutil.copy(FIXTURES / fixture, renamed)
    assert detect_format(renamed) == expected


def test_compressed_dump_is_detected(tmp_path):
    packed = compress_like_a_dump(FIXTURES / "reddit_dump" / "RC_2025-01_sample.ndjson", tmp_path / "month.zst")
    assert detect_format(packed) == "reddit-dump"


def test_unknown_content_names_the_formats_and_the_option(tmp_path):
    path = tmp_path / "notes.bin"
    path.write_bytes(b"\x00\x01\x02 nothing to see")
    with pytest.raises(IngestError, match="unknown format .*name it with --format"):
        detect_format(path)
