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

Case is carried from the spun wording, and an a/an before the span is corrected
to fit the candidate.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np

from .data import load_lines, load_npz
from .tokens import Token

__all__ = [
    "LEXICON",
    "MOBY_FWD",
    "MOBY_REV",
    "WN_REL",
    "WN_SYN",
    "Channel",
    "Proposal",
    "Span",
    "Thesaurus",
    "article_for",
    "carry_case",
    "propose",
    "thesaurus",
]

MOBY_FWD, MOBY_REV, WN_SYN, WN_REL, LEXICON = 1, 2, 4, 8, 16
_THESAURUS_FLAGS = MOBY_FWD | MOBY_REV | WN_SYN | WN_REL
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
    lex_weight: float = 0.0  # P(original | spun key) from a spin lexicon (0: no lexicon entry)
    lex_count: int = 0  # times a lexicon saw the pair
    guard: str = ""  # a lexicon entry's guard term: the document must contain it


class OptionSet:
    """The options of one key, also as arrays (what the scorer consumes without Python loops)."""
    __slots__ = (
        "flags",
        "guarded",
        "ids",
        "lens",
        "lex_count",
        "lex_weight",
        "log_degree",
        "log_freq",
        "options",
        "texts",
    )

    def __init__(self, options: tuple[Option, ...], lm) -> None:
        self.options = options
        self.texts = [o.text for o in options]
        self.lens = np.array([len(o.ids) for o in options], dtype=np.int64)
        self.ids = np.full((len(options), MAX_IDS), -1, dtype=np.int64)
        for k, o in enumerate(options):
            self.ids[k, :len(o.ids)] = o.ids
        self.log_degree = np.log(np.maximum([o.degree for o in options], 1)).astype(np.float64)
        self.flags = np.array([o.flags for o in options], dtype=np.int64)
        self.log_freq = np.log1p([lm.freq(o.ids) for o in options]) if options else np.zeros(0)
        self.lex_weight = np.array([o.lex_weight for o in options], dtype=np.float64)
        self.lex_count = np.array([o.lex_count for o in options], dtype=np.float64)
        self.guarded = any(o.guard for o in options)

    def where(self, keep: np.ndarray) -> OptionSet:
        """The options selected by a boolean mask (guarded lexicon entries whose guard is absent)."""
        sub = object.__new__(OptionSet)
        sub.options = tuple(o for o, k in zip(self.options, keep) if k)
        sub.texts = [o.text for o in sub.options]
        for name in ("ids", "lens", "log_degree", "flags", "log_freq", "lex_weight", "lex_count"):
            setattr(sub, name, getattr(self, name)[keep])
        sub.guarded = False
        return sub

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
    word = [t.is_word for t in tokens]
    joiner = [w or bool(_JOINER.match(t.text)) for w, t in zip(word, tokens)]
    for i, t in enumerate(tokens):
        if not word[i]:
            continue
        words = 0
        for j in range(i, min(n, i + 2 * MAX_SPAN)):
            if not joiner[j]:
                break
            tj = tokens[j]
            if j > i and "\n" in text[tokens[j - 1].end:tj.start]:
                break
            if not word[j]:
                continue
            words += 1
            if words > MAX_SPAN:
                break
            out.append(Span(i, j, t.start, tj.end, text[t.start:tj.end]))
    return out


def key_of(span_text: str) -> str:
    """A span's thesaurus key: lower case, straight apostrophes, single spaces."""
    return " ".join(span_text.lower().replace("’", "'").split())


def _sources(flags: int) -> int:
    return (flags & _THESAURUS_FLAGS).bit_count()


def thesaurus_options(key: str, single: bool, lm, max_options: int) -> list[Option]:
    """Candidate originals of one spun key from the inverse thesaurus.

    Keeps originals the context model knows, the ``max_options`` most likely first: an
    original paired with the key by more sources (Moby forward, Moby reverse, WordNet
    synset, WordNet relation), then a commoner one; a spinner's input is plain common
    wording, and a rare original is almost never the answer."""
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

    def prior(o: Option) -> tuple[float, str]:
        return (-(float(np.log1p(lm.freq(o.ids))) + SOURCE_WEIGHT * _sources(o.flags)), o.text)
    return sorted(best.values(), key=prior)[:max_options]


REPLACED_MIN_COUNT, REPLACED_MIN_WEIGHT = 2, 0.5
SOURCE_WEIGHT = 2.0  # one more thesaurus source pairing s and c is worth e**2 times the frequency


def options_for(key: str, single: bool, lm, max_options: int, lexicons=()) -> tuple[Option, ...]:
    """Every candidate original of one spun key: all lexicon entries (in lexicon order, strongest
    first), then the thesaurus's; a pair found in both carries both sources."""
    lexical: dict[str, Option] = {}
    for lexicon in lexicons:
        for e in lexicon.get(key):
            if e.original == key:
                continue
            ids = lm.term_ids(e.original)
            if ids is None or len(ids) >= MAX_IDS:
                continue
            old = lexical.get(e.original)
            if old is None or e.weight > old.lex_weight:
                lexical[e.original] = Option(e.original, ids, LEXICON, 1, False, e.weight, e.count, e.guard)
    out = list(lexical.values())
    for o in thesaurus_options(key, single, lm, max_options):
        lex = lexical.get(o.text)
        if lex is not None:
            out[out.index(lex)] = Option(o.text, o.ids, o.flags | LEXICON, o.degree, o.via_lemma,
                                         lex.lex_weight, lex.lex_count, lex.guard)
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
        # originals a lexicon's spinner reliably replaces (seen replaced at least twice, and they
        # are what the spun key stands for at least half the time), by token count
        self.replaced: dict[int, set[tuple[str, ...]]] = {}
        for lexicon in self.lexicons:
            for key in lexicon.keys():  # noqa: SIM118 - Lexicon.keys() is a method, not a dict view
                for sense in lexicon.get(key):
                    if sense.count >= REPLACED_MIN_COUNT and sense.weight >= REPLACED_MIN_WEIGHT \
                            and not sense.guard:
                        words = tuple(sense.original.split())
                        self.replaced.setdefault(len(words), set()).add(words)

    def replaced_hits(self, tokens: list[Token]) -> int:
        """How many times the text still holds a wording the lexicons' spinners replace."""
        if not self.replaced:
            return 0
        low = [t.text.lower().replace("’", "'") for t in tokens]
        hits = 0
        for n, keys in self.replaced.items():
            hits += sum(1 for i in range(len(low) - n + 1) if tuple(low[i:i + n]) in keys)
        return hits

    def options(self, key: str, single: bool, lm) -> OptionSet:
        opts = self._cache.get((key, single))
        if opts is None:
            if len(self._cache) > 200_000:
                self._cache.clear()
            opts = self._cache[(key, single)] = OptionSet(
                options_for(key, single, lm, self.max_options, self.lexicons), lm)
        return opts


def propose(text: str, tokens: list[Token], lm, skip_token=lambda i: False,
            channel: Channel | None = None) -> list[Proposal]:
    """Candidate originals for every span; ``skip_token(i)`` vetoes spans that contain token i.

    ``lm.term_ids(term)`` gives a term's context-model ids (None if a token is unknown) and
    ``lm.freq(ids)`` its frequency. A guarded lexicon entry is kept only when its guard
    term occurs in ``text``."""
    from .lexicon import guard_present, normalise

    channel = channel or Channel()
    lowered = None
    vetoed = [skip_token(k) for k in range(len(tokens))]
    out: list[Proposal] = []
    for sp in spans(text, tokens):
        if True in vetoed[sp.first:sp.last + 1]:
            continue
        opts = channel.options(key_of(sp.text), sp.first == sp.last, lm)
        if opts.guarded:
            if lowered is None:
                lowered = normalise(text)
            keep = np.array([guard_present(o.guard, lowered) for o in opts.options])
            opts = opts.where(keep) if not keep.all() else opts
        if opts:
            out.append(Proposal(sp, opts))
    return out
