"""The shipped data keeps its promises: the label contract, quotas, uniqueness, the sample forum."""

import glob
import json
from collections import Counter

import pandas as pd
import pytest

from tracker.labeled import check_labeled_file, near_duplicates, read_labeled
from tracker.schema import ARGUMENTS, SENTIMENTS, split_arguments
from tracker.store import Store
from tracker.ingest.pipeline import ingest_file

LABELED = sorted(glob.glob("data/labeled/*.csv"))
HELDOUT = sorted(glob.glob("data/heldout/*.csv")) + sorted(glob.glob("data/heldout/threads/*.csv"))
THREADED_HELDOUT = sorted(glob.glob("data/heldout/threads/*.csv"))
SAMPLE = sorted(glob.glob("data/sample/*.jsonl"))
SAMPLE_KEYS = {"id", "source", "thread_id", "parent_id", "author", "created_at", "raw_text", "url", "title"}


@pytest.fixture(scope="module")
def labeled():
    return read_labeled(LABELED)


@pytest.fixture(scope="module")
def sample():
    return pd.DataFrame([json.loads(line) for path in SAMPLE for line in open(path, encoding="utf-8")])


@pytest.mark.parametrize("path", LABELED + HELDOUT)
def test_every_labeled_file_passes_the_contract_check(path):
    assert [str(p) for p in check_labeled_file(path)] == []


def test_labeled_corpus_size_and_balance_per_language(labeled):
    for lang in ("fr", "en"):
        part = labeled[labeled["lang"] == lang]
        assert len(part) >= 1400
        shares = part["stance"].value_counts(normalize=True)
        for stance in ("pro_open", "pro_closed", "neutral"):
            assert shares[stance] >= 0.20, (lang, stance)
        assert shares["off_topic"] >= 0.10
        sentiments = part["sentiment"].value_counts(normalize=True)
        assert all(sentiments[s] >= 0.20 for s in SENTIMENTS), (lang, sentiments.to_dict())
    tags = Counter(tag for cell in labeled["arguments"] for tag in split_arguments(cell))
    assert all(tags[tag] >= 150 for tag in ARGUMENTS), tags
    assert len(labeled) >= 3000


def test_labeled_corpus_has_sarcasm_mixed_opinions_and_quoting_replies(labeled):
    traits = Counter(t for cell in labeled["traits"] for t in split_arguments(cell))
    assert traits["sarcasm"] >= 0.10 * len(labeled)
    assert traits["mixed"] >= 0.10 * len(labeled)
    quoting = (labeled["raw_text"].str.strip() != labeled["text"].str.strip()).sum()
    assert quoting >= 0.10 * len(labeled)


def test_labeled_rows_have_their_metadata(labeled):
    for column in ("source", "thread_id", "author", "created_at"):
        assert labeled[column].str.strip().ne("").all(), column


def test_no_two_comments_share_more_than_60_percent_of_their_word_trigrams(labeled, sample):
    texts = labeled["text"].tolist() + sample["raw_text"].tolist()
    pairs = near_duplicates(texts, threshold=0.6)
    shown = [(texts[i][:60], texts[j][:60], round(o, 2)) for i, j, o in pairs[:5]]
    assert pairs == [], shown


def test_near_duplicate_detector_finds_copies_and_spares_distinct_comments():
    texts = ["open weights are the only way forward for research", "Open weights are the only way forward for research!",
             "closed labs will keep their lead for years", "+1", "+1"]
    found = {(i, j) for i, j, _ in near_duplicates(texts)}
    assert found == {(0, 1), (3, 4)}


def test_sample_forum_records_are_complete_and_linked(sample):
    assert len(sample) >= 600
    assert SAMPLE_KEYS <= set(sample.columns)
    assert sample["id"].is_unique
    ids = set(sample["id"])
    replies = sample[sample["parent_id"].notna()]
    assert replies["parent_id"].isin(ids).all()
    times = pd.to_datetime(sample["created_at"], utc=True, format="ISO8601")
    assert times.min() >= pd.Timestamp("2024-12-20", tz="UTC") - pd.Timedelta(hours=2)
    assert times.max() < pd.Timestamp("2025-05-01", tz="UTC")
    parent_time = replies["parent_id"].map(dict(zip(sample["id"], times)))
    assert (times[replies.index] > parent_time).all()


@pytest.mark.parametrize("path", SAMPLE)
def test_sample_files_ingest_without_rejects(tmp_path, path):
    with Store(tmp_path / "t.db") as store:
        summary = ingest_file(store, path, rejects_path=tmp_path / "rejects.csv")
    assert summary.rejected == 0 and summary.stored == summary.read


def test_events_are_dated_within_the_story():
    events = pd.read_csv("data/events.csv")
    dates = pd.to_datetime(events["date"])
    assert dates.is_monotonic_increasing and events["event"].is_unique
    assert dates.min() >= pd.Timestamp("2024-12-01") and dates.max() <= pd.Timestamp("2025-05-31")
    for name in ("DeepSeek-R1", "Stargate", "Llama 4", "Distillation accusations"):
        assert name in set(events["event"])


@pytest.mark.parametrize("path", HELDOUT)
def test_heldout_sets_share_no_comment_with_the_training_corpus(labeled, path):
    heldout = read_labeled([path])["text"].tolist()
    texts = heldout + labeled["text"].tolist()
    leaks = [(texts[i][:60], texts[j][:60]) for i, j, _ in near_duplicates(texts, threshold=0.6)
             if i < len(heldout) <= j]
    assert leaks == []


@pytest.mark.parametrize("path", THREADED_HELDOUT)
def test_threaded_heldout_sets_are_reply_trees_with_regulars_and_every_side(path):
    frame = read_labeled([path])
    position = {comment_id: i for i, comment_id in enumerate(frame["id"])}
    thread = dict(zip(frame["id"], frame["thread_id"]))
    for i, row in enumerate(frame.itertuples()):
        if row.parent_id:  # a reply answers an earlier comment of its own thread
            assert position[row.parent_id] < i and thread[row.parent_id] == row.thread_id, row.id
    for _, part in frame.groupby("thread_id"):
        assert part["parent_id"].eq("").sum() == 1 and len(part) >= 20
        assert (part["author"].value_counts() >= 2).sum() >= 3  # regulars who post several times
        assert set(part["stance"]) == {"pro_open", "pro_closed", "neutral", "off_topic"}


def test_raw_text_must_hold_the_own_words_paragraph_by_paragraph():
    from tracker.labeled import check_labeled_frame

    row = {"id": "x1", "lang": "fr", "stance": "neutral", "arguments": "", "sentiment": "neutral"}
    raw = "Re: Vitrine\n\n> que personne n'a sous la main\n\nPersonne ici, d'accord."
    good = pd.DataFrame([{**row, "text": "Re: Vitrine\n\nPersonne ici, d'accord.", "raw_text": raw}])
    assert check_labeled_frame(good, "f.csv") == []
    swapped = pd.DataFrame([{**row, "text": "Personne ici, d'accord.\n\nRe: Vitrine", "raw_text": raw}])
    assert [p.field for p in check_labeled_frame(swapped, "f.csv")] == ["raw_text"]
