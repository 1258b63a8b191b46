"""scikit-learn transformers that turn comments into features.

Input to every transformer here is a DataFrame with columns `text` (the author's own words),
`parent_text` (the comment replied to, empty when unknown) and `lang`.
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import FunctionTransformer

TEXT, PARENT, LANG = "text", "parent_text", "lang"
_URL = re.compile(r"https?://\S+|www\.\S+")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


def _accent_table() -> dict[int, str]:
    """Latin letters with diacritics mapped to their base letters ("é" -> "e"), for str.translate."""
    table = {}
    for code in range(0xC0, 0x250):
        base = "".join(ch for ch in unicodedata.normalize("NFKD", chr(code)) if not unicodedata.combining(ch))
        if base != chr(code) and base.isascii():
            table[code] = base
    table[ord("’")] = "'"
    return table


_ACCENTS = _accent_table()


def _number(match: re.Match) -> str:
    return " _num_ " if len(match.group()) > 2 else match.group()


def fold(text: str) -> str:
    """Lowercase, accents removed, URLs and numbers abstracted: French comments are written
    with and without accents ("modele", "modèle") and the words should meet."""
    text = _URL.sub(" _url_ ", str(text).lower().translate(_ACCENTS))
    return _NUMBER.sub(_number, text)


def _column(frame, name: str) -> list[str]:
    if isinstance(frame, pd.DataFrame):
        return frame[name].fillna("").astype(str).tolist() if name in frame else [""] * len(frame)
    raise TypeError("expected a DataFrame with text, parent_text and lang columns")


def own_text(frame) -> list[str]:
    """The comment's own words, folded once for every vectorizer that reads them."""
    return [fold(text) for text in _column(frame, TEXT)]


def parent_text(frame) -> list[str]:
    return [fold(text) for text in _column(frame, PARENT)]


def word_vectorizer(min_df: int = 2) -> TfidfVectorizer:
    return TfidfVectorizer(lowercase=False, token_pattern=r"(?u)\b\w[\w'-]*\w\b|\b\w\b|[!?]",
                           ngram_range=(1, 2), min_df=min_df, sublinear_tf=True, max_features=200_000,
                           dtype=np.float32)


def char_vectorizer(min_df: int = 2) -> TfidfVectorizer:
    return TfidfVectorizer(lowercase=False, analyzer="char_wb", ngram_range=(3, 5), min_df=min_df,
                           sublinear_tf=True, max_features=300_000, dtype=np.float32)


class LexiconSentiment(TransformerMixin, BaseEstimator):
    """VADER's English lexicon scores (neg, neu, pos, compound), zero for non-English text.

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
        rows = np.zeros((len(texts), 4), dtype=np.float32)
        for i, (text, lang) in enumerate(zip(texts, langs)):
            if lang in self.languages:
                scores = analyzer.polarity_scores(text)
                rows[i] = (scores["neg"], scores["neu"], scores["pos"], scores["compound"])
        return sparse.csr_matrix(rows)

    def get_feature_names_out(self, input_features=None):
        return np.array(["vader_neg", "vader_neu", "vader_pos", "vader_compound"], dtype=object)


def text_features(char: bool = True, context_weight: float = 0.0, lexicon: bool = False, min_df: int = 2):
    """Features of a comment: word (and char) TF-IDF of its own words; with `context_weight`,
    word TF-IDF of its parent scaled by that weight; with `lexicon`, VADER scores."""
    parts = [("words", make_pipeline(FunctionTransformer(own_text), word_vectorizer(min_df)))]
    if char:
        parts.append(("chars", make_pipeline(FunctionTransformer(own_text), char_vectorizer(min_df))))
    if context_weight:
        parts.append(("parent", make_pipeline(FunctionTransformer(parent_text), word_vectorizer(min_df))))
    if lexicon:
        parts.append(("lexicon", LexiconSentiment()))
    weights = {"parent": context_weight} if context_weight else None
    return FeatureUnion(parts, transformer_weights=weights)
