import os
import shutil
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from tracker.errors import IngestError
from tracker.ingest import forum_html
from tracker.ingest.base import ReadOptions

from tests.ingest.importer_helpers import FIXTURES, assert_canonical, read_with

PAGES = FIXTURES / "forum_html"
VB4 = "vbulletin:forum.dev-francophone.example"
VB3 = "vbulletin:www.hardware-fr.example"
PHPBB = "phpbb:forum.libre-ia.example"
PARIS = "Europe/Paris"


def saved_on(tmp_path, name, moment):
    """A copy of fixture `name` whose file time says it was saved at `moment`."""
    copy = shutil.copy(PAGES / name, tmp_path / name)
    os.utime(copy, (moment.timestamp(), moment.timestamp()))
    return copy


def utc(*parts):
    return datetime(*parts, tzinfo=timezone.utc)


# --- vBulletin 4 -------------------------------------------------------------------------------


def test_vb4_page_posts_authors_and_paris_times():
    result = read_with(forum_html, PAGES / "vb4_deepseek_page1.html", timezone=PARIS)
    assert_canonical(result, f"{VB4}:")
    drafts = result.drafts
    assert list(drafts) == [f"{VB4}:11920001", f"{VB4}:11920002", f"{VB4}:11920003"]
    assert [d.author for d in drafts.values()] == ["Lionel_B", "sebdev", "Kaelith"]
    assert drafts[f"{VB4}:11920001"].created_at == utc(2025, 1, 27, 8, 14)
    assert drafts[f"{VB4}:11920003"].created_at == utc(2025, 1, 27, 22, 47)
    assert drafts[f"{VB4}:11920002"].url == (
        "https://forum.dev-francophone.example/showthread.php?t=2171234&p=11920002#post11920002")


def test_vb4_postcontent_blockquote_is_not_taken_for_a_quote():
    first = read_with(forum_html, PAGES / "vb4_deepseek_page1.html", timezone=PARIS).drafts[f"{VB4}:11920001"]
    assert first.text.startswith("Bonjour à tous,\n\nDeepSeek vient de publier R1")
    assert first.quoted is None and first.parent_id is None
    assert "Résolu" not in first.text  # the signature is outside the message


def test_vb4_bbcode_quote_is_removed_attributed_and_makes_a_reply():
    reply = read_with(forum_html, PAGES / "vb4_deepseek_page1.html", timezone=PARIS).drafts[f"{VB4}:11920002"]
    assert reply.text.startswith("Pas du tout. Ils ont distillé")
    assert "signe la fin" not in reply.text and "signe la fin" in reply.raw_text
    assert reply.quoted == "Lionel_B (post 11920001)"
    assert reply.parent_id == f"{VB4}:11920001"


def test_vb4_code_box_is_dropped_without_counting_as_a_quote():
    post = read_with(forum_html, PAGES / "vb4_deepseek_page1.html", timezone=PARIS).drafts[f"{VB4}:11920003"]
    assert "ollama run" not in post.text and "ollama run" in post.raw_text
    assert post.quoted is None


def test_vb4_second_page_relative_dates_deleted_post_and_cross_page_reply(tmp_path):
    page2 = saved_on(tmp_path, "vb4_deepseek_page2.html", datetime(2025, 1, 29, 10, 0, tzinfo=ZoneInfo(PARIS)))
    result = read_with(forum_html, page2, timezone=PARIS)
    drafts = result.drafts
    assert drafts[f"{VB4}:11920010"].created_at == utc(2025, 1, 28, 21, 5)  # "Hier, 22h05"
    assert drafts[f"{VB4}:11920012"].created_at == utc(2025, 1, 29, 8, 15)  # "Aujourd'hui, 09h15"
    assert drafts[f"{VB4}:11920010"].parent_id == f"{VB4}:11920002"  # quoted post is on page 1
    assert drafts[f"{VB4}:11920012"].quoted == "quote" and drafts[f"{VB4}:11920012"].parent_id is None
    assert [(r.reason, r.record_id) for r in result.rejected] == [("deleted", f"{VB4}:11920011")]


def test_pages_of_one_thread_share_the_thread_id(tmp_path):
    page1 = read_with(forum_html, PAGES / "vb4_deepseek_page1.html", timezone=PARIS)
    page2 = read_with(forum_html, PAGES / "vb4_deepseek_page2.html", timezone=PARIS)
    threads = {d.thread_id for d in [*page1.drafts.values(), *page2.drafts.values()]}
    assert threads == {f"{VB4}:t2171234"}
    assert not set(page1.drafts) & set(page2.drafts)


# --- vBulletin 3 -------------------------------------------------------------------------------


def test_vb3_latin1_page_with_citation_blocks():
    result = read_with(forum_html, PAGES / "vb3_mistral_latin1.html", timezone=PARIS)
    assert_canonical(result, f"{VB3}:")
    drafts = result.drafts
    assert [d.author for d in drafts.values()] == ["Gérôme", "Noé_42", "Gérôme"]
    second = drafts[f"{VB3}:5550002"]
    assert second.text.startswith("Quelle carte ? Les meilleurs modèles restent fermés")
    assert "Citation" not in second.text and "Envoyé par" not in second.text
    assert second.quoted == "Gérôme (post 5550001)" and second.parent_id == f"{VB3}:5550001"
    assert drafts[f"{VB3}:5550003"].created_at == utc(2025, 2, 3, 23, 10)  # 04/02 00h10 in Paris
    assert {d.thread_id for d in drafts.values()} == {f"{VB3}:t88412"}
    assert "Ma config" not in drafts[f"{VB3}:5550001"].text


@pytest.mark.parametrize("fixture", ["vb3_mistral_latin1.html", "phpbb33_souverainete.html"])
def test_page_saved_without_its_charset_is_decoded(tmp_path, fixture):
    raw = (PAGES / fixture).read_bytes()
    bare = tmp_path / "bare.html"
    bare.write_bytes(raw.replace(b'<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1" />', b"")
                     .replace(b'<meta charset="utf-8" />', b""))
    authors = {d.author for d in read_with(forum_html, bare, timezone=PARIS).drafts.values()}
    assert authors & {"Gérôme", "Hélène"}


def test_encoding_option_overrides_the_page(tmp_path):
    drafts = read_with(forum_html, PAGES / "phpbb33_souverainete.html", timezone=PARIS, encoding="cp1252").drafts
    assert drafts[f"{PHPBB}:40101"].author == "HÃ©lÃ¨ne"


# --- phpBB -------------------------------------------------------------------------------------


def test_phpbb3_iso_times_and_cite_quotes():
    result = read_with(forum_html, PAGES / "phpbb33_souverainete.html", timezone=PARIS)
    assert_canonical(result, f"{PHPBB}:")
    drafts = result.drafts
    assert [d.author for d in drafts.values()] == ["Hélène", "Thibault", "ada_l"]
    thibault = drafts[f"{PHPBB}:40102"]
    assert thibault.created_at == utc(2025, 1, 29, 9, 12, 30)
    assert thibault.text.startswith("Hébergé en France, entraîné en Chine.")
    assert "datacenter français" not in thibault.text
    assert thibault.quoted == "Hélène (post 40101)" and thibault.parent_id == f"{PHPBB}:40101"
    assert thibault.url == "https://forum.libre-ia.example/viewtopic.php?p=40102#p40102"
    assert {d.thread_id for d in drafts.values()} == {f"{PHPBB}:t3317"}
    assert result.reasons() == {"deleted": 1}


def test_phpbb_nested_quote_is_attributed_to_the_outer_author_and_code_dropped():
    ada = read_with(forum_html, PAGES / "phpbb33_souverainete.html", timezone=PARIS).drafts[f"{PHPBB}:40103"]
    assert ada.text == ("And yet the weights can be inspected and fine-tuned on French data, which no closed API "
                        "allows. Open weights are the only path to sovereignty we actually have today.")
    assert ada.quoted == "Thibault"
    assert "Libre IA, forum associatif" not in ada.text


def test_phpbb30_french_dates_across_the_summer_time_change():
    result = read_with(forum_html, PAGES / "phpbb30_cout.html", timezone=PARIS)
    drafts = result.drafts
    assert drafts["phpbb:linuxien.example:99001"].created_at == utc(2025, 3, 30, 0, 30)
    assert drafts["phpbb:linuxien.example:99002"].created_at == utc(2025, 3, 30, 1, 30)
    assert drafts["phpbb:linuxien.example:99002"].quoted == "tux_lover"
    assert drafts["phpbb:linuxien.example:99002"].url == "https://linuxien.example/forum/viewtopic.php?p=99002#p99002"
    assert {d.thread_id for d in drafts.values()} == {"phpbb:linuxien.example:t2045"}
    assert [(r.reason, r.raw) for r in result.rejected] == [("no date", "par bidule » date inconnue")]


def test_timezone_option_is_the_board_zone():
    drafts = read_with(forum_html, PAGES / "phpbb30_cout.html", timezone="UTC").drafts
    assert drafts["phpbb:linuxien.example:99001"].created_at == utc(2025, 3, 30, 1, 30)


# --- bad pages ----------------------------------------------------------------------------------


def test_page_without_posts_is_an_ingest_error(tmp_path):
    page = tmp_path / "login.html"
    page.write_text("<html><head><meta name='generator' content='vBulletin 4.2.5'></head>"
                    "<body><form>Vous devez être connecté</form></body></html>")
    with pytest.raises(IngestError, match=r"login\.html: no forum posts found; expected a saved vBulletin"):
        list(forum_html.read(page, ReadOptions(timezone=PARIS)))


def test_empty_file_is_an_ingest_error(tmp_path):
    page = tmp_path / "empty.html"
    page.write_bytes(b"")
    with pytest.raises(IngestError, match=r"empty\.html: not an HTML page"):
        list(forum_html.read(page, ReadOptions(timezone=PARIS)))


def test_page_without_host_asks_for_source(tmp_path):
    raw = (PAGES / "phpbb33_souverainete.html").read_text()
    page = tmp_path / "no_host.html"
    page.write_text(raw.replace('<link rel="canonical" href="https://forum.libre-ia.example/viewtopic.php?t=3317">', ""))
    with pytest.raises(IngestError, match="name it with --source phpbb:forum.example.com"):
        list(forum_html.read(page, ReadOptions(timezone=PARIS)))
    drafts = read_with(forum_html, page, timezone=PARIS, source="phpbb:forum.libre-ia.example").drafts
    assert f"{PHPBB}:40101" in drafts
    assert drafts[f"{PHPBB}:40101"].thread_id == f"{PHPBB}:t3317"  # from the topic search form
