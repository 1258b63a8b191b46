import pytest

from tracker.errors import IngestError
from tracker.ingest import disqus
from tracker.ingest.base import ReadOptions

from tests.ingest.importer_helpers import FIXTURES, assert_canonical, read_with

EXPORT = FIXTURES / "disqus" / "blog-ia-export.xml"


def test_export_counts_and_reasons():
    result = read_with(disqus, EXPORT)
    assert_canonical(result, "disqus:blog-ia:")
    assert sorted(result.drafts) == ["disqus:blog-ia:6100001", "disqus:blog-ia:6100002",
                                     "disqus:blog-ia:6100004", "disqus:blog-ia:6100006"]
    assert result.reasons() == {"deleted": 1, "spam": 1, "no valid createdAt": 1}


def test_posts_join_their_thread_and_parent_by_dsq_id():
    drafts = read_with(disqus, EXPORT).drafts
    assert drafts["disqus:blog-ia:6100002"].parent_id == "disqus:blog-ia:6100001"
    assert drafts["disqus:blog-ia:6100001"].thread_id == "disqus:blog-ia:t9870001"
    assert drafts["disqus:blog-ia:6100006"].thread_id == "disqus:blog-ia:t9870002"
    assert drafts["disqus:blog-ia:6100006"].url == "https://blog-ia.example/2025/01/nvidia-krach/#comment-6100006"


def test_reply_to_deleted_post_keeps_its_parent():
    result = read_with(disqus, EXPORT)
    assert [r.record_id for r in result.rejected if r.reason == "deleted"] == ["disqus:blog-ia:6100003"]
    assert result.drafts["disqus:blog-ia:6100004"].parent_id == "disqus:blog-ia:6100003"


def test_authors_messages_and_times():
    drafts = read_with(disqus, EXPORT).drafts
    marc = drafts["disqus:blog-ia:6100002"]
    assert marc.author == "marcl"
    assert marc.is_html and marc.raw_text.startswith("<blockquote>Les labos fermés")
    assert marc.created_at.isoformat() == "2025-01-27T11:05:30+00:00"
    assert drafts["disqus:blog-ia:6100004"].author == "Anonymous reader"


def test_private_fields_are_not_carried():
    for draft in read_with(disqus, EXPORT).drafts.values():
        assert "@" not in (draft.author or "") and "198.51" not in draft.raw_text


def test_truncated_export_raises_after_the_posts_before_the_break():
    seen = []
    with pytest.raises(IngestError, match=r"truncated\.xml: broken XML at line \d+ .*expected a Disqus export"):
        for item in disqus.read(FIXTURES / "disqus" / "truncated.xml", ReadOptions()):
            seen.append(item)
    assert [item.id for item in seen] == ["disqus:blog-ia:6100001", "disqus:blog-ia:6100002"]


def test_other_xml_is_refused(tmp_path):
    path = tmp_path / "feed.xml"
    path.write_text('<?xml version="1.0"?><rss><channel/></rss>')
    with pytest.raises(IngestError, match="root element is <rss>"):
        list(disqus.read(path, ReadOptions()))


def test_memory_does_not_hold_processed_posts(tmp_path, monkeypatch):
    """Each post element is freed once read: the root keeps no children behind."""
    head, _, _ = EXPORT.read_text().partition("<post ")
    post = '<post dsq:id="{i}"><message>m</message><createdAt>2025-01-27T10:00:00Z</createdAt>' \
           '<isDeleted>false</isDeleted><isSpam>false</isSpam><thread dsq:id="9870001"/></post>'
    path = tmp_path / "many.xml"
    path.write_text(head + "".join(post.format(i=i) for i in range(3000)) + "</disqus>")
    original = disqus.etree.iterparse
    roots = []

    def spying(*args, **kwargs):
        parser = original(*args, **kwargs)
        for event, element in parser:
            if event == "start" and not roots:
                roots.append(element)
            yield event, element
    monkeypatch.setattr(disqus.etree, "iterparse", spying)
    count = sum(1 for _ in disqus.read(path, ReadOptions()))
    assert count == 3000
    assert len(roots[0]) <= 1
