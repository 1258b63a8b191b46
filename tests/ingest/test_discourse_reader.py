import json

import pytest

from tracker.errors import IngestError
from tracker.ingest import discourse
from tracker.ingest.base import ReadOptions

from tests.ingest.importer_helpers import FIXTURES, assert_canonical, read_with

TOPIC = FIXTURES / "discourse" / "t_5120.json"
HOST = "discuss.opensource-ia.example"


def key(post_id):
    return f"discourse:{HOST}:{post_id}"


def test_topic_counts_and_reasons():
    result = read_with(discourse, TOPIC)
    assert_canonical(result, f"discourse:{HOST}:")
    assert sorted(result.drafts) == [key(i) for i in (88101, 88102, 88103, 88105, 88107)]
    assert result.reasons() == {"deleted": 1, "system message": 1, "hidden": 1, "not loaded": 2}


def test_host_is_read_from_avatar_paths():
    assert discourse.forum_host(json.loads(TOPIC.read_text()), ReadOptions()) == HOST


def test_replies_link_to_the_post_they_answer_and_topic_replies_to_the_first_post():
    drafts = read_with(discourse, TOPIC).drafts
    assert drafts[key(88101)].parent_id is None
    assert drafts[key(88102)].parent_id == key(88101)  # reply_to_post_number null: a reply to the topic
    assert drafts[key(88103)].parent_id == key(88101)
    assert drafts[key(88107)].parent_id == key(88103)
    assert {d.thread_id for d in drafts.values()} == {f"discourse:{HOST}:t5120"}


def test_reply_to_a_deleted_post_points_at_the_deleted_id():
    result = read_with(discourse, TOPIC)
    assert key(88104) in [r.record_id for r in result.rejected if r.reason == "deleted"]
    assert result.drafts[key(88105)].parent_id == key(88104)


def test_quote_aside_is_removed_and_attributed_with_its_post_number():
    carol = read_with(discourse, TOPIC).drafts[key(88103)]
    assert carol.text.startswith("Non : sans les données")
    assert "suffisent pour parler" not in carol.text
    assert "suffisent pour parler" in carol.raw_text and carol.is_html
    assert carol.quoted == "alice (post 1)"


def test_quote_from_another_topic_names_that_topic():
    assert read_with(discourse, TOPIC).drafts[key(88105)].quoted == "frank (post 7, topic 4999)"


def test_plain_blockquote_is_removed_and_named_quotes_win():
    gus = read_with(discourse, TOPIC).drafts[key(88107)]
    assert gus.text == ("Freeware you can fine-tune, quantize and redistribute is a lot closer to open source "
                        "than an API you rent from OpenAI.")
    assert gus.quoted == "carol (post 3)"


def test_onebox_preview_is_replaced_by_its_link():
    bob = read_with(discourse, TOPIC).drafts[key(88102)]
    assert bob.text.startswith("https://github.com/deepseek-ai/DeepSeek-R1\n\nFor me the MIT license")
    assert "Contribute to deepseek-ai" not in bob.text


def test_times_urls_and_authors():
    drafts = read_with(discourse, TOPIC).drafts
    gus = drafts[key(88107)]
    assert gus.created_at.isoformat() == "2025-01-28T13:20:45+00:00"
    assert gus.author == "gus"
    assert gus.url == f"https://{HOST}/t/deepseek-r1-les-poids-ouverts-changent-ils-la-donne/5120/7"


def test_source_option_names_the_host_when_the_topic_does_not(tmp_path):
    topic = json.loads(TOPIC.read_text())
    for post in topic["post_stream"]["posts"]:
        post["avatar_template"] = "/letter_avatar_proxy/v4/letter/a/8e7dd6/{size}.png"
    topic["details"] = {}
    path = tmp_path / "5120.json"
    path.write_text(json.dumps(topic))
    with pytest.raises(IngestError, match="name it with --source discourse:forum.example.com"):
        list(discourse.read(path, ReadOptions()))
    named = read_with(discourse, path, source="discourse:forum.other.example")
    assert "discourse:forum.other.example:88101" in named.drafts


def test_json_without_post_stream_is_refused(tmp_path):
    path = tmp_path / "latest.json"
    path.write_text('{"topic_list": {"topics": []}}')
    with pytest.raises(IngestError, match="not a Discourse topic; expected a Discourse topic from /t/"):
        list(discourse.read(path, ReadOptions()))
