"""The Arrow TF-IDF transform gives scikit-learn's matrix, on the real corpus and on edge cases."""

from __future__ import annotations

import glob

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from tracker.features import char_vectorizer, fold, own_text, word_vectorizer
from tracker.labeled import read_labeled
from tracker.tfidf import ArrowTfidfVectorizer

EDGE = ["", "   ", "a", "ab", "!?", "l'IA d'OpenAI -- open-weights' 'quoted' R1 V3 671 _x_ a_b",
        "émoji 🚀🚀 et œuvre", "tab\tseparated\nlines  and   spaces\x1c\x85\u2028\u3000end ", "x y x y x y",
        "unknownwordzzz qqq"]


@pytest.fixture(scope="module")
def corpus() -> list[str]:
    return own_text(read_labeled(sorted(glob.glob("data/labeled/*.csv"))))


def same_matrix(vectorizer: TfidfVectorizer, fit_docs: list[str], docs: list[str]) -> None:
    """Fit scikit-learn's vectorizer and ours with the same parameters; transforms must agree."""
    reference = TfidfVectorizer(**vectorizer.get_params()).fit(fit_docs)
    ours = ArrowTfidfVectorizer(**vectorizer.get_params()).fit(fit_docs)
    assert ours.vocabulary_ == reference.vocabulary_
    expected, got = reference.transform(docs), ours.transform(docs)
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype
    difference = abs(expected - got)
    assert difference.nnz == 0 or difference.max() < 1e-6
    assert got.nnz == expected.nnz


@pytest.mark.parametrize("make", [word_vectorizer, char_vectorizer], ids=["words", "chars"])
def test_the_model_vectorizers_match_scikit_learn_on_the_corpus(corpus, make):
    same_matrix(make(), corpus, corpus[::3] + EDGE)


@pytest.mark.parametrize("params", [
    {"analyzer": "word", "ngram_range": (1, 3)},
    {"analyzer": "word", "ngram_range": (2, 3), "binary": True},
    {"analyzer": "word", "lowercase": True, "sublinear_tf": False, "norm": "l1"},
    {"analyzer": "word", "ngram_range": (1, 6)},  # 6-gram keys would pass 62 bits: looked up as strings
    {"analyzer": "word", "token_pattern": r"[^ ]+", "ngram_range": (1, 2)},  # Python's tokenizer, strings
    {"analyzer": "char_wb", "ngram_range": (1, 3)},
    {"analyzer": "char_wb", "ngram_range": (5, 7), "lowercase": True},  # padded words shorter than 5 count whole
    {"analyzer": "char_wb", "ngram_range": (2, 4), "use_idf": False, "binary": True},
], ids=str)
def test_other_parameters_match_scikit_learn(corpus, params):
    same_matrix(TfidfVectorizer(**params), corpus[:600] + EDGE, corpus[600:900] + EDGE)


def test_configurations_it_does_not_cover_fall_back_to_scikit_learn(corpus):
    params = {"analyzer": "word", "stop_words": ["the", "le"]}
    same_matrix(TfidfVectorizer(**params), corpus[:300], corpus[300:400])
    same_matrix(TfidfVectorizer(analyzer="char", ngram_range=(2, 3)), corpus[:300], corpus[300:400])


def test_a_batch_without_any_word_gives_empty_rows(corpus):
    vectorizer = ArrowTfidfVectorizer(**char_vectorizer().get_params()).fit(corpus[:200])
    assert vectorizer.transform(["", "  "]).nnz == 0


def test_pickling_stores_the_vocabulary_as_arrays_and_restores_it(corpus):
    import pickle

    vectorizer = ArrowTfidfVectorizer(**word_vectorizer().get_params()).fit(corpus[:300])
    before = vectorizer.transform(corpus[300:320])
    state = vectorizer.__getstate__()
    # no dict of strings and no Arrow object or lookup table in the pickle: numpy arrays,
    # which joblib reads fast
    assert not {"vocabulary_", "_arrow_terms", "_word_cache"} & set(state)
    assert isinstance(state["_vocabulary_utf8"], np.ndarray) and isinstance(state["_vocabulary_offsets"], np.ndarray)
    assert isinstance(vectorizer.vocabulary_, dict)  # taking the state left the vectorizer whole
    copy = pickle.loads(pickle.dumps(vectorizer))
    assert copy.vocabulary_ == vectorizer.vocabulary_
    assert np.allclose(copy.transform(corpus[300:320]).toarray(), before.toarray())


def test_a_vectorizer_pickled_with_its_vocabulary_dict_still_loads(corpus):
    vectorizer = ArrowTfidfVectorizer(**word_vectorizer().get_params()).fit(corpus[:300])
    old_state = dict(vectorizer.__dict__)  # the state bundles of earlier versions hold
    old_state.pop("_arrow_terms", None), old_state.pop("_arrow_vocabulary", None)
    copy = ArrowTfidfVectorizer.__new__(ArrowTfidfVectorizer)
    copy.__setstate__(old_state)
    assert abs(copy.transform(corpus[300:320]) - vectorizer.transform(corpus[300:320])).max() == 0


def test_a_bundle_loads_without_unpickling_the_vocabulary_item_by_item(tmp_path, corpus):
    import joblib

    vectorizer = ArrowTfidfVectorizer(**char_vectorizer().get_params()).fit(corpus)
    joblib.dump(vectorizer, tmp_path / "v.joblib", compress=3)
    loaded = joblib.load(tmp_path / "v.joblib")
    assert loaded.vocabulary_ == vectorizer.vocabulary_
    assert loaded._terms().to_pylist()[:5] == sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)[:5]


def test_fitting_again_forgets_the_previous_vocabulary(corpus):
    vectorizer = ArrowTfidfVectorizer(**word_vectorizer(min_df=1).get_params())
    vectorizer.fit(["alpha beta", "gamma delta"]).transform(["alpha"])
    vectorizer.fit(["open weights", "closed labs"])  # same vocabulary size, other words
    reference = TfidfVectorizer(**word_vectorizer(min_df=1).get_params()).fit(["open weights", "closed labs"])
    docs = ["open labs", "alpha"]
    assert abs(vectorizer.transform(docs) - reference.transform(docs)).max() == 0


def test_fold_abstracts_long_numbers_and_urls_only():
    assert fold("R1 et V3: 671B, 12,5 % sur https://x.ai/p 2025") == "r1 et v3:  _num_ b,  _num_  % sur  _url_   _num_ "
    assert fold("Élève À l’École") == "eleve a l'ecole"
    assert fold("ﬁne-tuning\xa0: 10\u202f000 ≠ ١٢٣") == "fine-tuning : 10  _num_  =\u0338 ١٢٣"
