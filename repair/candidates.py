"""Stage 2: candidate originals for every span of 1-4 word tokens.

A span's text is looked up in the inverse thesaurus (every term whose synonym
list holds it, Moby ∪ WordNet, both directions). Single inflected words are
lemmatised first and the originals re-inflected to the same form (lemminflect),
so "troopers" → lemma "trooper" → "troop" → "troops". Case is carried from the
spun wording, and an a/an before the span is corrected to fit the candidate.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np

from .data import load_lines, load_npz
from .tokens import Token

__all__ = ["Thesaurus", "thesaurus", "Span", "Proposal", "propose", "carry_case", "article_for",
           "MOBY_FWD", "MOBY_REV", "WN_SYN", "WN_REL"]

MOBY_FWD, MOBY_REV, WN_SYN, WN_REL = 1, 2, 4, 8
MAX_SPAN = 4
MAX_OPTIONS = 40  # candidate originals kept per spun key, commonest first
_INFLECTED = {"NNS", "VBD", "VBN", "VBG", "VBZ", "JJR", "JJS", "RBR", "RBS"}
_VERB_TAGS = {"VBD", "VBN", "VBG", "VBZ"}
_JOINER = re.compile(r"^[-'’]$")


class Thesaurus:
    def __init__(self) -> None:
        z = load_npz("thesaurus.npz")
        self.terms = load_lines("terms.txt")
        self.index = {t: i for i, t in enumerate(self.terms)}
        spun = z["spun"].astype(np.int64)
        # row offsets (CSR): the originals of term i are orig[offsets[i]:offsets[i + 1]]
        self.offsets = np.searchsorted(spun, np.arange(len(self.terms) + 1)).tolist()
        self.orig, self.flags, self.degree = z["orig"], z["flags"], z["degree"]

    def originals(self, term: str) -> list[tuple[str, int, int]]:
        """(original, source flags, original's number of synonyms) for each original of ``term``."""
        i = self.index.get(term)
        if i is None:
            return []
        lo, hi = self.offsets[i], self.offsets[i + 1]
        origs = self.orig[lo:hi].tolist()
        degrees = self.degree[self.orig[lo:hi]].tolist()
        return [(self.terms[o], f, d) for o, f, d in zip(origs, self.flags[lo:hi].tolist(), degrees)]


@functools.lru_cache(maxsize=1)
def thesaurus() -> Thesaurus:
    return Thesaurus()


@dataclass
class Span:
    """A run of tokens ``first..last`` (inclusive) whose wording may be spun."""
    first: int
    last: int
    start: int  # code-point offsets into the text
    end: int
    text: str


@dataclass(frozen=True)
class Option:
    """One candidate original for a spun key, in lower case, with its channel evidence."""
    text: str
    ids: tuple[int, ...]  # context-model ids of its tokens
    flags: int  # thesaurus sources (MOBY_FWD | ...)
    degree: int  # how many synonyms the original has (the spinner's choice)
    via_lemma: bool  # found through the lemma and re-inflected


class OptionSet:
    """The options of one key, also as arrays (what the scorer consumes without Python loops)."""
    __slots__ = ("options", "texts", "ids", "lens", "log_degree", "flags", "log_freq")

    def __init__(self, options: tuple[Option, ...], lm) -> None:
        self.options = options
        self.texts = [o.text for o in options]
        self.lens = np.array([len(o.ids) for o in options], dtype=np.int64)
        self.ids = np.full((len(options), MAX_IDS), -1, dtype=np.int64)
        for k, o in enumerate(options):
            self.ids[k, :len(o.ids)] = o.ids
        self.log_degree = np.log(np.maximum([o.degree for o in options], 1)).astype(np.float64)
        self.flags = np.array([o.flags for o in options], dtype=np.int64)
        self.log_freq = np.log1p([lm.freq(o.ids) for o in options])

    def __len__(self) -> int:
        return len(self.options)


MAX_IDS = 6  # tokens of the longest candidate (4 words and inner hyphens), plus an article


@dataclass
class Proposal:
    span: Span
    options: OptionSet


# ---------------------------------------------------------------- inflection
_UPOS = {"NNS": "NOUN", "VBD": "VERB", "VBN": "VERB", "VBG": "VERB", "VBZ": "VERB",
         "JJR": "ADJ", "JJS": "ADJ", "RBR": "ADV", "RBS": "ADV"}


@functools.lru_cache(maxsize=65536)
def _forms(word: str) -> tuple[tuple[str, str], ...]:
    """(lemma, Penn tag) pairs under which ``word`` is an inflected form of a different lemma."""
    import lemminflect

    out = []
    for upos, lemmas in lemminflect.getAllLemmas(word).items():
        for lemma in lemmas:
            if lemma == word:
                continue
            for tag, forms in lemminflect.getAllInflections(lemma, upos=upos).items():
                if word in forms and tag in _INFLECTED and (lemma, tag) not in out:
                    out.append((lemma, tag))
    return tuple(out)


@functools.lru_cache(maxsize=65536)
def _inflect(word: str, tag: str) -> str | None:
    """``word`` in the form ``tag``, from lemminflect's dictionary only (no guessed forms)."""
    import lemminflect

    forms = lemminflect.getAllInflections(word, upos=_UPOS[tag]).get(tag)
    return forms[0] if forms else None


@functools.lru_cache(maxsize=65536)
def _is_form(word: str, tag: str) -> bool:
    """Is ``word`` already an inflected form with ``tag`` (so it must not be inflected again)?"""
    return any(t == tag for _, t in _forms(word))


def inflect_term(term: str, tag: str) -> str | None:
    """Put a (possibly multi-word) term into the form ``tag``: verbs inflect their first word,
    plural nouns their last; anything else must be a single word."""
    words = term.split(" ")
    if len(words) == 1:
        return _inflect(term, tag)
    if tag in _VERB_TAGS:
        head = _inflect(words[0], tag)
        return " ".join([head] + words[1:]) if head else None
    if tag == "NNS":
        head = _inflect(words[-1], tag)
        return " ".join(words[:-1] + [head]) if head else None
    return None


# ---------------------------------------------------------------- surface
def carry_case(model: str, new: str) -> str:
    """Give ``new`` the capitalisation pattern of ``model`` (lower, Title, UPPER)."""
    letters = [ch for ch in model if ch.isalpha()]
    if len(letters) > 1 and all(ch.isupper() for ch in letters):
        return new.upper()
    if model[:1].isupper():
        return new[:1].upper() + new[1:]
    return new


_AN_EXCEPT = ("uni", "use", "usu", "uti", "eu", "one", "once", "ur")
_AN_SILENT_H = ("hour", "honest", "honor", "honour", "heir")


def article_for(word: str) -> str:
    w = word.lower()
    if w.startswith(_AN_SILENT_H):
        return "an"
    if w[:1] in "aeiou" and not w.startswith(_AN_EXCEPT):
        return "an"
    return "a"


# ---------------------------------------------------------------- spans
def spans(text: str, tokens: list[Token]) -> list[Span]:
    """Every run of 1-4 word tokens on one line (inner hyphens and apostrophes allowed)."""
    out = []
    n = len(tokens)
    for i, t in enumerate(tokens):
        if not t.is_word:
            continue
        for j in range(i, min(n, i + 2 * MAX_SPAN)):
            tj = tokens[j]
            if not (tj.is_word or _JOINER.match(tj.text)):
                break
            if j > i and "\n" in text[tokens[j - 1].end:tj.start]:
                break
            if not tokens[j].is_word:
                continue
            if sum(1 for k in range(i, j + 1) if tokens[k].is_word) > MAX_SPAN:
                break
            out.append(Span(i, j, t.start, tj.end, text[t.start:tj.end]))
    return out


def key_of(span_text: str) -> str:
    return " ".join(span_text.lower().replace("’", "'").split())


def options_for(key: str, single: bool, lm, max_options: int) -> tuple[Option, ...]:
    """Candidate originals of one spun key (memoised per key by :func:`propose`).

    Keeps originals the context model knows, most frequent first: a spinner's input is
    plain common wording, and a rare original is almost never the answer."""
    th = thesaurus()
    inflected = _forms(key) if single else ()
    found: list[tuple[str, int, int, bool]] = []
    # the surface form itself: thesauri list some inflected forms ("troopers" under "troop");
    # an original in base form is then put into the surface's form
    tags = {tag for _, tag in inflected}
    for o, f, d in th.originals(key):
        if not tags or (" " in o and len(tags) > 1):
            found.append((o, f, d, False))
            continue
        for tag in tags:
            new = o if _is_form(o, tag) else inflect_term(o, tag)
            if new:
                found.append((new, f, d, True))
    for lemma, tag in inflected:
        for o, f, d in th.originals(lemma):
            new = inflect_term(o, tag)
            if new:
                found.append((new, f, d, True))
    best: dict[str, Option] = {}
    for new, f, d, via in found:
        if new == key:
            continue
        ids = lm.term_ids(new)
        if ids is None or len(ids) >= MAX_IDS:
            continue
        old = best.get(new)
        if old is None or (f | old.flags) != old.flags:
            best[new] = Option(new, ids, f | (old.flags if old else 0), d, via)
    return tuple(sorted(best.values(), key=lambda o: (-lm.freq(o.ids), o.text))[:max_options])


_CACHE: dict[tuple[str, bool, int], OptionSet] = {}


def propose(text: str, tokens: list[Token], lm, skip_token=lambda i: False,
            max_options: int = MAX_OPTIONS) -> list[Proposal]:
    """Candidate originals for every span; ``skip_token(i)`` vetoes spans that contain token i.

    ``lm.term_ids(term)`` gives a term's context-model ids (None if a token is unknown) and
    ``lm.freq(ids)`` its frequency, used to keep the ``max_options`` commonest originals.
    Options are memoised per key for the life of the process (bounded)."""
    if len(_CACHE) > 200_000:
        _CACHE.clear()
    out: list[Proposal] = []
    for sp in spans(text, tokens):
        if any(skip_token(k) for k in range(sp.first, sp.last + 1)):
            continue
        key = key_of(sp.text)
        single = sp.first == sp.last
        opts = _CACHE.get((key, single, max_options))
        if opts is None:
            opts = _CACHE[(key, single, max_options)] = OptionSet(options_for(key, single, lm, max_options), lm)
        if opts:
            out.append(Proposal(sp, opts))
    return out
