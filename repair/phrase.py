"""Restore one phrase known to be spun: its readings, ranked.

The fix engine asks of every span of a document whether it is spun, and a short text gives it
too little to go on (its document gate keeps every confidence low). A reviewer who already knows
that a phrase is tortured ("counterfeit consciousness") asks something else: what was it?

Every way of reading the phrase as kept words and replaced spans is a *reading*: each span's
options come from the channel (inverse thesaurus, lexicons, compounds), the ``per_span``
likeliest in context of each. The readings are scored together, in the phrase's context when
one is given, by the context model and by channel features, weighted by a conditional logit
(a softmax over one phrase's readings) trained on tortured-phrase pairs the lexicon did not
hold (scripts/train_phrase.py; weights and figures in lexicons/phrase_model.json and
lexicons/README.md). The phrase as it stands is no reading: the question is what it was.
"""
from __future__ import annotations

import functools
import json
from dataclasses import dataclass

import numpy as np

from .candidates import Channel, OptionSet, carry_case, key_of, propose, thesaurus, thesaurus_sources
from .data import MissingDataError, lexicon_dir
from .lm import BOS, UNK, ContextModel, model
from .tokens import Token, tokenize

__all__ = ["FEATURES", "PhraseModel", "Reading", "readings", "reading_features", "shipped_phrase_model"]

MAX_READINGS = 4000  # readings scored per phrase; fewer options per span are kept until they fit
PER_SPAN = (24, 16, 12, 8, 6, 4, 3, 2, 1)  # options per span tried, most first
CONTEXT = 2  # tokens of context each side (the context model is a trigram model)
MODEL_FILE = "phrase_model.json"
# options kept per spun key when reading a phrase: more than the fix engine's MAX_OPTIONS. A phrase is
# known to be spun, and its readings are ranked by the phrase model, so a rarer original costs only
# a longer list; at 40 the expected original of many tortured words is cut ("feeling" -> "sentiment")
PHRASE_OPTIONS = 150

FEATURES = (
    "context",  # log S of the reading and the tokens after it, in context, minus the phrase's own
    "alone",  # the same with no context: how well the reading's own words go together
    "changes",  # spans replaced
    "tokens_changed",  # spun tokens replaced
    "length_change",  # tokens the reading adds (+) or drops (-)
    "log_degree",  # summed log |synonyms(original)| of the replaced spans (a spinner picks among them)
    "sources",  # summed thesaurus sources pairing spun and original (0-4 each)
    "lexicon",  # replaced spans a lexicon lists (phrase entries and word swaps)
    "lex_log_weight",  # summed log P(original | spun) of those, from the lexicons
    "kept_log_freq",  # summed ln(1 + count) of the words kept
    "spun_log_freq",  # summed ln(1 + count) of the words replaced
    "orig_log_freq",  # summed ln(1 + count) of the originals put in (by their rarest token)
    "compound_pmi",  # summed ln PMI of compound originals (two words the corpus has together)
    "kept_lex_weight",  # summed, over the words kept, the largest P(original | word) a lexicon gives
    "kept_with_options",  # words kept that have an option of their own
    "known_reading",  # 1 when the whole reading is an original some lexicon lists
    "thesaurus_reading",  # 1 when the whole reading is a thesaurus term
    "known_pairs",  # the reading's adjacent word pairs that are lexicon originals or thesaurus terms
)
_F = {name: k for k, name in enumerate(FEATURES)}


@dataclass(frozen=True)
class Reading:
    """One restoration of the phrase."""
    text: str  # the restored phrase, with the phrase's capitalisation carried over
    probability: float  # among the readings scored (they sum to 1); readings of the same text add up
    changes: tuple[tuple[str, str], ...]  # (spun wording, original) of each replaced span
    features: tuple[float, ...]  # by FEATURES


@dataclass(frozen=True)
class PhraseModel:
    """A conditional logit over the readings of one phrase: score = w · (x - mean) / scale."""
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray

    def scores(self, X: np.ndarray) -> np.ndarray:
        return ((X - self.mean) / self.scale) @ self.weights

    @classmethod
    def from_json(cls, data: dict) -> PhraseModel:
        names = tuple(data["features"])
        if names != FEATURES:
            raise MissingDataError(f"{MODEL_FILE} is for features {names}, not this version's {FEATURES}; "
                                   "rebuild it with scripts/train_phrase.py")
        m = cls(names, np.array(data["mean"], dtype=np.float64), np.array(data["scale"], dtype=np.float64),
                np.array(data["weights"], dtype=np.float64))
        if not (len(m.mean) == len(m.scale) == len(m.weights) == len(names)) or (m.scale <= 0).any():
            raise MissingDataError(f"{MODEL_FILE}: mean, scale and weights need one positive-scaled value "
                                   f"per feature")
        return m

    def to_json(self) -> dict:
        return {"features": list(self.features), "mean": self.mean.round(6).tolist(),
                "scale": self.scale.round(6).tolist(), "weights": self.weights.round(6).tolist()}


@functools.lru_cache(maxsize=1)
def shipped_phrase_model() -> PhraseModel:
    path = lexicon_dir() / MODEL_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise MissingDataError(f"cannot read {path}: {exc}") from None
    return PhraseModel.from_json(data["model"])


@dataclass
class _Choice:
    first: int  # token indices (inclusive), into the text's tokens
    last: int
    opts: OptionSet
    row: int


def readings(phrase: str, context: str | None = None, *, channel: Channel | None = None,
             top: int = 5, phrase_model: PhraseModel | None = None,
             lm: ContextModel | None = None) -> list[Reading]:
    """The ``top`` likeliest readings of ``phrase``, best first (empty when no word of it has an option).

    ``context``, when given, is the text the phrase stands in (a sentence, say); it must contain
    the phrase (its first occurrence, case folded, is taken). Raises ValueError when it does not,
    or when the phrase holds no word."""
    texts, X, changes = reading_features(phrase, context, channel=channel, lm=lm)
    if not texts:
        return []
    pm = phrase_model or shipped_phrase_model()
    s = pm.scores(X)
    p = np.exp(s - s.max())
    p /= p.sum()
    # readings that come out the same text (one compound, or its two words one by one) are one
    # restoration: their probabilities add up, and the likeliest of them speaks for it
    total: dict[str, float] = {}
    best: dict[str, int] = {}
    for k in np.lexsort((np.arange(len(s)), -s)).tolist():
        key = texts[k].lower()
        total[key] = total.get(key, 0.0) + float(p[k])
        best.setdefault(key, k)
    ranked = sorted(best, key=lambda key: (-total[key], best[key]))[:max(top, 0)]
    return [Reading(texts[best[key]], total[key], changes[best[key]], tuple(float(x) for x in X[best[key]]))
            for key in ranked]


def _locate(phrase: str, context: str | None) -> tuple[str, int, int]:
    if not phrase.strip():
        raise ValueError("the phrase is empty")
    if context is None:
        return phrase, 0, len(phrase)
    at = context.lower().find(phrase.lower())
    if at < 0:
        raise ValueError(f"the context does not contain the phrase {phrase!r}")
    return context, at, at + len(phrase)


def reading_features(phrase: str, context: str | None = None, *, channel: Channel | None = None,
                     lm: ContextModel | None = None) -> tuple[list[str], np.ndarray, list[tuple]]:
    """Every reading of ``phrase`` scored: its text, its FEATURES row, its changes (see :func:`readings`)."""
    from .spin import default_channel

    text, start, end = _locate(phrase, context)
    lm = lm or model()
    channel = (channel or default_channel()).with_options(PHRASE_OPTIONS)
    tokens = tokenize(text)
    inside = [k for k, t in enumerate(tokens) if t.start >= start and t.end <= end]
    if not any(tokens[k].is_word for k in inside):
        raise ValueError(f"the phrase {phrase!r} holds no word")
    a, b = inside[0], inside[-1]
    ids = [lm.word_id(t.norm) for t in tokens]
    props = [p for p in propose(text, tokens, lm, skip_token=lambda k: not a <= k <= b, channel=channel)
             if p.options]
    if not props:
        return [], np.zeros((0, len(FEATURES))), []
    left = [ids[k] if k >= 0 else (BOS if k == -1 else -1) for k in range(a - CONTEXT, a)]
    right = ids[b + 1:b + 1 + CONTEXT]
    own = ids[a:b + 1]
    base_ctx = lm.score_rows(_rows([left + own + right]))[0]
    gains = _single_gains(props, own, a, left, right, base_ctx, lm)
    for per_span in PER_SPAN:
        choices = _choices(props, gains, per_span)
        if _count(choices, a, b) <= MAX_READINGS:
            break
    else:
        raise ValueError(f"the phrase {phrase!r} is too long to read whole (more than {MAX_READINGS} readings "
                         "with one option a span): give a shorter phrase")
    paths = list(_paths(choices, a, b))
    if not paths:
        return [], np.zeros((0, len(FEATURES))), []
    seqs = [_sequence(path, ids, a, b) for path in paths]
    X = np.zeros((len(paths), len(FEATURES)))
    base_alone = lm.score_rows(_rows([[-1, BOS] + own]))[0]
    X[:, _F["context"]] = lm.score_rows(_rows([left + s + right for s in seqs])) - base_ctx
    X[:, _F["alone"]] = lm.score_rows(_rows([[-1, BOS] + s for s in seqs])) - base_alone
    log_count = np.log1p(lm.uni)
    word = [t.is_word for t in tokens]
    known, index = channel.originals(), thesaurus().index
    own_lex = {p.span.first: float(p.options.numbers()[:, 3].max()) for p in props if p.span.first == p.span.last}
    texts, changes = [], []
    for r, path in enumerate(paths):
        replaced = set()
        for c in path:
            num = c.opts.numbers()[c.row]  # log_degree, flags, log_freq, lex_weight, lex_count, lens, assoc
            x = X[r]
            x[_F["changes"]] += 1
            x[_F["tokens_changed"]] += sum(word[k] for k in range(c.first, c.last + 1))
            x[_F["length_change"]] += num[5] - (c.last - c.first + 1)
            x[_F["log_degree"]] += num[0]
            x[_F["sources"]] += thesaurus_sources(int(num[1]))
            if num[3] > 0:
                x[_F["lexicon"]] += 1
                x[_F["lex_log_weight"]] += np.log(num[3])
            x[_F["orig_log_freq"]] += num[2]
            x[_F["compound_pmi"]] += num[6]
            replaced.update(range(c.first, c.last + 1))
        for k in range(a, b + 1):
            if word[k]:
                freq = log_count[ids[k]] if ids[k] != UNK else 0.0
                X[r, _F["spun_log_freq" if k in replaced else "kept_log_freq"]] += freq
                if k not in replaced and k in own_lex:
                    X[r, _F["kept_lex_weight"]] += own_lex[k]
                    X[r, _F["kept_with_options"]] += 1
        texts.append(_render(text, tokens, path, start, end))
        low = key_of(texts[-1])
        X[r, _F["known_reading"]] = low in known
        X[r, _F["thesaurus_reading"]] = low in index
        words = low.split()
        X[r, _F["known_pairs"]] = sum(f"{x} {y}" in known or f"{x} {y}" in index for x, y in zip(words, words[1:]))
        changes.append(tuple((text[tokens[c.first].start:tokens[c.last].end], c.opts.texts[c.row]) for c in path))
    return texts, X, changes


def _rows(seqs: list[list[int]]) -> np.ndarray:
    width = max(len(s) for s in seqs)
    out = np.full((len(seqs), width), -1, dtype=np.int64)
    for k, s in enumerate(seqs):
        out[k, :len(s)] = s
    return out


def _option_ids(opts: OptionSet, row: int) -> list[int]:
    n = int(opts.numbers()[row, 5])
    return opts.ids[row, :n].tolist()


def _single_gains(props, own, a, left, right, base, lm) -> list[np.ndarray]:
    """Each option's context gain when its span alone is replaced, within the phrase (``own``, its
    tokens' ids from token ``a``) and its context; ``base``: the phrase's own score there."""
    seqs = []
    for prop in props:
        lo, hi = prop.span.first - a, prop.span.last - a + 1
        for row in range(len(prop.options)):
            seqs.append(left + own[:lo] + _option_ids(prop.options, row) + own[hi:] + right)
    scores = lm.score_rows(_rows(seqs)) - base
    out, at = [], 0
    for prop in props:
        out.append(scores[at:at + len(prop.options)])
        at += len(prop.options)
    return out


def _choices(props, gains, per_span: int) -> dict[int, list[_Choice]]:
    """By first token: the options tried, the ``per_span`` best by context gain and every lexicon one."""
    out: dict[int, list[_Choice]] = {}
    for prop, g in zip(props, gains):
        lexical = np.flatnonzero(prop.options.numbers()[:, 3] > 0).tolist()
        best = np.lexsort((np.arange(len(g)), -g))[:per_span].tolist()
        for row in sorted(set(best) | set(lexical)):
            out.setdefault(prop.span.first, []).append(_Choice(prop.span.first, prop.span.last, prop.options, row))
    return out


def _count(choices: dict[int, list[_Choice]], a: int, b: int) -> int:
    """How many readings (kept-or-replaced segmentations of tokens a..b, at least one replaced) there are."""
    ways = [0] * (b - a + 2)  # ways[k]: segmentations of tokens a+k..b
    ways[b - a + 1] = 1
    for k in range(b, a - 1, -1):
        ways[k - a] = ways[k - a + 1] + sum(ways[c.last + 1 - a] for c in choices.get(k, ()))
    return ways[0] - 1


def _paths(choices: dict[int, list[_Choice]], a: int, b: int):
    """Every segmentation of tokens a..b with at least one replaced span, as its list of choices."""
    def walk(k: int, path: list[_Choice]):
        if k > b:
            if path:
                yield list(path)
            return
        yield from walk(k + 1, path)
        for c in choices.get(k, ()):
            path.append(c)
            yield from walk(c.last + 1, path)
            path.pop()
    yield from walk(a, [])


def _sequence(path: list[_Choice], ids: list[int], a: int, b: int) -> list[int]:
    out, k = [], a
    for c in path:
        out += ids[k:c.first] + _option_ids(c.opts, c.row)
        k = c.last + 1
    return out + ids[k:b + 1]


def _render(text: str, tokens: list[Token], path: list[_Choice], start: int, end: int) -> str:
    out, at = [], start
    for c in path:
        s, e = tokens[c.first].start, tokens[c.last].end
        out.append(text[at:s])
        out.append(carry_case(text[s:e], c.opts.texts[c.row]))
        at = e
    out.append(text[at:end])
    return "".join(out)
