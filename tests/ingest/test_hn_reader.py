from datetime import datetime, timezone

import pytest

from tracker.errors import IngestError
from tracker.ingest import hn
from tracker.ingest.base import ReadOptions

from tests.ingest.importer_helpers import FIXTURES, assert_canonical, read_with

ITEM = FIXTURES / "hn" / "item_deepseek_r1.json"
SEARCH = FIXTURES / "hn" / "search_open_weights.json"


def test_item_tree_yields_every_item_once_story_first():
    result = read_with(hn, ITEM)
    assert_canonical(result, "hn:")
    assert [getattr(item, "id", None) or item.record_id for item in result.items] == [
        "hn:42900001", "hn:42900010", "hn:42900020", "hn:42900030", "hn:42900040", "hn:42900050", "hn:42900060",
    ]
    assert len(result.drafts) == 6
    assert result.reasons() == {"deleted": 1}


def test_tree_links_point_at_parents_and_story():
    drafts = read_with(hn, ITEM).drafts
    assert {d.thread_id for d in drafts.values()} == {"hn:42900001"}
    assert drafts["hn:42900001"].parent_id is None
    assert drafts["hn:42900010"].parent_id == "hn:42900001"
    assert drafts["hn:42900020"].parent_id == "hn:42900010"


def test_reply_to_deleted_item_keeps_the_deleted_parent():
    result = read_with(hn, ITEM)
    assert result.rejected[0].record_id == "hn:42900030"
    assert result.drafts["hn:42900040"].parent_id == "hn:42900030"


def test_times_come_from_epoch_in_utc():
    drafts = read_with(hn, ITEM).drafts
    assert drafts["hn:42900020"].created_at == datetime(2025, 1, 27, 15, 40, 10, tzinfo=timezone.utc)


def test_gt_paragraph_quote_is_removed_and_attributed_to_parent():
    bob = read_with(hn, ITEM).drafts["hn:42900020"]
    assert "moat" not in bob.text
    assert bob.text.startswith("It was the distribution")
    assert "&gt; The &quot;moat&quot;" in bob.raw_text and bob.is_html
    assert bob.quoted == "alice (post 42900010)"


def test_italic_paragraph_is_a_quote_even_when_the_parent_is_deleted():
    carol = read_with(hn, ITEM).drafts["hn:42900040"]
    assert carol.text.startswith("Distribution can be copied")
    assert "trust of enterprise buyers" not in carol.text
    assert carol.quoted == "quote"


def test_entities_are_decoded_and_code_is_not_mistaken_for_quotes():
    drafts = read_with(hn, ITEM).drafts
    assert "n'est pas open source" in drafts["hn:42900050"].text
    assert drafts["hn:42900050"].author == "jdupont"
    eve = drafts["hn:42900060"]
    assert "> ollama run deepseek-r1:32b" in eve.text
    assert eve.quoted is None
    assert "https://huggingface.co/deepseek-ai/DeepSeek-R1" in eve.text


def test_story_title_is_part_of_the_story_record():
    story = read_with(hn, ITEM).drafts["hn:42900001"]
    assert story.text == "DeepSeek-R1 weights released under the MIT license"
    assert story.url == "https://news.ycombinator.com/item?id=42900001"


def test_search_hits_are_flat_records_with_story_threads():
    result = read_with(hn, SEARCH)
    assert_canonical(result, "hn:")
    comment = result.drafts["hn:42900170"]
    assert (comment.thread_id, comment.parent_id, comment.author) == ("hn:42900001", "hn:42900150", "sama_skeptic")
    assert comment.text.startswith("DeepSeek just did") and comment.quoted == "quote"
    ask = result.drafts["hn:42911111"]
    assert ask.parent_id is None and ask.thread_id == "hn:42911111"
    assert ask.text.startswith("Ask HN: Open-weight models") and "still on the OpenAI API" in ask.text
    assert result.reasons() == {"deleted": 1}


def test_truncated_json_names_the_file_and_the_expected_format():
    with pytest.raises(IngestError, match=r"truncated\.json: invalid or truncated JSON.*Hacker News item"):
        list(hn.read(FIXTURES / "hn" / "truncated.json", ReadOptions()))


def test_json_of_another_shape_is_refused(tmp_path):
    path = tmp_path / "other.json"
    path.write_text('{"data": []}')
    with pytest.raises(IngestError, match="not a Hacker News export"):
        list(hn.read(path, ReadOptions()))


@pytest.mark.parametrize(
    ("markup", "own", "quotes"),
    [
        ("&gt; closed wins<p>No it does not.", "No it does not.", ["closed wins"]),
        ("<p>&gt;no space</p><p>mine</p>", "mine", ["no space"]),
        ("a <i>stressed</i> word<p>more", "a stressed word\n\nmore", []),
        ("<i>quoted line</i><p>reply", "reply", ["quoted line"]),
        ("x &gt; y is true", "x > y is true", []),
    ],
)
def test_split_hn_html(markup, own, quotes):
    assert hn.split_hn_html(markup) == (own, quotes)
