"""Stage 2: candidate originals for every span of 1-4 word tokens.

Two sources make up the *channel* (what a spinner may have turned into the span):

* spin lexicons (learned from aligned pairs, the tortured-phrase list, the user's
  own): phrase pairs with a weight P(original | spun key); every entry is kept,
  and an entry with a guard term only where the document contains that term;
* the inverse thesaurus (every term whose synonym list holds the span, Moby ∪
  WordNet, both directions). Single inflected words are lemmatised first and the
  originals re-inflected to the same form (lemminflect), so "troopers" → lemma
  "trooper" → "troop" → "troops". A common word has hundreds of such originals;
  the ``max_options`` most likely are kept, ranked by how many sources pair them
  and how common the original is (on the SpinBot dev pairs that ordering keeps the
  true original in the top 40 for 84% of reachable edits; frequency alone, 70%).

* compounds: two adjacent words that the corpus has (almost) never seen together,
  with an original pair built from each word's likeliest originals (or the word
  itself) that the corpus knows well ("profound learning" → "deep learning",
  "irregular woodland" → "random forest"): a spinner swaps the words of a term one
  by one, and the term survives only as a pair of originals. Such a pair may also be
  a term the lexicons know (a two-word original of an entry), reached word by word
  through the thesaurus or through the word swaps inside the lexicons' own phrase
  pairs ("neural organization" → "neural network" teaches organization → network,
  so "wireless organization" may be "wireless network"); a swap reaches a pair the
  corpus knows only with the other word kept as it is.

Case is carried from the spun wording, and an a/an before the span is corrected
to fit the candidate.
"""
from __future__ import annotations

import bisect
import functools
import itertools
import re
import threading
from dataclasses import dataclass

import numpy as np

from .data import load_lines, map_npz
from .lexicon import SWAP_SOURCE
from .tokens import Token, line_break

__all__ = [
    "COMPOUND",
    "LEXICON",
    "MOBY_FWD",
    "MOBY_REV",
    "SWAP",
    "WN_REL",
    "WN_SYN",
    "Channel",
    "Proposal",
    "Span",
    "Thesaurus",
    "article_for",
    "carry_case",
    "inflect_term",
    "inflected_forms",
    "propose",
    "thesaurus",
    "thesaurus_sources",
]

MOBY_FWD, MOBY_REV, WN_SYN, WN_REL, LEXICON, COMPOUND = 1, 2, 4, 8, 16, 32
SWAP = 64  # with LEXICON: a lexicon's word swap (repair.lexicon.word_swaps), no evidence about the document
_THESAURUS_FLAGS = MOBY_FWD | MOBY_REV | WN_SYN | WN_REL
MAX_SPAN = 4
MAX_OPTIONS = 40  # candidate originals kept per spun key, commonest first
_INFLECTED = {"NNS", "VBD", "VBN", "VBG", "VBZ", "JJR", "JJS", "RBR", "RBS"}
_VERB_TAGS = {"VBD", "VBN", "VBG", "VBZ"}
_JOINER = re.compile(r"^[-'’]$")


class Thesaurus:
    def __init__(self) -> None:
        z = map_npz("thesaurus.npz")  # mapped: rows are read when looked up
        self.terms = tuple(load_lines("terms.txt"))  # a tuple of strings: nothing for the GC to walk
        self.index = dict(zip(self.terms, range(len(self.terms))))
        self._spun = z["spun"]  # sorted: the originals of term i are orig[lo:hi] where spun == i
        self._offsets: list[int] | None = None
        self._rows_read = 0
        self.orig, self.flags, self.degree = z["orig"], z["flags"], z["degree"]

    @property
    def offsets(self) -> list[int]:
        """Row offsets (CSR): the originals of term i are orig[offsets[i]:offsets[i + 1]]."""
        if self._offsets is None:
            spun = np.array(self._spun)  # aligned (the mapped array need not be)
            self._offsets = np.searchsorted(spun, np.arange(len(self.terms) + 1, dtype=spun.dtype)).tolist()
        return self._offsets

    def _bounds(self, i: int) -> tuple[int, int]:
        if self._offsets is None:
            self._rows_read += 1
            if self._rows_read <= 512:  # a short text reads a few rows: find them, not every row
                return bisect.bisect_left(self._spun, i), bisect.bisect_left(self._spun, i + 1)
        offsets = self.offsets
        return offsets[i], offsets[i + 1]

    def row(self, i: int) -> tuple[list[int], list[int], list[int]]:
        """Term indices, source flags and numbers of synonyms of the originals of term ``i``."""
        lo, hi = self._bounds(i)
        orig = self.orig[lo:hi]
        return orig.tolist(), self.flags[lo:hi].tolist(), self.degree[orig].tolist()

    def row_arrays(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """:meth:`row` as arrays (term indices as int64)."""
        lo, hi = self._bounds(i)
        orig = self.orig[lo:hi].astype(np.int64)
        return orig, self.flags[lo:hi].astype(np.int64), self.degree[orig].astype(np.int64)

    def originals(self, term: str) -> list[tuple[str, int, int]]:
        """(original, source flags, original's number of synonyms) for each original of ``term``."""
        i = self.index.get(term)
        if i is None:
            return []
        origs, flags, degrees = self.row(i)
        return [(self.terms[o], f, d) for o, f, d in zip(origs, flags, degrees)]


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
    lex_weight: float = 0.0  # P(original | spun key) from a spin lexicon (0: no lexicon entry)
    lex_count: int = 0  # times a lexicon saw the pair
    guard: str = ""  # a lexicon entry's guard term: the document must contain it
    assoc: float = 0.0  # a compound's ln PMI: how much more often the corpus has its two words together


def _column(k: int, integer: bool = False) -> property:
    """A copy of column ``k`` of an OptionSet's numbers, as int64 when ``integer``."""
    def get(self) -> np.ndarray:
        col = self._num[:, k]
        return col.astype(np.int64) if integer else col.copy()
    return property(get)


class OptionSet:
    """The options of one key, as arrays (what the scorer consumes without Python loops).

    Kept compact, since a run memoises one per spun key: texts, ids, and one row of numbers
    per option; ``options`` makes the ``Option`` objects on demand."""
    __slots__ = (
        "_cased",
        "_degree",
        "_guards",
        "_needs_an",
        "_num",
        "_via",
        "guarded",
        "ids",
        "texts",
    )

    def __init__(self, options: tuple[Option, ...], lm) -> None:
        self._fill(tuple(_raw(o) for o in options), lm)

    @classmethod
    def _of_raw(cls, raw: tuple[tuple, ...], lm) -> OptionSet:
        opts = object.__new__(cls)
        opts._fill(raw, lm)
        return opts

    def _fill(self, raw: tuple[tuple, ...], lm) -> None:
        self.texts = [r[0] for r in raw]
        lens = np.array([len(r[1]) for r in raw], dtype=np.int64)
        # context-model ids fit 32 bits: half the memory of 64, for every key a run memoises
        self.ids = np.full((len(raw), MAX_IDS), -1, dtype=np.int32)
        for k, r in enumerate(raw):
            self.ids[k, :len(r[1])] = r[1]
        log_degree = np.log(np.maximum([r[3] for r in raw], 1)).astype(np.float64)
        flags = np.array([r[2] for r in raw], dtype=np.int64)
        uni = getattr(lm, "uni", None)
        if uni is not None and raw:  # lm.freq of every option at once: the count of its rarest token
            log_freq = np.log1p(np.where(self.ids >= 0, uni[np.maximum(self.ids, 0)], np.inf).min(axis=1))
        else:
            log_freq = np.log1p([lm.freq(r[1]) for r in raw]) if raw else np.zeros(0)
        lex_weight = np.array([r[5] for r in raw], dtype=np.float64)
        lex_count = np.array([r[6] for r in raw], dtype=np.float64)
        # flags and lens are small integers, exact in float64
        assoc = np.array([r[8] for r in raw], dtype=np.float64)
        self._num = np.column_stack([log_degree, flags, log_freq, lex_weight, lex_count, lens,
                                     assoc]).astype(np.float64)
        self._degree = np.array([r[3] for r in raw], dtype=np.int64)
        self._via = np.array([r[4] for r in raw], dtype=bool)
        self.guarded = any(r[7] for r in raw)
        self._guards = tuple(r[7] for r in raw) if self.guarded else None
        self._needs_an = self._cased = None

    # the arrays of old, as copies (columns of the numbers matrix)
    log_degree = _column(0)
    flags = _column(1, integer=True)
    log_freq = _column(2)
    lex_weight = _column(3)
    lex_count = _column(4)
    lens = _column(5, integer=True)
    assoc = _column(6)

    @property
    def guards(self) -> list[str]:
        return list(self._guards) if self._guards is not None else [""] * len(self.texts)

    @property
    def options(self) -> tuple[Option, ...]:
        lens, guards = self._num[:, 5].astype(np.int64).tolist(), self.guards
        return tuple(Option(text, tuple(self.ids[k, :lens[k]].tolist()), int(self._num[k, 1]),
                            int(self._degree[k]), bool(self._via[k]), float(self._num[k, 3]),
                            int(self._num[k, 4]), guards[k], float(self._num[k, 6]))
                     for k, text in enumerate(self.texts))

    # what the scorer takes per proposal, computed once per key and kept with the options
    def numbers(self) -> np.ndarray:
        """One row per option: log_degree, flags, log_freq, lex_weight, lex_count, lens, assoc (as floats)."""
        return self._num

    def needs_an(self) -> np.ndarray:
        """Whether each option takes "an" (see :func:`article_for`)."""
        if self._needs_an is None:
            self._needs_an = np.array([article_for(t) == "an" for t in self.texts], dtype=bool)
        return self._needs_an

    def cased(self, model: str) -> list[str]:
        """The options' texts with the capitalisation of ``model`` (:func:`carry_case`)."""
        if self._cased is None or self._cased[0] != model:
            self._cased = (model, [carry_case(model, w) for w in self.texts])
        return self._cased[1]

    def where(self, keep: np.ndarray) -> OptionSet:
        """The options selected by a boolean mask (guarded lexicon entries whose guard is absent)."""
        sub = object.__new__(OptionSet)
        sub.texts = [t for t, k in zip(self.texts, keep) if k]
        sub.ids = self.ids[keep]
        sub._num = self._num[keep]
        sub._degree = self._degree[keep]
        sub._via = self._via[keep]
        sub._guards = tuple(g for g, k in zip(self._guards, keep) if k) if self._guards is not None else None
        sub.guarded = False
        sub._needs_an = sub._cased = None
        return sub

    def __len__(self) -> int:
        return len(self.texts)


def _raw(o: Option) -> tuple:
    return (o.text, o.ids, o.flags, o.degree, o.via_lemma, o.lex_weight, o.lex_count, o.guard, o.assoc)


MAX_IDS = 6  # tokens of the longest candidate (4 words and inner hyphens), plus an article


@dataclass
class Proposal:
    span: Span
    options: OptionSet


# ---------------------------------------------------------------- inflection
_UPOS = {"NNS": "NOUN", "VBD": "VERB", "VBN": "VERB", "VBG": "VERB", "VBZ": "VERB",
         "JJR": "ADJ", "JJS": "ADJ", "RBR": "ADV", "RBS": "ADV"}


@functools.lru_cache(maxsize=65536)
def inflected_forms(word: str) -> tuple[tuple[str, str], ...]:
    """(lemma, Penn tag) pairs under which ``word`` is an inflected form of a different lemma:
    ``inflected_forms("troopers") == (("trooper", "NNS"),)``; ``()`` for a lemma itself."""
    from ._lemminflect import all_lemmas

    out = []
    for upos, lemmas in all_lemmas(word).items():
        for lemma in lemmas:
            if lemma == word:
                continue
            for tag, forms in _inflections(lemma, upos):
                if word in forms and tag in _INFLECTED and (lemma, tag) not in out:
                    out.append((lemma, tag))
    return tuple(out)


@functools.lru_cache(maxsize=65536)
def _inflect(word: str, tag: str) -> str | None:
    """``word`` in the form ``tag``, from lemminflect's dictionary only (no guessed forms)."""
    forms = dict(_inflections(word, _UPOS[tag])).get(tag)
    return forms[0] if forms else None


_INFLECTIONS: dict[tuple[str, str], tuple[tuple[str, tuple[str, ...]], ...]] = {}


def _inflections(word: str, upos: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """lemminflect.getAllInflections(word, upos) as (tag, forms) pairs, in its order (memoised:
    every tag of a part of speech asks for the same table)."""
    try:
        return _INFLECTIONS[(word, upos)]
    except KeyError:
        pass
    from ._lemminflect import all_inflections

    if len(_INFLECTIONS) > 100_000:
        _INFLECTIONS.clear()
    out = _INFLECTIONS[(word, upos)] = tuple(all_inflections(word, upos).items())
    return out


@functools.lru_cache(maxsize=65536)
def _is_form(word: str, tag: str) -> bool:
    """Is ``word`` already an inflected form with ``tag`` (so it must not be inflected again)?"""
    return any(t == tag for _, t in inflected_forms(word))


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
def key_of(span_text: str) -> str:
    """A span's thesaurus key: lower case, straight apostrophes, single spaces."""
    return " ".join(span_text.lower().replace("’", "'").split())


def thesaurus_sources(flags: int) -> int:
    """How many thesaurus sources (Moby forward and reverse, WordNet synset and relation) a pair's flags hold."""
    return (flags & _THESAURUS_FLAGS).bit_count()


def thesaurus_options(key: str, single: bool, lm, max_options: int) -> list[Option]:
    """Candidate originals of one spun key from the inverse thesaurus.

    Keeps originals the context model knows, the ``max_options`` most likely first: an
    original paired with the key by more sources (Moby forward, Moby reverse, WordNet
    synset, WordNet relation), then a commoner one; a spinner's input is plain common
    wording, and a rare original is almost never the answer."""
    return [Option(*r) for r in _thesaurus_raw(key, single, lm, max_options)]


def _thesaurus_raw(key: str, single: bool, lm, max_options: int) -> list[tuple]:
    """:func:`thesaurus_options` as tuples of the ``Option`` fields.

    Every pairing is read in the order the loop of old read it: the key's own originals (put
    into each form of the key when the key is inflected; a multi-word original as it is when
    the key has several forms), then the originals of each lemma put into its form. A pairing
    of an original already found replaces its degree and route only when it adds a source.
    Originals are handled as ids of distinct texts (``_Forms``), so the key's rows are whole
    arrays; only new texts and originals found twice are handled one by one."""
    th = thesaurus()
    inflected = inflected_forms(key) if single else ()
    with _Forms.lock:  # the memo grows as keys ask: one key at a time
        return _thesaurus_rows(key, inflected, th, _Forms.of(th, lm), max_options)


def _thesaurus_rows(key: str, inflected: tuple, th: Thesaurus, fm: _Forms, max_options: int) -> list[tuple]:
    tags = {tag for _, tag in inflected}
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []  # form ids, flags, degrees, via
    i = th.index.get(key)
    if i is not None:
        origs, flags, degrees = th.row_arrays(i)
        if not tags:
            parts.append((fm.plain(origs), flags, degrees, np.zeros(len(origs), dtype=bool)))
        elif len(tags) == 1:
            (tag,) = tags
            # an original that has no such form pairs with the key as it is (the key is a headword of its
            # own: "latest" lists "most recent", which has no superlative of its own)
            put = fm.surface(tag, origs)
            formless = put < 0
            if formless.any():
                put = np.where(formless, fm.whole_words(fm.plain(origs)), put)
            parts.append((put, flags, degrees, ~formless))
        else:
            # per original: its text when it is several words, else one entry per form of the key
            order = list(tags)
            n, k = len(origs), len(order)
            multi = fm.multi_word(origs)
            forms = np.empty((n, k), dtype=np.int64)
            for c, tag in enumerate(order):
                forms[:, c] = fm.surface(tag, origs)
            via = np.ones((n, k), dtype=bool)
            if multi.any():
                forms[multi] = -1
                forms[multi, 0] = fm.plain(origs[multi])
                via[multi, 0] = False
            parts.append((forms.ravel(), np.repeat(flags, k), np.repeat(degrees, k), via.ravel()))
    for lemma, tag in inflected:
        i = th.index.get(lemma)
        if i is None:
            continue
        origs, flags, degrees = th.row_arrays(i)
        parts.append((fm.inflected(tag, origs), flags, degrees, np.ones(len(origs), dtype=bool)))
    if not parts:
        return []
    F = np.concatenate([p[0] for p in parts])
    f = np.concatenate([p[1] for p in parts])
    d = np.concatenate([p[2] for p in parts])
    via = np.concatenate([p[3] for p in parts])
    # no form (-1), the key itself, or a text the context model cannot score: not candidates
    keep = (F >= 0) & (F != fm.ids_of.get(key, -3))
    keep &= fm.ok[np.where(keep, F, 0)]
    if not keep.all():
        F, f, d, via = F[keep], f[keep], d[keep], via[keep]
    if not len(F):
        return []
    uniq, first, inverse, counts = np.unique(F, return_index=True, return_inverse=True, return_counts=True)
    flags_u, degree_u, via_u = f[first].tolist(), d[first].tolist(), via[first].tolist()
    if len(uniq) < len(F):  # an original found more than once: its pairings in the order read
        f_l, d_l, via_l = f.tolist(), d.tolist(), via.tolist()
        grouped = np.argsort(inverse, kind="stable").tolist()
        bounds = np.concatenate([[0], np.cumsum(counts)]).tolist()
        for g in np.flatnonzero(counts > 1).tolist():
            at = grouped[bounds[g]:bounds[g + 1]]
            cur, deg, route = f_l[at[0]], d_l[at[0]], via_l[at[0]]
            for e in at[1:]:
                if (f_l[e] | cur) != cur:
                    cur |= f_l[e]
                    deg, route = d_l[e], via_l[e]
            flags_u[g], degree_u[g], via_u[g] = cur, deg, route
    prior = -(fm.logp[uniq] + SOURCE_WEIGHT * _POPCOUNT[np.array(flags_u, dtype=np.int64) & _THESAURUS_FLAGS])
    pick = np.arange(len(uniq))
    if 0 <= max_options < len(uniq):
        if max_options == 0:
            return []
        cut = np.partition(prior, max_options - 1)[max_options - 1]
        pick = np.flatnonzero(prior <= cut)  # every tie of the last place too: the text decides
    texts, prior_l, uniq_l = fm.texts, prior.tolist(), uniq.tolist()
    ranked = sorted((prior_l[k], texts[uniq_l[k]], k) for k in pick.tolist())[:max_options]
    return [(text, fm.term_ids[uniq_l[k]], flags_u[k], degree_u[k], via_u[k], 0.0, 0, "", 0.0)
            for _, text, k in ranked]


_POPCOUNT = np.array([x.bit_count() for x in range(32)], dtype=np.int64)


class _Forms:
    """Distinct candidate texts (originals, inflected or not) as small ids, with what the prior
    needs of each (the context model's ids; ln(1 + frequency); whether it can be a candidate),
    and per thesaurus term the id of its text as it is, put into a key's form, and inflected:
    filled as keys ask for them, kept for the process (a bounded memo)."""

    LIMIT = 1_000_000  # texts kept before the memo starts again

    _current: _Forms | None = None
    lock = threading.RLock()

    @classmethod
    def of(cls, th: Thesaurus, lm) -> _Forms:
        fm = cls._current
        if fm is None or fm.th is not th or fm.lm is not lm or len(fm.texts) > cls.LIMIT:
            fm = cls._current = cls(th, lm)
        return fm

    def __init__(self, th: Thesaurus, lm) -> None:
        self.th, self.lm = th, lm
        self.texts: list[str] = []
        self.ids_of: dict[str, int] = {}
        self.term_ids: list[tuple[int, ...] | None] = []
        self.ok = np.zeros(0, dtype=bool)
        self.logp = np.zeros(0)
        self._as_is = np.full(len(th.terms), -2, dtype=np.int64)  # -2: not yet known, -1: none
        self._surface: dict[str, np.ndarray] = {}
        self._inflected: dict[str, np.ndarray] = {}
        self._whole: dict[int, bool] = {}  # text id: every word of it is a whole word of the context model

    def _id(self, text: str | None) -> int:
        if not text:
            return -1
        k = self.ids_of.get(text)
        if k is None:
            k = self.ids_of[text] = len(self.texts)
            self.texts.append(text)
            ids = self.lm.term_ids(text)
            good = ids is not None and len(ids) < MAX_IDS
            self.term_ids.append(ids)
            if k >= len(self.ok):
                size = max(1024, 2 * len(self.ok))
                self.ok = np.concatenate([self.ok, np.zeros(size - len(self.ok), dtype=bool)])
                self.logp = np.concatenate([self.logp, np.zeros(size - len(self.logp))])
            self.ok[k] = good
            self.logp[k] = float(np.log1p(self.lm.freq(ids))) if good else 0.0
        return k

    def _fill(self, table: np.ndarray, origs: np.ndarray, text_of) -> np.ndarray:
        out = table[origs]
        unknown = np.flatnonzero(out == -2)
        if len(unknown):
            terms = self.th.terms
            for u in unknown.tolist():
                o = int(origs[u])
                out[u] = table[o] = self._id(text_of(terms[o]))
        return out

    def plain(self, origs: np.ndarray) -> np.ndarray:
        """Each original's text as it is."""
        return self._fill(self._as_is, origs, lambda term: term)

    def surface(self, tag: str, origs: np.ndarray) -> np.ndarray:
        """Each original put into the form ``tag``, unless it already is in it (-1: cannot be)."""
        table = self._surface.get(tag)
        if table is None:
            table = self._surface[tag] = np.full(len(self.th.terms), -2, dtype=np.int64)
        return self._fill(table, origs, lambda term: term if _is_form(term, tag) else inflect_term(term, tag))

    def inflected(self, tag: str, origs: np.ndarray) -> np.ndarray:
        """Each original inflected into the form ``tag`` (-1: cannot be)."""
        table = self._inflected.get(tag)
        if table is None:
            table = self._inflected[tag] = np.full(len(self.th.terms), -2, dtype=np.int64)
        return self._fill(table, origs, lambda term: inflect_term(term, tag))

    def whole_words(self, ids: np.ndarray) -> np.ndarray:
        """``ids`` where each word of the text is one the context model knows as a whole word, else -1
        (a hyphened "well-set" is scored as three tokens; as an original taken as it is, it is left out)."""
        out = ids.copy()
        for n, k in enumerate(ids.tolist()):
            if k < 0:
                continue
            good = self._whole.get(k)
            if good is None:
                good = self._whole[k] = all(self.lm.word_id(w) > 1 for w in self.texts[k].split())
            if not good:
                out[n] = -1
        return out

    def multi_word(self, origs: np.ndarray) -> np.ndarray:
        terms = self.th.terms
        return np.array([" " in terms[o] for o in origs.tolist()], dtype=bool)


REPLACED_MIN_COUNT, REPLACED_MIN_WEIGHT = 2, 0.5
SOURCE_WEIGHT = 2.0  # one more thesaurus source pairing s and c is worth e**2 times the frequency


def options_for(key: str, single: bool, lm, max_options: int, lexicons=()) -> tuple[Option, ...]:
    """Every candidate original of one spun key: all lexicon entries (in lexicon order, strongest
    first), then the thesaurus's; a pair found in both carries both sources."""
    return tuple(Option(*r) for r in _options_raw(key, single, lm, max_options, lexicons))


def _options_raw(key: str, single: bool, lm, max_options: int, lexicons=()) -> tuple[tuple, ...]:
    """:func:`options_for` as tuples of the ``Option`` fields."""
    lexical: dict[str, tuple] = {}
    for lexicon in lexicons:
        for e in lexicon.get(key):
            if e.original == key:
                continue
            ids = lm.term_ids(e.original)
            if ids is None or len(ids) >= MAX_IDS:
                continue
            old = lexical.get(e.original)
            # a pair is a word swap (SWAP) only when every lexicon listing it has it as one
            flag = LEXICON | SWAP if e.source == SWAP_SOURCE else LEXICON
            if old is not None:
                flag &= old[2]
            if old is None or e.weight > old[5]:
                lexical[e.original] = (e.original, ids, flag, 1, False, e.weight, e.count, e.guard, 0.0)
            elif flag != old[2]:
                lexical[e.original] = old[:2] + (flag,) + old[3:]
    out = list(lexical.values())
    for o in _thesaurus_raw(key, single, lm, max_options):
        lex = lexical.get(o[0])
        if lex is not None:
            out[out.index(lex)] = (o[0], o[1], o[2] | lex[2], o[3], o[4], lex[5], lex[6], lex[7], 0.0)
        else:
            out.append(o)
    return tuple(out)


class Channel:
    """The candidate source of a run: the inverse thesaurus plus spin lexicons, with the
    options of each key memoised (bounded) for the life of the channel."""

    def __init__(self, lexicons=(), max_options: int = MAX_OPTIONS) -> None:
        self.lexicons = tuple(lexicons)
        self.max_options = max_options
        self._cache: dict[tuple[str, bool], OptionSet] = {}
        self._empty: OptionSet | None = None  # shared by every key without options
        self._lexicon_keys: set[str] | None = None  # keys some lexicon lists (made on first use)
        self._thesaurus_index: dict[str, int] = {}
        self._heads: dict[int, set[str]] = {}
        self._terms: _Terms | None = None
        self._originals: frozenset[str] | None = None
        self._reach_memo: dict[str, dict[str, int]] = {}
        self._wider: dict[int, Channel] = {}
        # originals a lexicon's spinner reliably replaces (seen replaced at least twice, and they
        # are what the spun key stands for at least half the time), by token count
        self.replaced: dict[int, set[tuple[str, ...]]] = {}
        for lexicon in self.lexicons:
            for key in lexicon.keys():  # noqa: SIM118 - Lexicon.keys() is a method, not a dict view
                for sense in lexicon.get(key):
                    if sense.count >= REPLACED_MIN_COUNT and sense.weight >= REPLACED_MIN_WEIGHT \
                            and not sense.guard and sense.source != SWAP_SOURCE:
                        words = tuple(sense.original.split())
                        self.replaced.setdefault(len(words), set()).add(words)

    def with_options(self, max_options: int) -> Channel:
        """This channel's lexicons with at least ``max_options`` options a key: itself when it keeps
        that many, else a wider sibling, made once (its options are memoised as this channel's are)."""
        if self.max_options >= max_options:
            return self
        wide = self._wider.get(max_options)
        if wide is None:
            wide = self._wider[max_options] = Channel(self.lexicons, max_options=max_options)
        return wide

    def replaced_hits(self, tokens: list[Token]) -> int:
        """How many times the text still holds a wording the lexicons' spinners replace."""
        if not self.replaced:
            return 0
        low = [t.text.lower().replace("’", "'") for t in tokens]
        hits = 0
        for n, keys in self.replaced.items():
            if n == 1:
                hits += sum(1 for w in low if (w,) in keys)
                continue
            heads = self._heads.get(n)
            if heads is None:
                heads = self._heads[n] = {k[0] for k in keys if k}
            hits += sum(1 for i in range(len(low) - n + 1) if low[i] in heads and tuple(low[i:i + n]) in keys)
        return hits

    def options(self, key: str, single: bool, lm) -> OptionSet:
        opts = self._cache.get((key, single))
        if opts is None:
            if not single and not self.listed(key):
                return self._no_options(lm)  # not memoised: most multi-word keys have no options
            if len(self._cache) > 200_000:
                self._cache.clear()
            found = _options_raw(key, single, lm, self.max_options, self.lexicons)
            opts = self._cache[(key, single)] = OptionSet._of_raw(found, lm) if found else self._no_options(lm)
        return opts

    def terms(self) -> _Terms:
        """The lexicons' two-word terms and word swaps (made on first use)."""
        if self._terms is None:
            self._terms = _Terms.of(self.lexicons)
        return self._terms

    def _reach(self, word: str, opts: OptionSet) -> dict[str, int]:
        """What ``word`` may have been in a term: itself (-1), one of its single-word options
        (``opts``, the word's own; the option's row) or a lexicon swap (-2). Memoised by word."""
        reach = self._reach_memo.get(word)
        if reach is None:
            reach = {word: -1}
            for r, (text, n) in enumerate(zip(opts.texts, opts.lens.tolist())):
                if n == 1:
                    reach.setdefault(text, r)
            for swap in self.terms().swaps.get(word, ()):
                reach.setdefault(swap, -2)
            if len(self._reach_memo) > 200_000:
                self._reach_memo.clear()
            self._reach_memo[word] = reach
        return reach

    def term_pairs(self, first: str, second: str, left: OptionSet, right: OptionSet, lm) -> _TermPairs:
        """Original pairs of the rare pair ``first second`` (lower case) beyond the compound grid's
        (``left``, ``right``: the words' options): a term the lexicons know whose words are each the
        word, one of its originals or a swap of it, not both the words themselves; and a pair with
        one word as it is and a swap of the other, kept where the corpus knows it as the grid keeps
        its pairs. Their corpus counts are still to be looked up (``_TermPairs.keys``)."""
        terms = self.terms()
        firsts, seconds = self._reach(first, left), self._reach(second, right)
        found: list[tuple[str, int, str, int]] = []  # (first word, its row, second word, its row)
        if not terms.firsts.isdisjoint(firsts) and not terms.seconds.isdisjoint(seconds):  # usually not
            for x, rx in firsts.items():
                for y in terms.pairs.get(x, ()):
                    ry = seconds.get(y)
                    if ry is not None and (rx, ry) != (-1, -1):
                        found.append((x, rx, y, ry))
        known = len(found)
        found += [(first, -1, y, -2) for y in terms.swaps.get(second, ())
                  if seconds[y] == -2 and y not in terms.pairs.get(first, ())]
        found += [(x, -2, second, -1) for x in terms.swaps.get(first, ())
                  if firsts[x] == -2 and second not in terms.pairs.get(x, ())]
        found, known = _agreeing(second, found, known)
        return _TermPairs(first, second, left, right, found, known, lm)

    def compounds(self, pairs: list[tuple[str, str]], lm) -> list[OptionSet]:
        """Original pairs for each pair of adjacent words ``(first, second)`` (lower case;
        :func:`propose` asks where the corpus saw them together at most ``COMPOUND_RARE`` times):
        each word's ``COMPOUND_PARTS`` likeliest single-word originals, or the word itself,
        combined, and kept where the corpus saw the combination at least ``COMPOUND_MIN`` times and
        ``COMPOUND_RATIO`` times as often as the spun pair; the ``COMPOUND_KEEP`` commonest, flagged
        COMPOUND with the sources of the words replaced; and the pairs :meth:`term_pairs` finds.
        The corpus counts of every new pair's combinations are looked up at once."""
        keys = [(f"{a} {b}", None) for a, b in pairs]
        todo = {}
        for key, (a, b) in zip(keys, pairs):
            if key not in self._cache and key not in todo:
                todo[key] = _CompoundGrid(a, b, self.options(a, True, lm), self.options(b, True, lm), lm)
        if todo:
            if len(self._cache) > 200_000:
                self._cache.clear()
            terms = {key: self.term_pairs(g.first, g.second, g.left, g.right, lm) for key, g in todo.items()}
            # one look-up for every grid's combinations and every term pair
            batches = [g for g in todo.values() if g.size] + [t for t in terms.values() if t.size]
            if batches:
                counts = lm.bigram_counts(np.concatenate([x.keys for x in batches]))
                at = 0
                for x in batches:
                    x.counts = counts[at:at + x.size]
                    at += x.size
            for key, g in todo.items():
                found = g.originals(lm) if g.size else ()
                more = terms[key].originals(lm) if terms[key].size else ()
                if more:
                    have = {f[0] for f in found}
                    found = tuple(found) + tuple(o for o in more if o[0] not in have)
                self._cache[key] = OptionSet._of_raw(found, lm) if found else self._no_options(lm)
        return [self._cache[key] for key in keys]

    def originals(self) -> frozenset[str]:
        """Every original wording the lexicons list (lower case; made on first use)."""
        if self._originals is None:
            self._originals = frozenset(sense.original.lower() for lexicon in self.lexicons
                                        for key in lexicon.keys()  # noqa: SIM118 - a method, not a dict view
                                        for sense in lexicon.get(key))
        return self._originals

    def _no_options(self, lm) -> OptionSet:
        if self._empty is None:
            self._empty = OptionSet((), lm)
        return self._empty

    def listed(self, key: str) -> bool:
        """Does the thesaurus or a lexicon list ``key``? (If not, a multi-token key has no options.)"""
        if self._lexicon_keys is None:
            keys: set[str] = set()
            for lexicon in self.lexicons:
                keys.update(k for k in lexicon.keys() if lexicon.get(k))  # noqa: SIM118 - a method, not a dict view
            self._lexicon_keys = keys
            self._thesaurus_index = thesaurus().index
        return key in self._thesaurus_index or key in self._lexicon_keys


COMPOUND_PARTS = 12  # originals of each word tried in a compound (the options come likeliest first)
COMPOUND_RARE = 2  # a spun pair seen at most this often in the corpus is tried as a compound
COMPOUND_MIN, COMPOUND_RATIO = 5, 10  # an original pair seen at least this often, and this many times more
COMPOUND_MIN_PMI = 3.0  # ...whose words the corpus has together at least e**3 times as often as chance would
COMPOUND_KEEP = 6  # original pairs kept per compound, commonest first


@dataclass(frozen=True)
class _Terms:
    """What the lexicons teach about terms: their two-word plain originals (first word -> second
    word -> term) and the word swaps inside their phrase pairs of equal length (spun word ->
    original words): "neural organization" -> "neural network" teaches organization -> network."""
    pairs: dict[str, dict[str, str]]
    swaps: dict[str, tuple[str, ...]]
    firsts: frozenset[str] = frozenset()  # the terms' first words
    seconds: frozenset[str] = frozenset()  # and their second words

    @classmethod
    def of(cls, lexicons) -> _Terms:
        pairs: dict[str, dict[str, str]] = {}
        swaps: dict[str, set[str]] = {}
        for lexicon in lexicons:
            for key in lexicon.keys():  # noqa: SIM118 - Lexicon.keys() is a method, not a dict view
                spun = key.split()
                for sense in lexicon.get(key):  # a guarded entry's wording is as good a lesson
                    words = sense.original.split()
                    if len(words) == 2 and all(w.isalpha() and w.islower() for w in words):
                        pairs.setdefault(words[0], {})[words[1]] = sense.original
                    if len(words) == len(spun) >= 2:
                        for x, y in zip(spun, words):
                            if x != y and x.isalpha() and y.isalpha() and y.islower():
                                swaps.setdefault(x, set()).add(y)
        return cls(pairs, {k: tuple(sorted(v)) for k, v in swaps.items()}, frozenset(pairs),
                   frozenset(w for row in pairs.values() for w in row))


def _agreeing(second: str, found: list[tuple[str, int, str, int]], known: int) -> tuple[list, int]:
    """``found`` (term pairs, the first ``known`` of them known terms) without a pair whose second
    word, the term's head, is the plural of another pair's second word after the same first word
    when the spun head is singular, or that singular when the spun head is plural: a spinner keeps
    the number ("neural organization" was "neural network", not "neural networks"). A plural with
    no singular among them ("information" -> "data") is kept."""
    heads = {(x, y) for x, _, y, _ in found}
    plural_spun = _is_form(second, "NNS")
    drop = set()
    for x, _, y, _ in found:
        for lemma, tag in inflected_forms(y):
            if tag == "NNS" and (x, lemma) in heads:  # both y and its singular follow x
                drop.add((x, lemma) if plural_spun else (x, y))
    if not drop:
        return found, known
    keep = [k for k, (x, _, y, _) in enumerate(found) if (x, y) not in drop]
    return [found[k] for k in keep], sum(1 for k in keep if k < known)


def _pmi(lm, n: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """ln PMI of word pairs seen ``n`` times (ids ``a``, ``b``): how much more often the corpus has
    them together than chance would (an unseen pair counts as seen once)."""
    return np.log(np.maximum(n, 1.0) * lm.total / np.maximum(lm.uni[a] * lm.uni[b], 1.0))


def _pair_option(text: str, ids: tuple[int, int], left: tuple[OptionSet, int], right: tuple[OptionSet, int],
                 assoc: float) -> tuple:
    """A compound candidate as a tuple of the ``Option`` fields; ``left``/``right``: each word's
    option set and row (negative: no option of the set, the word itself or a lexicon swap)."""
    flags, degree, via = COMPOUND, 1, False
    for opts, row in (left, right):
        if row >= 0:
            flags |= int(opts.flags[row]) & _THESAURUS_FLAGS
            degree = max(degree, int(opts._degree[row]))
            via = via or bool(opts._via[row])
    return (text, ids, flags, degree, via, 0.0, 0, "", assoc)


class _TermPairs:
    """:meth:`Channel.term_pairs`: the candidate pairs (known terms first, then swaps) with the
    spun pair itself in front, as bigram keys to look up; ``counts`` is filled in by the caller."""

    def __init__(self, first: str, second: str, left: OptionSet, right: OptionSet,
                 found: list[tuple[str, int, str, int]], known: int, lm) -> None:
        self.left, self.right, self.found, self.known = left, right, found, known
        self.size = 0
        if not found:
            return
        self.a = np.array([lm.word_id(first)] + [lm.word_id(x) for x, _, _, _ in found], dtype=np.int64)
        self.b = np.array([lm.word_id(second)] + [lm.word_id(y) for _, _, y, _ in found], dtype=np.int64)
        self.ok = (self.a >= 0) & (self.b >= 0)  # (an absent id looks up as its present ids' pair would)
        self.keys = (np.maximum(self.a, 0) << lm.bits) | np.maximum(self.b, 0)
        self.size = len(self.keys)
        self.counts = np.zeros(0)

    def originals(self, lm) -> list[tuple]:
        """The known terms, and the swaps the corpus knows as the grid keeps its pairs (of each, the
        ``COMPOUND_KEEP`` commonest), as tuples of the ``Option`` fields (``counts`` filled in)."""
        n, ok = self.counts, self.ok
        pmi = _pmi(lm, n, np.maximum(self.a, 0), np.maximum(self.b, 0))
        corpus = np.flatnonzero(ok & (n >= max(COMPOUND_MIN, COMPOUND_RATIO * n[0])) & (pmi >= COMPOUND_MIN_PMI))
        corpus = corpus[corpus > self.known]
        known = np.flatnonzero(ok[1:self.known + 1]) + 1
        keep = known[np.argsort(-n[known], kind="stable")][:COMPOUND_KEEP].tolist() + \
            corpus[np.argsort(-n[corpus], kind="stable")][:COMPOUND_KEEP].tolist()
        out = []
        for k in keep:
            x, rx, y, ry = self.found[k - 1]
            out.append(_pair_option(f"{x} {y}", (int(self.a[k]), int(self.b[k])), (self.left, rx),
                                    (self.right, ry), float(pmi[k])))
        return out


class _CompoundGrid:
    """The combinations of a compound: the first word or one of its originals, then the second or
    one of its originals (row and column 0: the words themselves), as bigram keys to look up."""

    def __init__(self, first: str, second: str, left: OptionSet, right: OptionSet, lm) -> None:
        self.first, self.second, self.left, self.right = first, second, left, right
        own = (lm.word_id(first), lm.word_id(second))
        self.size = 0
        if min(own) < 0 or not (len(left) or len(right)):
            return
        self.a_ids, self.a_rows = self._parts(left, own[0])
        self.b_ids, self.b_rows = self._parts(right, own[1])
        self.keys = ((self.a_ids[:, None] << lm.bits) | self.b_ids[None, :]).ravel()
        self.size = len(self.keys)
        self.counts = np.zeros(0)

    @staticmethod
    def _parts(opts: OptionSet, own_id: int) -> tuple[np.ndarray, np.ndarray]:
        """Context-model ids of the word and its single-token originals, and their option rows (-1: the word)."""
        rows = np.flatnonzero(opts.lens == 1)[:COMPOUND_PARTS]
        return np.concatenate([[own_id], opts.ids[rows, 0].astype(np.int64)]), np.concatenate([[-1], rows])

    def originals(self, lm) -> tuple[tuple, ...]:
        """The kept combinations as tuples of the ``Option`` fields (``counts`` filled in)."""
        counts = self.counts.reshape(len(self.a_ids), len(self.b_ids)).copy()
        seen = counts[0, 0]
        counts[0, 0] = 0.0  # the spun pair is no candidate of itself
        found = np.argwhere(counts >= max(COMPOUND_MIN, COMPOUND_RATIO * seen))
        if not len(found):
            return ()
        n = counts[found[:, 0], found[:, 1]]
        pmi = _pmi(lm, n, self.a_ids[found[:, 0]], self.b_ids[found[:, 1]])
        term = pmi >= COMPOUND_MIN_PMI
        found, n, pmi = found[term], n[term], pmi[term]
        order = np.lexsort((found[:, 1], found[:, 0], -n))[:COMPOUND_KEEP]
        out = []
        for (i, j), assoc in zip(found[order].tolist(), pmi[order].tolist()):
            ra, rb = int(self.a_rows[i]), int(self.b_rows[j])
            text = f"{self.left.texts[ra] if ra >= 0 else self.first} {self.right.texts[rb] if rb >= 0 else self.second}"
            out.append(_pair_option(text, (int(self.a_ids[i]), int(self.b_ids[j])), (self.left, ra),
                                    (self.right, rb), assoc))
        return tuple(out)


def propose(text: str, tokens: list[Token], lm, skip_token=lambda i: False,
            channel: Channel | None = None, guard_text: str | None = None) -> list[Proposal]:
    """Candidate originals for every span; ``skip_token(i)`` vetoes spans that contain token i.

    ``lm.term_ids(term)`` gives a term's context-model ids (None if a token is unknown) and
    ``lm.freq(ids)`` its frequency. A guarded lexicon entry is kept only when its guard
    term occurs in ``text``, or in ``guard_text`` when given: the whole document, normalised
    (:func:`repair.lexicon.normalise`), when ``text`` is a piece of it."""
    from .lexicon import guard_present, normalise

    channel = channel or Channel()
    lowered = guard_text
    n = len(tokens)
    vetoed = [skip_token(k) for k in range(n)]
    word = [t.is_word for t in tokens]
    joiner = [w or bool(_JOINER.match(t.text)) for w, t in zip(word, tokens)]
    # a line break before token k (spans stay on one line)
    broken = [False] + [line_break(text[a.end:b.start]) for a, b in itertools.pairwise(tokens)]
    options, listed = channel.options, channel.listed
    out: list[Proposal] = []
    # adjacent plain words one space apart, that the corpus saw together at most COMPOUND_RARE
    # times: the compounds (looked up at once)
    plain = [w and not v and t.text.isalpha() for w, v, t in zip(word, vetoed, tokens)]
    pairs = [k for k in range(n - 1) if plain[k] and plain[k + 1] and text[tokens[k].end:tokens[k + 1].start] == " "]
    compound: dict[int, OptionSet] = {}
    if pairs:
        seen, ok = lm.pair_counts(np.array([lm.word_id(tokens[k].norm) for k in pairs], dtype=np.int64),
                                  np.array([lm.word_id(tokens[k + 1].norm) for k in pairs], dtype=np.int64))
        rare = [k for k, good in zip(pairs, (ok & (seen <= COMPOUND_RARE)).tolist()) if good]
        found = channel.compounds([(tokens[k].text.lower(), tokens[k + 1].text.lower()) for k in rare], lm)
        compound = {k: opts for k, opts in zip(rare, found) if opts}
    # every run of 1-MAX_SPAN word tokens on one line (inner hyphens and apostrophes allowed),
    # by first token, then length; a span holding a vetoed token is skipped, and so is every
    # longer span from the same first token
    for i, t in enumerate(tokens):
        if not word[i] or vetoed[i]:
            continue
        start = t.start
        words = 0
        for j in range(i, min(n, i + 2 * MAX_SPAN)):
            if not joiner[j] or (j > i and broken[j]) or vetoed[j]:
                break
            if not word[j]:
                continue
            words += 1
            if words > MAX_SPAN:
                break
            end = tokens[j].end
            span_text = text[start:end]
            key = key_of(span_text)
            if i != j and not listed(key):
                continue
            opts = options(key, i == j, lm)
            if not opts:
                continue
            if opts.guarded:
                if lowered is None:
                    lowered = normalise(text)
                keep = np.array([guard_present(g, lowered) for g in opts.guards])
                opts = opts.where(keep) if not keep.all() else opts
            if opts:
                out.append(Proposal(Span(i, j, start, end, span_text), opts))
        pair = compound.get(i)
        if pair is not None:  # the compound's original pairs that the span's own options lack
            k = i + 1
            if out and out[-1].span.first == i and out[-1].span.last == k:
                have = set(out[-1].options.texts)
                keep = np.array([c not in have for c in pair.texts])
                pair = pair.where(keep) if not keep.all() else pair
            if pair:
                out.append(Proposal(Span(i, k, start, tokens[k].end, text[start:tokens[k].end]), pair))
    return out
