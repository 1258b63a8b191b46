"""Shared by the review tests: a store of real labeled comments, classified by the small bundle."""

import glob

import pandas as pd
import pytest

from tests.models.conftest import bundle, labeled_sample, small_labeled  # noqa: F401  (session fixtures, reused)
from tracker.classify import classify_store
from tracker.models import load_bundle
from tracker.schema import Comment
from tracker.times import parse_timestamp


def held_out_rows(n: int = 80, seed: int = 5) -> pd.DataFrame:
    """Labeled comments the small bundle was not trained on, every stance and language."""
    corpus = pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in sorted(glob.glob("data/labeled/*.csv"))],
                       ignore_index=True)
    unseen = corpus[~corpus["id"].isin(labeled_sample()["id"])]
    return unseen.groupby(["stance", "lang"]).sample(n=n // 8, random_state=seed).reset_index(drop=True)


def comments_from(rows: pd.DataFrame) -> list[Comment]:
    ids = set(rows["id"])
    return [Comment(id=f"t:{r.id}", source=f"test-{r.lang}", created_at=parse_timestamp(r.created_at), text=r.text,
                    raw_text=r.text, lang=r.lang, thread_id=r.thread_id,
                    parent_id=f"t:{r.parent_id}" if r.parent_id in ids else None, author=r.author)
            for r in rows.itertuples()]


@pytest.fixture
def rows():
    return held_out_rows()


@pytest.fixture
def classified(store, bundle, rows):  # noqa: F811
    """(store, card): the held-out rows stored as comments `t:<id>` and classified once."""
    store.upsert_comments(comments_from(rows))
    predictor, card = load_bundle(bundle)
    classify_store(store, predictor, card)
    return store, card
