"""Each format through the real pipeline into a real SQLite store."""

import os
import shutil
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from tracker.ingest.base import ReadOptions
from tracker.ingest.pipeline import ingest_file

from tests.ingest.importer_helpers import FIXTURES, compress_like_a_dump

CASES = [
    # fixture, stored, rejected reasons
    ("hn/item_deepseek_r1.json", 6, {"deleted": 1}),
    ("hn/search_open_weights.json", 2, {"deleted": 1}),
    ("reddit/comments_1ibx7k2.json", 6, {"deleted": 1, "removed": 1, "not loaded": 3}),
    ("reddit_dump/RC_2025-01_sample.ndjson", 5, {"deleted": 1, "removed": 1, "malformed JSON": 1,
                                                 "not a Reddit comment or submission": 1}),
    ("discourse/t_5120.json", 5, {"deleted": 1, "system message": 1, "hidden": 1, "not loaded": 2}),
    ("disqus/blog-ia-export.xml", 4, {"deleted": 1, "spam": 1, "no valid createdAt": 1}),
    ("forum_html/vb4_deepseek_page1.html", 3, {}),
    ("forum_html/vb3_mistral_latin1.html", 3, {}),
    ("forum_html/phpbb33_souverainete.html", 3, {"deleted": 1}),
]


@pytest.mark.parametrize(("fixture", "stored", "reasons"), CASES, ids=[c[0] for c in CASES])
def test_ingest_counts_reasons_and_idempotent_rerun(store, tmp_path, fixture, stored, reasons):
    options = ReadOptions(timezone="Europe/Paris")
    rejects = tmp_path / "rejects.csv"
    first = ingest_file(store, FIXTURES / fixture, options=options, rejects_path=rejects)
    assert first.read == first.stored + first.rejected
    assert (first.new, first.stored) == (stored, stored)
    assert dict(first.reasons) == reasons
    assert store.count_comments() == stored
    again = ingest_file(store, FIXTURES / fixture, options=options, rejects_path=rejects)
    assert (again.new, again.updated, again.unchanged) == (0, 0, stored)
    assert store.count_comments() == stored


def test_stored_hn_comment_has_own_words_quote_and_language(store, tmp_path):
    ingest_file(store, FIXTURES / "hn/item_deepseek_r1.json", rejects_path=tmp_path / "r.csv")
    bob = store.get_comment("hn:42900020")
    assert bob.text.startswith("It was the distribution") and "moat" not in bob.text
    assert "moat" in bob.raw_text
    assert bob.quoted == "alice (post 42900010)"
    assert bob.lang == "en"
    assert store.get_comment("hn:42900050").lang == "fr"
    assert store.get_comment("hn:42900040").parent_id == "hn:42900030"
    assert store.get_comment("hn:42900030") is None


def test_pipeline_strips_markdown_quotes_of_dump_comments(store, tmp_path):
    ingest_file(store, FIXTURES / "reddit_dump/RC_2025-01_sample.ndjson", rejects_path=tmp_path / "r.csv")
    reply = store.get_comment("reddit:t1_m9kq101")
    assert reply.text.startswith("Free until you count") and reply.quoted == "quote"
    assert reply.created_at == datetime(2025, 1, 27, 15, 39, 5, tzinfo=timezone.utc)


def test_compressed_dump_stores_the_same_comments(store, tmp_path):
    packed = compress_like_a_dump(FIXTURES / "reddit_dump/RC_2025-01_sample.ndjson", tmp_path / "RC_2025-01.zst")
    summary = ingest_file(store, packed, rejects_path=tmp_path / "r.csv")
    assert (summary.format, summary.stored, summary.rejected) == ("reddit-dump", 5, 4)


def test_thread_page_then_dump_of_the_same_comments_does_not_duplicate(store, tmp_path):
    ingest_file(store, FIXTURES / "reddit/comments_1ibx7k2.json", rejects_path=tmp_path / "a.csv")
    before = store.count_comments()
    summary = ingest_file(store, FIXTURES / "reddit_dump/RC_2025-01_sample.ndjson", rejects_path=tmp_path / "b.csv")
    assert store.count_comments() == before + summary.new
    assert summary.new == 2  # m9zz001 and m9kq701 are only in the dump
    # the dump cannot see parents, so its quote is unattributed: the one comment that changes
    assert summary.updated == 1 and store.get_comment("reddit:t1_m9kq101").quoted == "quote"


def test_disqus_blockquote_is_stripped_by_the_pipeline(store, tmp_path):
    ingest_file(store, FIXTURES / "disqus/blog-ia-export.xml", rejects_path=tmp_path / "r.csv")
    marc = store.get_comment("disqus:blog-ia:6100002")
    assert marc.text.startswith("Ils les justifient très bien") and marc.quoted == "quote"
    assert marc.lang == "fr"


def test_pages_of_one_thread_ingested_together_form_one_thread(store, tmp_path):
    page2 = shutil.copy(FIXTURES / "forum_html/vb4_deepseek_page2.html", tmp_path / "page2.html")
    saved = datetime(2025, 1, 29, 10, 0, tzinfo=ZoneInfo("Europe/Paris")).timestamp()
    os.utime(page2, (saved, saved))
    options = ReadOptions(timezone="Europe/Paris")
    for page in (FIXTURES / "forum_html/vb4_deepseek_page1.html", page2):
        ingest_file(store, page, options=options, rejects_path=tmp_path / "r.csv")
    threads = store.conn.execute("SELECT DISTINCT thread_id FROM comments").fetchall()
    assert threads == [("vbulletin:forum.dev-francophone.example:t2171234",)]
    assert store.count_comments() == 5
    reply = store.get_comment("vbulletin:forum.dev-francophone.example:11920010")
    assert reply.parent_id == "vbulletin:forum.dev-francophone.example:11920002"
    assert reply.quoted == "sebdev (post 11920002)"
