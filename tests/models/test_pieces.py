"""Reading each distinct text of a batch once gives the matrix the feature union gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import FunctionTransformer

from tracker.context import AUTHOR_TEXT, REPLIES_TEXT, SEPARATOR
from tracker.features import own_text, text_features
from tracker.pieces import _plan, transform
from tracker.train import prepare

EDGE = pd.DataFrame({
    "text": ["Open weights win.", "", "see https://x.ai/p", "!?", "-- ..", "Exactly.", None, "line one\nline two"],
    "parent_text": ["", "Open weights win.", "", "Exactly.", "", "Open weights win.", "x", None],
    AUTHOR_TEXT: [
        f"closed labs{SEPARATOR}{SEPARATOR}open weights",  # an empty comment between two
        f"see https://x.ai/p{SEPARATOR}next comment",  # a URL ends where the comment ends
        f"-- ..{SEPARATOR}open weights{SEPARATOR}-- ..",  # comments without a token
        f"!?{SEPARATOR}!?",  # tokens that are marks, the same comment twice
        "Open weights win.",  # a comment that is also a row's own text
        "line one\nline two",  # a line break inside one comment
        None, "",
    ],
    REPLIES_TEXT: ["Exactly.", f"Source?{SEPARATOR}This.", "", None, f"see https://x.ai/p{SEPARATOR}", "", "x", ""],
    "lang": ["en"] * 8,
})


@pytest.fixture(scope="module")
def threads() -> pd.DataFrame:
    return prepare(pd.concat([pd.read_csv(f"data/labeled/{name}.csv", dtype=str, keep_default_na=False)
                              for name in ("en_register", "fr_next")], ignore_index=True))


def same(features, frame) -> None:
    expected, got = features.transform(frame), transform(features, frame)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    difference = abs(expected - got)
    assert difference.nnz == 0 or difference.max() < 1e-6
    assert got.nnz == expected.nnz


@pytest.mark.parametrize("lexicon", [False, True], ids=["text blocks", "and a lexicon block"])
def test_the_batch_matrix_is_the_unions(threads, lexicon):
    features = text_features(context_weight=1.0, author_weight=0.7, lexicon=lexicon, min_df=1,
                             replies_weight=0.6).fit(threads)
    assert _plan(features) is not None
    assert threads[AUTHOR_TEXT].str.contains(SEPARATOR).sum() > 50  # rows whose author wrote two others or more
    same(features, threads)
    same(features, EDGE)
    same(features, pd.concat([EDGE, threads.iloc[:40]], ignore_index=True))
    same(features, EDGE.drop(columns=["parent_text", AUTHOR_TEXT, REPLIES_TEXT]))  # context columns absent
    two = pd.concat([threads.iloc[:30], threads.iloc[30:90]], ignore_index=True)  # columns of two Arrow chunks
    same(features, two)


def test_the_author_block_counts_the_bigrams_across_two_comments(threads):
    features = text_features(author_weight=1.0, min_df=1).fit(
        threads.assign(**{AUTHOR_TEXT: "labs open " + threads[AUTHOR_TEXT]}))
    frame = pd.DataFrame({"text": ["x"], "parent_text": [""], AUTHOR_TEXT: [f"closed labs{SEPARATOR}open weights"],
                          "lang": ["en"]})
    author = dict(features.transformer_list)["author"].steps[-1][1]
    row = transform(features, frame)[:, -len(author.vocabulary_):]
    assert row[0, author.vocabulary_["labs open"]] > 0  # the words either side of the separator
    same(features, frame)


def test_unions_it_does_not_reproduce_are_transformed_by_scikit_learn(threads):
    plain = FeatureUnion([("own", make_pipeline(FunctionTransformer(own_text), TfidfVectorizer()))]).fit(threads)
    assert _plan(plain) is None
    assert abs(transform(plain, threads) - plain.transform(threads)).max() == 0
