"""Pure text functions: HTML to text, quote stripping, language identification, tokens.

Everything here takes and returns plain values, so it is tested on its own and shared by every
importer. Quote stripping keeps only the author's own words for classification; the quoted
text is returned beside them, never dropped.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import urlparse

from tracker.schema import OTHER_LANG

_BLOCK_TAGS = ("p", "div", "li", "ul", "ol", "pre", "blockquote", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "aside")


def html_to_text(markup: str) -> str:
    """Plain text from an HTML fragment: entities decoded, `<br>` and paragraphs as newlines,
    links as their text followed by the link's domain in parentheses (when they differ)."""
    if not markup or "<" not in markup and "&" not in markup:
        return markup or ""
    from lxml import html as lxml_html

    try:
        root = lxml_html.fragment_fromstring(markup, create_parent="div")
    except Exception:  # lxml raises several types on broken markup; fall back to tag removal
        return _collapse(html.unescape(re.sub(r"<[^>]+>", " ", markup)))
    for bad in root.xpath(".//script|.//style"):
        bad.drop_tree()
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for link in root.iter("a"):
        href = link.get("href") or ""
        label = link.text_content().strip()
        domain = urlparse(href).netloc.lower().removeprefix("www.")
        if domain and domain not in label.lower():
            link.tail = f" ({domain})" + (link.tail or "")
    for block in root.iter(*_BLOCK_TAGS):
        block.tail = "\n\n" + (block.tail or "")
        if block.tag == "li":
            block.text = "- " + (block.text or "")
    return _collapse(root.text_content())


def _collapse(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\xa0", " ")
    text = re.sub(r"[ \t]+", " ", text)
    text = re.sub(r" *\n *", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


@dataclass(frozen=True)
class Split:
    """A comment split into the author's own words and what it quotes."""

    own: str
    quotes: list[str] = field(default_factory=list)
    quoted_authors: list[str] = field(default_factory=list)

    @property
    def quoted(self) -> str | None:
        """Who is quoted ("alice", "alice; bob"), or "quote" when a quote names nobody."""
        if self.quoted_authors:
            return "; ".join(dict.fromkeys(self.quoted_authors))
        return "quote" if self.quotes else None


_BBCODE_QUOTE = re.compile(
    r"\[quote(?:=(?:\"|&quot;)?(?P<who>[^\];\"]+?)(?:;[^\]]*)?(?:\"|&quot;)?)?\](?P<body>(?:(?!\[quote[=\]]).)*?)\[/quote\]",
    re.IGNORECASE | re.DOTALL,
)
_HTML_QUOTE = re.compile(r"<blockquote\b[^>]*>(?P<body>.*?)</blockquote>", re.IGNORECASE | re.DOTALL)
_CITE = re.compile(r"<cite\b[^>]*>(?P<who>.*?)</cite>", re.IGNORECASE | re.DOTALL)
# "Citation de X :", "Citation :", "X a écrit :", "X wrote:", "Quote from X:" on a line of their own,
# optionally followed on the same line by the quoted text.
_HEADER = re.compile(
    r"^\s*(?:(?:citation|quote)(?:\s+(?:de|from)\s+(?P<who1>[^:\n]{1,60}?))?"
    r"|(?P<who2>[^\s:\n][^:\n]{0,60}?)\s+(?:a\s+[ée]crit|wrote|said))\s*:\s*(?P<rest>.*)$",
    re.IGNORECASE,
)
# jeuxvideo.com's "Le 30 janvier 2025 à 17:48:05 Pseudo a écrit :": the date before the header
_DATED = re.compile(r"^\s*le\s+(?:\d{1,2}(?:er)?\s+\w+\s+\d{4}|\d{1,2}/\d{1,2}/\d{2,4})\s+(?:à|a)\s+"
                    r"\d{1,2}[:h]\d{2}(?::\d{2})?\s+", re.IGNORECASE)
_WRITE_IN_CITE = re.compile(r"\s*(?:a\s+[ée]crit|wrote|said)\s*:?\s*$", re.IGNORECASE)


def split_quotes(raw: str) -> Split:
    """Separate the author's own words from quoted text.

    Recognises BBCode ``[quote]``/``[quote=name]``, HTML ``<blockquote>`` (with ``<cite>``),
    markdown ``>`` lines, and header lines such as "Citation de X :", "X a écrit :" (dated,
    as jeuxvideo.com writes it: "Le 30 janvier 2025 à 17:48:05 X a écrit :") or "X wrote:"
    followed by the quoted paragraph.
    """
    quotes: list[str] = []
    authors: list[str] = []

    def take_bbcode(match: re.Match) -> str:
        quotes.append(_collapse(match.group("body")))  # innermost first: nested quotes come out alone
        if match.group("who"):
            authors.append(match.group("who").strip())
        return "\n"

    text = raw or ""
    while _BBCODE_QUOTE.search(text):
        text = _BBCODE_QUOTE.sub(take_bbcode, text)

    def take_html(match: re.Match) -> str:
        body = match.group("body")
        cite = _CITE.search(body)
        if cite:
            who = _WRITE_IN_CITE.sub("", html_to_text(cite.group("who")))
            if who:
                authors.append(who)
            body = _CITE.sub("", body)
        quotes.append(html_to_text(body))
        return "\n"

    text = _HTML_QUOTE.sub(take_html, text)
    if "<" in text or "&" in text:
        text = html_to_text(text)

    own_lines: list[str] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.lstrip().startswith(">"):
            block = []
            while i < len(lines) and lines[i].lstrip().startswith(">"):
                block.append(lines[i].lstrip()[1:].lstrip(" >"))
                i += 1
            quotes.append("\n".join(block).strip())
            continue
        undated = _DATED.sub("", line, count=1)
        header = _HEADER.match(undated)
        if header and _looks_like_header(undated, header):
            who = (header.group("who1") or header.group("who2") or "").strip()
            if who:
                authors.append(who)
            rest = header.group("rest").strip()
            i += 1
            if rest:
                quotes.append(rest.strip("«» \"“”"))
                continue
            block = []
            while i < len(lines) and not lines[i].strip() and not block:
                i += 1
            if i < len(lines) and lines[i].lstrip().startswith(">"):
                continue  # the header of a `>` quote, which the next turn takes
            while i < len(lines) and lines[i].strip():
                block.append(lines[i])
                i += 1
            quotes.append("\n".join(block).strip())
            continue
        own_lines.append(line)
        i += 1
    own = _collapse("\n".join(own_lines))
    return Split(own=own, quotes=[q for q in quotes if q], quoted_authors=authors)


def _looks_like_header(line: str, match: re.Match) -> bool:
    """Reject sentences that merely contain "wrote:" far into the line."""
    who = match.group("who2")
    return who is None or len(who.split()) <= 4


# --- language identification ------------------------------------------------------------



@lru_cache(maxsize=1)
def _detector():
    from lingua import Language, LanguageDetectorBuilder

    return LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.FRENCH).with_preloaded_language_models().build()


def load_detector() -> None:
    """Build the language detector now (about 0.2 s) rather than at the first comment that needs it."""
    _detector()


_ISO = {"ENGLISH": "en", "FRENCH": "fr"}
# Words that settle the question in a comment mixing French with English jargon
# ("C'est open weights, pas open source"): French function words, elisions, accents. Each
# list is one RE2 pattern that pyarrow runs over a whole batch of comments: a word counts
# when no letter touches it (nor an apostrophe after it: "the'" is not "the").
_FRENCH_WORDS = ("est pas les des une du au aux et ou je tu nous vous ils elles sur dans avec pour par mais donc "
                 "leur leurs ce cette ces qui que quoi moins tres très rien tout merci oui non jamais").split()
_ENGLISH_WORDS = ("the is are was were and of to its this that with for not you they we i have has been will "
                  "would in at be my your our their if so but how why when who there does did got just what "
                  "which").split()
_ENGLISH_CONTRACTIONS = ("it's", "i'm", "don't", "can't")


def _words_pattern(words) -> str:
    return r"(?:^|[^\p{L}])(?:" + "|".join(words) + r")(?:$|[^\p{L}'’])"


_FRENCH = _words_pattern(_FRENCH_WORDS) + r"|(?:^|[^\p{L}])(?:c|d|j|l|m|n|s|t|qu)['’]|[éèêàçùûôœ]"
_ENGLISH = (_words_pattern(_ENGLISH_WORDS) + r"|(?:^|[^\p{L}])(?:"
            + "|".join(w.replace("'", "['’]") for w in _ENGLISH_CONTRACTIONS) + r")(?:$|[^\p{L}\p{N}_])")
_ENOUGH_LETTERS = re.compile(r"(?:[^\W\d_][^a-zA-Z\u00C0-\u024F]*){3}")


def _has_letters(text: str) -> bool:
    return bool(text) and _ENOUGH_LETTERS.search(text) is not None


def _by_markers(texts: list[str]) -> list[str | None]:
    """`fr` or `en` for each text whose function words leave no doubt, else None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    batch = pa.array(texts, type=pa.large_string())
    french = pc.match_substring_regex(batch, _FRENCH, ignore_case=True).to_numpy(zero_copy_only=False)
    english = pc.match_substring_regex(batch, _ENGLISH, ignore_case=True).to_numpy(zero_copy_only=False)
    return ["fr" if f and not e else "en" if e and not f else None for f, e in zip(french, english)]


def detect_languages(texts: list[str]) -> list[str]:
    """Language of many texts: function words decide the clear cases, lingua (both cores) the rest."""
    results = [OTHER_LANG] * len(texts)
    with_letters = [i for i, text in enumerate(texts) if _has_letters(text)]
    marked = _by_markers([texts[i] for i in with_letters]) if with_letters else []
    undecided = [i for i, language in zip(with_letters, marked) if language is None]
    for i, language in zip(with_letters, marked):
        results[i] = language or OTHER_LANG
    if undecided:
        found = _detector().detect_languages_in_parallel_of([texts[i] for i in undecided])
        for i, language in zip(undecided, found):
            results[i] = _ISO[language.name] if language is not None else OTHER_LANG
    return results


def detect_language(text: str) -> str:
    """`en`, `fr`, or `other` for text with almost no letters ("+1", "lol", a bare link)."""
    return detect_languages([text])[0]


# --- tokens -----------------------------------------------------------------------------

_TOKEN = re.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]|\d+(?:[.,]\d+)?[kKmMbB%]?", re.UNICODE)


def normalize(text: str) -> str:
    """Lowercase, unify apostrophes and spaces; accents are kept (French needs them)."""
    text = unicodedata.normalize("NFC", text or "").lower()
    return text.replace("’", "'").replace("\xa0", " ")


def tokenize(text: str) -> list[str]:
    """Word tokens of a comment (no downloaded data needed)."""
    return _TOKEN.findall(normalize(text))


@lru_cache(maxsize=4)
def _stemmer(lang: str):
    from nltk.stem.snowball import SnowballStemmer

    return SnowballStemmer({"fr": "french"}.get(lang, "english"))


def stem_tokens(tokens: list[str], lang: str) -> list[str]:
    stemmer = _stemmer(lang)
    return [stemmer.stem(token) for token in tokens]


@lru_cache(maxsize=4)
def stop_words(lang: str) -> frozenset[str]:
    """Stop words from the offline `stop-words` package (BSD), English or French."""
    from stop_words import get_stop_words

    return frozenset(normalize(word) for word in get_stop_words({"fr": "french"}.get(lang, "english")))
