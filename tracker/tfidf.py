"""A TfidfVectorizer whose `transform` counts terms with Arrow kernels instead of Python loops.

scikit-learn's analyzers build every n-gram as a Python string and look it up in a dict one
at a time: about 15,000 comments/s for word 1-2-grams and 2,000-4,600/s for char_wb 3-5-grams
on one core, which is most of the time a batch classification spends. Here pyarrow splits the
whole batch into space-separated words, cuts each distinct word once (into tokens, or into
char n-grams spread back to the comments by a sparse product) and looks every term up in the
vocabulary: each distinct token once, word n-grams as integer keys (their tokens' ids) in a
hash table built once per fitted vocabulary, so no n-gram string is built. The matrix is the
one scikit-learn computes (tests/models/test_tfidf.py compares them); fitting is
scikit-learn's own.
"""

from __future__ import annotations

from itertools import chain

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer


class ArrowTfidfVectorizer(TfidfVectorizer):
    """TfidfVectorizer with the same parameters and the same output, faster to transform.

    Configurations the Arrow path does not cover (a callable analyzer, a custom tokenizer or
    preprocessor, stop words, `char` n-grams) fall back to scikit-learn's transform.
    """

    def transform(self, raw_documents):
        if not self._arrow_ready():
            return super().transform(raw_documents)
        if isinstance(raw_documents, str):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        self._check_vocabulary()
        docs = list(raw_documents)
        if self.lowercase or self.strip_accents or not all(isinstance(doc, str) for doc in docs):
            decode, preprocess = self.decode, self.build_preprocessor()
            docs = [preprocess(decode(doc)) for doc in docs]
        counts = self._char_wb_counts(docs) if self.analyzer == "char_wb" else self._word_counts(docs)
        if self.binary:
            counts.data.fill(1)
        return self._tfidf.transform(counts, copy=False)

    def _arrow_ready(self) -> bool:
        return (self.analyzer in ("word", "char_wb") and self.tokenizer is None and self.preprocessor is None
                and self.stop_words is None and self.input == "content")

    def _terms(self) -> pa.Array:
        """The vocabulary as an Arrow array whose position i holds the term of column i."""
        if getattr(self, "_arrow_vocabulary", None) is not self.vocabulary_:  # first use, or fitted again
            self._arrow_terms = self._terms_of(self.vocabulary_)
            self._arrow_vocabulary = self.vocabulary_
        return self._arrow_terms

    def _word_table(self) -> tuple[pd.Index, dict] | None:
        """The vocabulary's word n-grams as integers: an id for every word of its terms, and
        for each n the keys of its n-grams (their words' ids as digits in base "number of
        words") in a pandas Index, which keeps its hash table, with their columns. Built on
        first use for each fitted vocabulary and never saved. None when tokens may hold spaces
        (a custom token pattern), so that a term's words cannot be read back from it."""
        if self.token_pattern not in _ARROW_TOKENIZERS:
            return None
        cache = getattr(self, "_word_cache", None)
        if cache is None or cache[0] is not self.vocabulary_:
            terms = self._terms()
            split = pc.split_pattern(terms, " ")
            words = pc.list_flatten(split).dictionary_encode()
            ids = words.indices.to_numpy(zero_copy_only=False).astype(np.int64)
            lengths = pc.list_value_length(split).to_numpy(zero_copy_only=False)
            base, tables = max(len(words.dictionary), 1), {}
            for n in np.unique(lengths).tolist():
                if n * np.log2(base) >= 62:
                    continue  # such n-grams are looked up as strings
                column = np.flatnonzero(lengths == n)
                keys = ids[np.repeat(lengths == n, lengths)].reshape(len(column), n) @ (
                    base ** np.arange(n - 1, -1, -1, dtype=np.int64))
                tables[n] = (pd.Index(keys), column)
            # an object Index keeps its hash table between lookups (an Arrow-backed one would copy)
            word_index = pd.Index(words.dictionary.to_numpy(zero_copy_only=False), dtype=object)
            cache = self._word_cache = (self.vocabulary_, (word_index, tables))
        return cache[1]

    def __getstate__(self):
        state = dict(super().__getstate__())  # outside sklearn's own modules this is our __dict__ itself
        for cached in ("_arrow_terms", "_arrow_vocabulary", "_word_cache"):  # rebuilt on first use; bundles stay plain
            state.pop(cached, None)
        if isinstance(state.get("vocabulary_"), dict):
            # The vocabulary as two arrays (UTF-8 bytes and offsets, terms in column order) rather
            # than a dict of 100,000 strings: joblib reads arrays at memory speed but unpickles a
            # dict one item at a time in Python, which made loading a bundle ten times slower.
            terms = self._terms_of(state.pop("vocabulary_"))
            offsets, data = terms.buffers()[1:]
            state["_vocabulary_offsets"] = np.frombuffer(offsets, dtype=np.int64)[: len(terms) + 1].copy()
            state["_vocabulary_utf8"] = np.frombuffer(data, dtype=np.uint8).copy() if data else np.zeros(0, np.uint8)
        return state

    def __setstate__(self, state):
        offsets, data = state.pop("_vocabulary_offsets", None), state.pop("_vocabulary_utf8", None)
        super().__setstate__(state)
        if offsets is not None:
            terms = pa.LargeStringArray.from_buffers(len(offsets) - 1, pa.py_buffer(offsets), pa.py_buffer(data))
            self.vocabulary_ = dict(zip(terms.to_pylist(), range(len(terms))))
            self._arrow_terms, self._arrow_vocabulary = terms, self.vocabulary_

    @staticmethod
    def _terms_of(vocabulary: dict) -> pa.Array:
        """The terms of a vocabulary in column order, as an Arrow array."""
        terms = np.empty(len(vocabulary), dtype=object)
        terms[list(vocabulary.values())] = list(vocabulary.keys())
        return pa.array(terms, type=pa.large_string())

    def _columns(self, terms: pa.Array) -> np.ndarray:
        """Vocabulary column of each term, -1 when the term is not in the vocabulary."""
        return pc.index_in(terms, value_set=self._terms()).fill_null(-1).to_numpy(zero_copy_only=False)

    def _word_ids(self, words: pa.Array) -> np.ndarray | None:
        """Each distinct token's id in `_word_table` (-1 when no term has it); None without a table."""
        table = self._word_table()
        if table is None:
            return None
        return table[0].get_indexer(words.to_numpy(zero_copy_only=False)).astype(np.int64)

    def _ngram_columns(self, words: pa.Array, parts: list[np.ndarray], ids: np.ndarray | None) -> np.ndarray:
        """Vocabulary column of each n-gram whose k-th token is `parts[k]` (indices into the
        distinct tokens `words`, whose `_word_ids` are `ids`), -1 when not in the vocabulary:
        by integer keys where `_word_table` has them, else as strings."""
        n = len(parts)
        tables = self._word_table()[1] if ids is not None else {}
        if n in tables:
            keys, vocabulary_columns = tables[n]
            if not len(keys):
                return np.full(len(parts[0]), -1, dtype=np.int64)
            base = max(len(self._word_table()[0]), 1)
            key, known = np.zeros(len(parts[0]), dtype=np.int64), np.ones(len(parts[0]), dtype=bool)
            for part in parts:
                part_ids = ids[part]
                known &= part_ids >= 0
                key = key * base + part_ids
            at = keys.get_indexer(key)
            return np.where(known & (at >= 0), vocabulary_columns[at], -1)
        if n == 1:  # each distinct token is looked up once
            return self._columns(words)[parts[0]]
        grams = [words.take(part) for part in parts]
        return self._columns(pc.binary_join_element_wise(*grams, pa.scalar(" ", pa.large_string())))

    def _token_counts(self, words: pa.Array, tokens: np.ndarray, doc_of: np.ndarray, n_docs: int) -> sparse.csr_matrix:
        """Term counts of documents given as their tokens (`tokens` index the distinct `words`;
        `doc_of` gives each token's document, in order): every n-gram within a document."""
        if not len(tokens):
            return self._matrix(np.zeros(0, dtype=int), np.zeros(0, dtype=int), n_docs)
        ids = self._word_ids(words)
        low, high = self.ngram_range
        rows, columns = [], []
        for n in range(low, min(high, len(tokens)) + 1):
            # an n-gram starts at token i when tokens i .. i+n-1 belong to one document
            starts = np.flatnonzero(doc_of[: len(tokens) - n + 1] == doc_of[n - 1:])
            columns.append(self._ngram_columns(words, [tokens[starts + k] for k in range(n)], ids))
            rows.append(doc_of[starts])
        if not rows:
            return self._matrix(np.zeros(0, dtype=int), np.zeros(0, dtype=int), n_docs)
        return self._matrix(np.concatenate(rows), np.concatenate(columns), n_docs)

    def _matrix(self, rows: np.ndarray, columns: np.ndarray, n_rows: int) -> sparse.csr_matrix:
        known = columns >= 0
        # built from coordinates, so repeated (row, column) pairs are summed into counts
        return sparse.csr_matrix((np.ones(known.sum(), dtype=self.dtype), (rows[known], columns[known])),
                                 shape=(n_rows, len(self.vocabulary_)), dtype=self.dtype)

    def _tokens(self, docs: list[str]) -> tuple[pa.Array, np.ndarray]:
        """Every token of the batch and the comment it comes from."""
        arrow_tokenizer = _ARROW_TOKENIZERS.get(self.token_pattern)
        if arrow_tokenizer is not None:
            # These patterns never match whitespace, so a comment's tokens are the tokens of its
            # space-separated words, in order: each distinct word of the batch is cut once.
            words, doc_of = _words_between_spaces(_arrow(docs))
            encoded = words.dictionary_encode()
            pieces, piece_word = arrow_tokenizer(encoded.dictionary)
            per_word = np.bincount(piece_word, minlength=len(encoded.dictionary))
            first = np.cumsum(per_word) - per_word
            occurrences = encoded.indices.to_numpy(zero_copy_only=False)
            lengths = per_word[occurrences]  # tokens of each occurrence, laid end to end:
            starts = np.cumsum(lengths) - lengths  # occurrence k's tokens start at starts[k]
            offset = np.repeat(first[occurrences] - starts, lengths)
            return pieces.take(offset + np.arange(lengths.sum())), np.repeat(doc_of, lengths)
        tokenize = self.build_tokenizer()
        tokenized = [tokenize(doc) for doc in docs]
        return (pa.array(list(chain.from_iterable(tokenized)), type=pa.large_string()),
                np.repeat(np.arange(len(docs)), [len(t) for t in tokenized]))

    def _word_counts(self, docs: list[str]) -> sparse.csr_matrix:
        tokens, doc_of = self._tokens(docs)
        encoded = tokens.dictionary_encode()
        return self._token_counts(encoded.dictionary, encoded.indices.to_numpy(zero_copy_only=False), doc_of, len(docs))

    def _char_wb_counts(self, docs: list[str]) -> sparse.csr_matrix:
        """Comment x word counts times word x n-gram counts, so each distinct word of the batch
        is cut into n-grams once."""
        words, doc_of = _words_between_spaces(_arrow(docs))
        encoded = words.dictionary_encode()
        word_index = encoded.indices.to_numpy(zero_copy_only=False)
        n_words = len(encoded.dictionary)
        words_in_docs = sparse.csr_matrix((np.ones(len(word_index), dtype=self.dtype), (doc_of, word_index)),
                                          shape=(len(docs), n_words), dtype=self.dtype)
        grams_in_words = self._word_grams(encoded.dictionary)
        return (words_in_docs @ grams_in_words).tocsr()  # no duplicates; indices left unsorted

    def _word_grams(self, words: pa.Array) -> sparse.csr_matrix:
        """Counts of each char n-gram of " word " (scikit-learn's char_wb rule: every n-gram
        of each length up to the padded word's length; a padded word shorter than the
        smallest n counts once, whole)."""
        space, empty = pa.scalar(" ", pa.large_string()), pa.scalar("", pa.large_string())
        padded = pc.binary_join_element_wise(space, words, space, empty)
        lengths = pc.utf8_length(padded).to_numpy(zero_copy_only=False)
        order = np.argsort(-lengths, kind="stable")
        padded, lengths = padded.take(order), lengths[order]
        low, high = self.ngram_range
        rows, grams = [], []
        for n in range(low, high + 1):
            for start in range(0, int(lengths.max(initial=0)) - n + 1):
                count = int(np.searchsorted(-lengths, -(start + n), side="right"))  # words with length >= start + n
                grams.append(pc.utf8_slice_codeunits(padded.slice(0, count), start, start + n))
                rows.append(order[:count])
        short = np.flatnonzero(lengths < low)
        grams.append(padded.take(short))
        rows.append(order[short])
        columns = self._columns(pa.concat_arrays(grams))
        return self._matrix(np.concatenate(rows), columns, len(words))


def _arrow(docs) -> pa.Array:
    """A batch of texts as an Arrow array (given as one, or as a list of strings)."""
    return docs if isinstance(docs, pa.Array) else pa.array(docs, type=pa.large_string())


# Token patterns with an Arrow equivalent. Python's `\w` is a letter, digit or underscore of
# Unicode; RE2's classes below say the same (the two Unicode tables could differ only on
# characters no comment uses, such as numerals among symbols).
_WORD_CHAR = r"\p{L}\p{N}_"


def _pieces(batch: pa.Array, separator: str) -> tuple[pa.Array, np.ndarray]:
    pieces = pc.split_pattern_regex(batch, separator)
    return pc.list_flatten(pieces), pc.list_parent_indices(pieces).to_numpy(zero_copy_only=False)


def _words_between_spaces(batch: pa.Array) -> tuple[pa.Array, np.ndarray]:
    """`str.split()`: Arrow's whitespace is Python's (`str.isspace`), checked on every code point."""
    split = pc.utf8_split_whitespace(batch)
    words, doc_of = pc.list_flatten(split), pc.list_parent_indices(split).to_numpy(zero_copy_only=False)
    keep = pc.not_equal(words, "").to_numpy(zero_copy_only=False)
    return words.filter(keep), doc_of[keep]


def _runs_with_inner_marks(batch: pa.Array) -> tuple[pa.Array, np.ndarray]:
    r"""`\w[\w'-]*\w|\w|[!?]`: a run of word characters, apostrophes and hyphens without its
    leading and trailing apostrophes and hyphens; each "!" and "?" on its own."""
    spaced = pc.replace_substring_regex(batch, r"([!?])", r" \1 ")
    pieces, doc_of = _pieces(spaced, rf"[^{_WORD_CHAR}'!?-]+")
    tokens = pc.utf8_trim(pieces, "'-")
    keep = pc.not_equal(tokens, "").to_numpy(zero_copy_only=False)
    return tokens.filter(keep), doc_of[keep]


def _runs_of_two(batch: pa.Array) -> tuple[pa.Array, np.ndarray]:
    r"""scikit-learn's default `\b\w\w+\b`: runs of at least two word characters."""
    pieces, doc_of = _pieces(batch, rf"[^{_WORD_CHAR}]+")
    keep = pc.greater_equal(pc.utf8_length(pieces), 2).to_numpy(zero_copy_only=False)
    return pieces.filter(keep), doc_of[keep]


_ARROW_TOKENIZERS = {r"(?u)\w[\w'-]*\w|\w|[!?]": _runs_with_inner_marks, r"(?u)\b\w\w+\b": _runs_of_two}
