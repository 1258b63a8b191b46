"""A small store with predictions, a model card to go with it, and an empty store.

The forum is written here: 48 comments over eight weeks from 30 Dec 2024, two sources and
two languages, three threads, replies and quotes. Before DeepSeek-R1 (20 Jan 2025) most
comments are pro_closed, from that week on most are pro_open, so a shift is there to find.
Two comments carry HTML that must be shown as text.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from tracker.metrics import by_language, classification_report, multilabel_report
from tracker.schema import ARGUMENTS, STANCES, Comment
from tracker.store import Store

VERSION = "fixture-0123456789ab"
WEEKS = 8
PER_WEEK = 6
SHIFT_WEEK = 3  # 20 Jan 2025, DeepSeek-R1
START = datetime(2024, 12, 30, 10, 0, tzinfo=timezone.utc)
AUTHORS = ("alice", "bruno", "chloe", "dmitri", "emma", "farid")
SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(1)>"
EVENTS_CSV = (
    "date,event,description\n"
    "2025-01-20,DeepSeek-R1,\"Open-weight reasoning model, MIT licence.\"\n"
    "2025-01-27,Nvidia drop,\"Nvidia falls 17%.\"\n"
    "2025-02-10,Paris summit,\"AI Action Summit.\"\n"
)


def forum() -> tuple[list[Comment], list[tuple]]:
    """The comments and their prediction rows (comment_id, stance, confidence, arguments, sentiment)."""
    comments, predictions = [], []
    for week in range(WEEKS):
        for k in range(PER_WEEK):
            i = week * PER_WEEK + k
            after = week >= SHIFT_WEEK
            # alice changes sides at the shift; the others follow the crowd with some dissent
            stance = ("pro_open" if after else "pro_closed") if k < 4 else ("neutral" if k == 4 else "off_topic")
            if k == 3 and week % 2:
                stance = "pro_closed" if after else "pro_open"
            source, lang = ("hn", "en") if k % 2 == 0 else ("forum", "fr")
            thread = f"{source}:t{week // 3}"
            parent = f"{source}:{i - 2}" if k >= 2 else None
            own = f"Comment {i} by {AUTHORS[k]} about open weights in week {week}."
            raw = f"> quoted words of comment {i - 2}\n{own}" if parent else own
            if i == 25:
                own = raw = SCRIPT
            if i == 26:
                own = raw = IMAGE
            if i == 27:
                own = raw = "=HYPERLINK(\"http://example.com\")"
            url = f"https://{source}.example/{i}" if i != 29 else "javascript:alert(1)"
            comments.append(Comment(id=f"{source}:{i}", source=source, created_at=START + timedelta(days=7 * week + k),
                                    text=own, raw_text=raw, thread_id=thread, parent_id=parent, author=AUTHORS[k],
                                    lang=lang, quoted=f"comment {i - 2}" if parent else None, url=url))
            arguments = ";".join(a for j, a in enumerate(ARGUMENTS) if (i + j) % 4 == 0 or (after and a == "cost"))
            predictions.append((f"{source}:{i}", stance, round(0.55 + 0.4 * ((i * 7) % 10) / 10, 3), arguments,
                                "positive" if after else "negative"))
    return comments, predictions


def write_predictions(store: Store, predictions, version: str = VERSION) -> None:
    rows = [(cid, version, stance, conf, json.dumps({stance: conf}), args, sentiment, 0.1, 1_700_000_000)
            for cid, stance, conf, args, sentiment in predictions]
    with store.transaction() as conn:
        conn.executemany("INSERT INTO predictions (comment_id, model_version, stance, stance_confidence, probabilities, "
                         "arguments, sentiment, sentiment_score, predicted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)


def fixture_card(version: str = VERSION) -> dict:
    """A model card shaped as tracker.train writes it, from a synthetic cross-validation."""
    rng = np.random.default_rng(0)
    labels = list(STANCES)
    truth = np.array([labels[i % 4] for i in range(400)], dtype=object)
    predicted = np.where(rng.random(400) < 0.8, truth, rng.choice(labels, 400)).astype(object)
    confidence = np.clip(rng.normal(0.7, 0.15, 400), 0.26, 0.99)
    import pandas as pd

    frame = pd.DataFrame({"lang": np.where(np.arange(400) % 2, "en", "fr"), "y": truth, "p": predicted, "c": confidence})
    stance = by_language(frame, lambda part: classification_report(part["y"], part["p"], labels, part["c"]))
    tags = [set(ARGUMENTS[i % 3: i % 3 + 2]) for i in range(400)]
    arguments = by_language(frame.assign(t=tags), lambda part: multilabel_report(list(part["t"]), list(part["t"]), ARGUMENTS))
    arguments["thresholds"] = {tag: 0.4 for tag in ARGUMENTS}
    return {"name": "fixture", "version": version, "created_at": "2025-05-01T12:00:00+00:00",
            "data": {"rows": 400, "files": ["data/labeled/fixture.csv"], "sha256": "0" * 64,
                     "languages": {"en": 200, "fr": 200}},
            "labels": {"stance": labels, "arguments": list(ARGUMENTS), "sentiment": ["negative", "neutral", "positive"]},
            "metrics": {"stance": stance, "arguments": arguments, "cv": {"folds": 5, "grouped_by": "thread_id"}},
            "libraries": {"python": "3.11", "scikit-learn": "1.9"}, "model_sha256": "0" * 64}


@pytest.fixture(scope="session")
def models_path(tmp_path_factory):
    base = tmp_path_factory.mktemp("models")
    (base / "fixture").mkdir()
    (base / "fixture" / "card.json").write_text(json.dumps(fixture_card()))
    (base / "CURRENT").write_text("fixture\n")
    return base


@pytest.fixture(scope="session")
def events_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("events") / "events.csv"
    path.write_text(EVENTS_CSV)
    return path


@pytest.fixture(scope="session")
def forum_db(tmp_path_factory):
    """Path of the fixture store (do not write to it: it is shared by the session)."""
    path = tmp_path_factory.mktemp("forum") / "tracker.db"
    comments, predictions = forum()
    with Store(path) as store:
        store.upsert_comments(comments)
        write_predictions(store, predictions)
    return path


@pytest.fixture
def forum_store(forum_db):
    with Store(forum_db, readonly=True) as store:
        yield store


@pytest.fixture(scope="session")
def empty_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("empty") / "tracker.db"
    Store(path).close()
    return path


@pytest.fixture
def card():
    return fixture_card()
