"""scikit-learn transformers that turn comments into features.

Input to every transformer here is a DataFrame with columns `text` (the author's own words),
`parent_text` (the comment replied to, empty when unknown), `author_text` (the author's other
comments in the thread, `tracker.context`; may be absent), `replies_text` (the comments that
reply to it; may be absent) and `lang`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import FunctionTransformer

from tracker.context import AUTHOR_TEXT, PARENT_TEXT, REPLIES_TEXT
from tracker.tfidf import ArrowTfidfVectorizer

TEXT, PARENT, LANG = "text", PARENT_TEXT, "lang"
# URLs, then digit runs longer than two characters ("2025", "1,5", the "671" of "671B"; "R1" and
# "V3" stay), in RE2 syntax for pyarrow. A URL ends at a space or at one of the separators
# \x1c-\x1f, which Python and Arrow count as spaces and RE2's \s does not (`context.SEPARATOR`).
_URL = r"https?://[^\s\x1c-\x1f]+|www\.[^\s\x1c-\x1f]+"
_LONG_NUMBER = r"[0-9]{3,}(?:[.,][0-9]+)*|[0-9]+(?:[.,][0-9]+)+"


def fold_texts(texts: list[str]) -> list[str]:
    """Accents removed (compatibility forms too: "ﬁ", no-break spaces), lowercased, URLs and
    numbers abstracted: French comments are written with and without accents ("modele",
    "modèle") and the words should meet. Runs in Arrow kernels over the whole batch."""
    return fold_array(pa.array(texts, type=pa.large_string())).to_pylist()


def fold_array(batch: pa.Array) -> pa.Array:
    """`fold_texts` from an Arrow array of texts to an Arrow array."""
    batch = pc.utf8_normalize(batch, "NFKD")
    # combining accents, but not U+0338, which makes "≠" of "="
    batch = pc.utf8_lower(pc.replace_substring_regex(batch, r"[\x{300}-\x{337}\x{339}-\x{36f}]+", ""))
    batch = pc.replace_substring(batch, "’", "'")
    return pc.replace_substring_regex(pc.replace_substring_regex(batch, _URL, " _url_ "), _LONG_NUMBER, " _num_ ")


def fold(text: str) -> str:
    """`fold_texts` for one text."""
    return fold_texts([str(text)])[0]


def _column(frame, name: str) -> list[str]:
    if isinstance(frame, pd.DataFrame):
        return frame[name].fillna("").astype(str).tolist() if name in frame else [""] * len(frame)
    raise TypeError("expected a DataFrame with text, parent_text and lang columns")


def own_text(frame) -> list[str]:
    """The comment's own words, folded once for every vectorizer that reads them."""
    return fold_texts(_column(frame, TEXT))


def parent_text(frame) -> list[str]:
    return fold_texts(_column(frame, PARENT))


def author_text(frame) -> list[str]:
    return fold_texts(_column(frame, AUTHOR_TEXT))


def replies_text(frame) -> list[str]:
    return fold_texts(_column(frame, REPLIES_TEXT))


def word_vectorizer(min_df: int = 2) -> TfidfVectorizer:
    return ArrowTfidfVectorizer(lowercase=False, token_pattern=r"(?u)\w[\w'-]*\w|\w|[!?]",
                                ngram_range=(1, 2), min_df=min_df, sublinear_tf=True, max_features=200_000,
                                dtype=np.float32)


def char_vectorizer(min_df: int = 2) -> TfidfVectorizer:
    return ArrowTfidfVectorizer(lowercase=False, analyzer="char_wb", ngram_range=(3, 4), min_df=min_df,
                                sublinear_tf=True, max_features=300_000, dtype=np.float32)


class LexiconSentiment(TransformerMixin, BaseEstimator):
    """VADER's English lexicon scores (neg, neu, pos, and the compound score split into its
    positive and negative parts, so that every feature is a non-negative weight as naive Bayes
    needs), zero for non-English text.

    VADER ships its lexicon in the `vaderSentiment` package (MIT), so nothing is downloaded.
    """

    def __init__(self, languages=("en",)):
        self.languages = languages

    def fit(self, X, y=None):
        self.n_features_in_ = 1
        return self

    def transform(self, X):
        from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

        analyzer = SentimentIntensityAnalyzer()
        texts, langs = _column(X, TEXT), _column(X, LANG)
        rows = np.zeros((len(texts), 5), dtype=np.float32)
        for i, (text, lang) in enumerate(zip(texts, langs)):
            if lang in self.languages:
                scores = analyzer.polarity_scores(text)
                compound = scores["compound"]
                rows[i] = (scores["neg"], scores["neu"], scores["pos"], max(compound, 0.0), max(-compound, 0.0))
        return sparse.csr_matrix(rows)

    def get_feature_names_out(self, input_features=None):
        return np.array(["vader_neg", "vader_neu", "vader_pos", "vader_compound_positive",
                         "vader_compound_negative"], dtype=object)


def text_features(char: bool = True, context_weight: float = 0.0, lexicon: bool = False, min_df: int = 2,
                  author_weight: float = 0.0, replies_weight: float = 0.0):
    """Features of a comment: word (and char) TF-IDF of its own words, folded once for both;
    with `context_weight`, word TF-IDF of its parent scaled by that weight; with
    `author_weight`, word TF-IDF of its author's other comments in the thread, and with
    `replies_weight` of the comments that reply to it, each scaled by its weight (training
    gives these two blocks weight only in the stance head); with `lexicon`, VADER scores."""
    own = [("words", word_vectorizer(min_df))] + ([("chars", char_vectorizer(min_df))] if char else [])
    parts = [("own", make_pipeline(FunctionTransformer(own_text), FeatureUnion(own)))]
    weights = {}
    if context_weight:
        parts.append(("parent", make_pipeline(FunctionTransformer(parent_text), word_vectorizer(min_df))))
        weights["parent"] = context_weight
    if author_weight:
        parts.append(("author", make_pipeline(FunctionTransformer(author_text), word_vectorizer(min_df))))
        weights["author"] = author_weight
    if replies_weight:
        parts.append(("replies", make_pipeline(FunctionTransformer(replies_text), word_vectorizer(min_df))))
        weights["replies"] = replies_weight
    if lexicon:
        parts.append(("lexicon", LexiconSentiment()))
    return FeatureUnion(parts, transformer_weights=weights or None)


def own_word_vectorizer(features) -> TfidfVectorizer | None:
    """The fitted word vectorizer of a comment's own words in a `text_features` union."""
    own = dict(getattr(features, "transformer_list", [])).get("own")
    union = own.steps[-1][1] if hasattr(own, "steps") else None
    words = dict(getattr(union, "transformer_list", [])).get("words")
    return words if hasattr(words, "vocabulary_") else None
