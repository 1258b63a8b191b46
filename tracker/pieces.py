"""The features of a batch of comments, each distinct text of it read once.

In a thread the same words come back: a comment's parent is another comment of the batch,
and so are its author's other comments. `transform` gives what the fitted `text_features`
union gives (tests/models/test_pieces.py compares them) but folds and tokenizes each
distinct text once (the comments, their parents, and each of the comments that `author_text` and
`replies_text` join with `context.SEPARATOR`), counts its distinct words and word pairs once
for all the word blocks (each block then looks up only the batch's distinct n-grams in its
vocabulary), and sums the joined comments' counts, adding the bigrams that join one comment
to the next, as reading them joined would. A union of another shape is transformed by
scikit-learn as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer

from tracker.context import AUTHOR_TEXT, REPLIES_TEXT, SEPARATOR
from tracker.features import PARENT, TEXT, author_text, fold_array, own_text, parent_text, replies_text
from tracker.tfidf import _ARROW_TOKENIZERS, ArrowTfidfVectorizer

_COLUMN_OF = {own_text: TEXT, parent_text: PARENT, author_text: AUTHOR_TEXT, replies_text: REPLIES_TEXT}
_ORDER = [TEXT, PARENT, AUTHOR_TEXT, REPLIES_TEXT]
_JOINED = (AUTHOR_TEXT, REPLIES_TEXT)  # columns of several comments joined by SEPARATOR


@dataclass
class _Block:
    column: str  # the frame column the block reads
    vectorizers: list  # fitted ArrowTfidfVectorizers whose outputs sit side by side


def _readable(vectorizer) -> bool:
    """A vectorizer this module can reproduce: word n-grams (up to bigrams) with an Arrow
    tokenizer, or char_wb n-grams, on text folded beforehand."""
    if not isinstance(vectorizer, ArrowTfidfVectorizer) or not vectorizer._arrow_ready():
        return False
    if vectorizer.lowercase or vectorizer.strip_accents or not hasattr(vectorizer, "vocabulary_"):
        return False
    if vectorizer.analyzer == "word":
        return vectorizer.token_pattern in _ARROW_TOKENIZERS and vectorizer.ngram_range[1] <= 2
    return vectorizer.analyzer == "char_wb"


def _plan(features) -> list | None:
    """Each part of the union as a _Block, or the part itself when it is not text read by
    vectorizers (read by scikit-learn); None when the union is not one `transform` reproduces."""
    if not isinstance(features, FeatureUnion):
        return None
    plan = []
    for _, part in features.transformer_list:
        if isinstance(part, str):  # "drop" or "passthrough"
            return None
        steps = part.steps if isinstance(part, Pipeline) else None
        if not steps or len(steps) != 2 or not isinstance(steps[0][1], FunctionTransformer):
            plan.append(part)
            continue
        column = _COLUMN_OF.get(steps[0][1].func)
        last = steps[1][1]
        if isinstance(last, FeatureUnion):
            if last.transformer_weights or any(isinstance(v, str) for _, v in last.transformer_list):
                return None
            vectorizers = [v for _, v in last.transformer_list]
        else:
            vectorizers = [last]
        if column is None or not all(map(_readable, vectorizers)):
            return None
        if column in _JOINED and any(v.analyzer != "word" for v in vectorizers):
            return None  # char n-grams across the joined comments are not summed here
        plan.append(_Block(column, vectorizers))
    patterns = {v.token_pattern for block in plan if isinstance(block, _Block) for v in block.vectorizers
                if v.analyzer == "word"}
    return plan if len(patterns) <= 1 else None


def transform(features, frame: pd.DataFrame) -> sparse.csr_matrix:
    """`features.transform(frame)` for a fitted `text_features` union, with each distinct text of
    the batch folded and tokenized once."""
    return sparse.hstack(transform_parts(features, frame), format="csr")


def transform_parts(features, frame: pd.DataFrame) -> list:
    """The column blocks of `transform`, each vectorizer's (or union part's) apart, left to
    right: a product with the whole matrix is the sum of their products, without the copy
    that stacking them makes."""
    plan = _plan(features)
    if plan is None:
        return [features.transform(frame)]
    texts = _Texts(frame, {block.column for block in plan if isinstance(block, _Block)})
    weights = features.transformer_weights or {}
    matrices = []
    for (name, part), block in zip(features.transformer_list, plan):
        parts = ([texts.matrix(block.column, vectorizer) for vectorizer in block.vectorizers]
                 if isinstance(block, _Block) else [block.transform(frame)])
        matrices += [matrix * weights[name] if name in weights else matrix for matrix in parts]
    return matrices


class _Texts:
    """The distinct texts of a batch (comments, parents, joined comments one by one), folded
    once and tokenized once, with each row's place among them."""

    def __init__(self, frame: pd.DataFrame, columns: set[str]):
        self.n_rows = len(frame)

        def column(name):
            values = frame[name] if name in frame else pd.Series([""] * len(frame), index=frame.index)
            # the column's Arrow strings as they are (chunked, for a concatenated frame), not copied
            return pa.array(values.fillna("").astype(str).array).cast(pa.large_string())

        arrays, self.slices = [], {}
        start = 0
        # the comments' own texts first, so that their order among the distinct texts (which
        # orders the sums of a row's terms) does not depend on the context columns
        self.rows_of = {}  # for each joined column, the row of each of its pieces
        for name in sorted(columns, key=_ORDER.index):
            if name in _JOINED:  # one piece per comment joined
                split = pc.split_pattern(column(name), SEPARATOR)
                self.rows_of[name] = pc.list_parent_indices(split).to_numpy(zero_copy_only=False)
                values = pc.list_flatten(split)
            else:
                values = column(name)
            arrays.append(values)
            self.slices[name] = slice(start, start + len(values))
            start += len(values)
        encoded = pa.chunked_array(arrays, type=pa.large_string()).combine_chunks().dictionary_encode()
        self.piece = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)  # distinct text of each entry
        self.folded = fold_array(encoded.dictionary)
        self._tokens, self._grams, self._columns = None, None, {}

    def tokens(self, vectorizer) -> tuple[pa.Array, np.ndarray, np.ndarray]:
        """The distinct tokens, each token's index among them and its distinct text, for all
        the batch's distinct texts (every word vectorizer of the union splits alike)."""
        if self._tokens is None:
            tokens, text_of = vectorizer._tokens(self.folded)
            encoded = tokens.dictionary_encode()
            self._tokens = (encoded.dictionary, encoded.indices.to_numpy(zero_copy_only=False), text_of)
        return self._tokens

    def grams(self, vectorizer) -> tuple[sparse.csr_matrix, np.ndarray]:
        """Counts of the batch's distinct words and distinct word pairs (two tokens in a row) in
        each distinct text, counted once for every word vectorizer, and each pair's two tokens."""
        if self._grams is None:
            words, tokens, text_of = self.tokens(vectorizer)
            n_words = max(len(words), 1)
            starts = np.flatnonzero(text_of[:-1] == text_of[1:])
            pairs, pair_of = np.unique(tokens[starts] * n_words + tokens[starts + 1], return_inverse=True)
            rows, columns = np.concatenate([text_of, text_of[starts]]), np.concatenate([tokens, n_words + pair_of])
            counts = sparse.csr_matrix((np.ones(len(rows), dtype=np.float64), (rows, columns)),
                                       shape=(len(self.folded), n_words + len(pairs)))
            self._grams = (counts, np.column_stack([pairs // n_words, pairs % n_words]))
        return self._grams

    def columns(self, vectorizer) -> tuple[np.ndarray | None, np.ndarray]:
        """The batch's distinct tokens' `_word_ids` in `vectorizer`, and the vocabulary column
        of each of `grams`'s columns (-1 where the n-gram is not a term or not of its sizes)."""
        if id(vectorizer) not in self._columns:
            words, _, _ = self.tokens(vectorizer)
            _, pairs = self.grams(vectorizer)
            ids = vectorizer._word_ids(words) if len(words) else None
            low, high = vectorizer.ngram_range
            unigrams = np.full(max(len(words), 1), -1, dtype=np.int64)
            bigrams = np.full(len(pairs), -1, dtype=np.int64)
            if low <= 1 <= high and len(words):
                unigrams[:] = vectorizer._ngram_columns(words, [np.arange(len(words))], ids)
            if low <= 2 <= high and len(pairs):
                bigrams = vectorizer._ngram_columns(words, [pairs[:, 0], pairs[:, 1]], ids)
            self._columns[id(vectorizer)] = (ids, np.concatenate([unigrams, bigrams]))
        return self._columns[id(vectorizer)]

    def matrix(self, column: str, vectorizer) -> sparse.csr_matrix:
        """The block of `vectorizer` reading `column`: counts of each row's text (for joined
        comments, their sum plus the bigrams that join them), weighted as it weighs.
        Only the distinct texts the block reads are counted."""
        needed, local = np.unique(self.piece[self.slices[column]], return_inverse=True)
        local = local.ravel()  # each entry's place among the needed texts
        if vectorizer.analyzer == "char_wb":
            counts = vectorizer._char_wb_counts(self.folded.take(needed))[local]
        else:
            ids, columns = self.columns(vectorizer)
            by_text = _renumbered(self.grams(vectorizer)[0][needed], columns, len(vectorizer.vocabulary_),
                                  vectorizer.dtype)
            if column in _JOINED:
                words, tokens, text_of = self.tokens(vectorizer)
                wanted = np.zeros(len(self.folded), dtype=bool)
                wanted[needed] = True
                mask = wanted[text_of]
                tokens, text_of = tokens[mask], np.searchsorted(needed, text_of[mask])
                counts = self._joined(vectorizer, by_text, self.rows_of[column], local, words, tokens, text_of, ids)
            else:
                counts = by_text[local]
        if vectorizer.binary:
            counts.data.fill(1)
        return vectorizer._tfidf.transform(counts, copy=False)

    def _joined(self, vectorizer, by_text, rows, pieces, words, tokens, text_of, ids) -> sparse.csr_matrix:
        """Counts of each row's pieces (`rows` gives the row of each) read as one text: their
        counts summed, and each bigram from the last token of one piece to the first of the
        next piece with tokens (`pieces` and `text_of` index the rows of `by_text`; `ids` are
        the tokens' `_word_ids`)."""
        n_texts = by_text.shape[0]
        summed = sparse.csr_matrix((np.ones(len(pieces), dtype=vectorizer.dtype), (rows, pieces)),
                                   shape=(self.n_rows, n_texts)) @ by_text
        low, high = vectorizer.ngram_range
        if not low <= 2 <= high or not len(tokens):
            return summed.tocsr()
        first = np.searchsorted(text_of, np.arange(n_texts), side="left")
        last = np.searchsorted(text_of, np.arange(n_texts), side="right") - 1
        keep = last[pieces] >= first[pieces]  # pieces with at least one token, in row order
        rows, pieces = rows[keep], pieces[keep]
        joins = np.flatnonzero(rows[:-1] == rows[1:])
        columns = vectorizer._ngram_columns(words, [tokens[last[pieces[joins]]], tokens[first[pieces[joins + 1]]]], ids)
        extra = vectorizer._matrix(rows[joins], columns, self.n_rows)
        return (summed + extra).tocsr()


def _renumbered(counts: sparse.csr_matrix, columns: np.ndarray, width: int, dtype) -> sparse.csr_matrix:
    """`counts` with column j moved to `columns[j]`, dropped where that is -1 (no two columns
    move to one, so nothing is summed; each row's columns are left unsorted)."""
    moved = columns[counts.indices]
    kept = moved >= 0
    indptr = np.concatenate([[0], np.cumsum(kept)])[counts.indptr]
    return sparse.csr_matrix((counts.data[kept].astype(dtype), moved[kept], indptr), shape=(counts.shape[0], width))
