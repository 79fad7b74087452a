"""Stages 3-4 for spinning: evidence for every candidate in context, then a trained decision.

For an observed span s with context L _ R and a candidate original c (DESIGN.md's
noisy channel), the evidence is:

* context: log P(L c R) − log P(L s R), the context model's score of the whole
  window (two tokens each side), in total and per token, its rank and margin among
  the span's candidates;
* channel: where the pair comes from (a spin lexicon's weight P(c | s) and count;
  which thesauri and directions pair them), how many synonyms c has (a spinner
  choosing among many rarely picks s), how many tokens c adds or drops, and how
  much rarer s is than c;
* collocations: how many of the spun wording's edge word pairs ("spy company") the
  corpus never saw, and the same for each candidate in its place; for a compound
  original (two words the corpus rarely has together, each swapped back or kept,
  repair/candidates.py), how strongly the corpus binds its two words (ln PMI);
* the block (a paragraph between blank lines) and the whole document: the share of
  adjacent word pairs the corpus never saw, the summed positive context gain per
  word, lexicon hits per 100 words, how many wordings the lexicons' spinners
  always replace are still standing (a text full of "during" was not spun by a
  spinner that turns every "during" into "amid"), and the hits' share of the two. This is the document gate:
  spinners break collocations, leave their vocabulary and remove the words they
  replace, so every candidate in a spun text is judged with that, and clean text
  keeps its wording.

Only a span's ``EVENTS_PER_SPAN`` best candidates by context gain (where they gain
at all), and every lexicon candidate, go to the decision model (repair/decide.py: boosted trees
trained by scripts/train_spin.py, shipped as lexicons/spin_model.json), which
gives each the probability that it is the original. The model has two stages: the first
judges each event on the evidence above; the second also sees the gate, the first stage's
expected spins per 100 words in the rest of the block and of the document (DESIGN.md's
"first pass over strong evidence, then rescore"). Trained with monotone constraints, more
evidence of spinning elsewhere never lowers a candidate's probability. Each span's best candidate is
a suggestion with that probability as its confidence; suggestions are taken
best-first so that no two overlap.
"""
from __future__ import annotations

import contextlib
import functools
import gc
import math
import re
from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np

from .candidates import (
    COMPOUND,
    SWAP,
    LEXICON,
    MAX_IDS,
    MOBY_FWD,
    MOBY_REV,
    WN_REL,
    WN_SYN,
    Channel,
    article_for,
    carry_case,
    propose,
)
from .changes import Candidate, Change
from .data import lexicon_dir
from .decide import DecisionModel, shipped_model
from .lm import BOS, model
from .tokens import LINE_END, TOKEN_RE, Token, line_break, lm_form, tokenize

__all__ = ["FEATURES", "GATE_FEATURES", "Scored", "default_channel", "features", "score_document", "suggest"]

_SENTENCE_END = {".", "!", "?", "…", ":", ";"}
_OPENERS = {'"', "“", "‘", "'", "(", "[", "«", "-", "–", "—"}
# a line ends at LF, CRLF or a lone CR (old Mac files); a blank line between two lines ends a block
_BLOCK_BREAK = re.compile(r"(?:\r\n|\r(?!\n)|\n)[ \t\f\v]*(?:\r\n|\r(?!\n)|\n)")
BUNDLED_LEXICONS = ("spinbot.tsv", "tortured.tsv", "tortured_swaps.tsv")
RULE_THESAURUS = "spin.thesaurus"
RULE_LEXICON = "spin.lexicon"
EVENTS_PER_SPAN = 3  # candidates per span the decision model sees: the best by context gain, if they gain,
#                      and every lexicon candidate
NO_WEIGHT = -12.0  # log lexicon weight of a candidate no lexicon lists

FEATURES = ("gain", "gain_per_token", "gain_rank", "margin", "n_options", "log_degree", "moby_fwd", "moby_rev",
            "wordnet", "wordnet_rel", "n_sources", "lexicon", "lex_log_weight", "lex_log_count", "length_change",
            "span_tokens", "rarity", "spun_log_freq", "cand_log_freq", "spun_unseen", "cand_unseen",
            "block_unseen", "block_gain", "doc_unseen", "doc_gain", "doc_lex", "doc_orig", "doc_lex_share",
            "compound", "compound_pmi", "article_broken", "spun_repeats", "gain_elsewhere", "cand_in_doc",
            "word_swap")
# the second stage's gate: the first stage's expected spins per 100 words in the rest of the block and
# of the document (every other span's summed probabilities, capped at 1 a span)
GATE_FEATURES = ("block_pi", "doc_pi")


@functools.lru_cache(maxsize=8)
def default_channel(lexicon_paths: tuple[str, ...] = ()) -> Channel:
    """The thesaurus plus the bundled spin lexicons, and any user lexicons (paths)."""
    from .lexicon import Lexicon

    bundled = [lexicon_dir() / name for name in BUNDLED_LEXICONS if (lexicon_dir() / name).exists()]
    with _collector_paused():  # thousands of entries: nothing for the collector to find
        return Channel([Lexicon.load(*bundled, *lexicon_paths)])


@dataclass
class Scored:
    """One span with its candidates and their evidence."""
    start: int
    end: int
    first: int  # token indices covered (inclusive)
    last: int
    old: str
    cands: list[str]  # new wordings
    gains: np.ndarray  # context log-ratio P(L c R) / P(L s R) of each candidate, in nats
    log_degree: np.ndarray  # log |synonyms(c)|
    flags: np.ndarray  # sources of each pair (thesauri, LEXICON)
    dlen: np.ndarray  # tokens the candidate adds (+) or drops (-)
    dfreq: np.ndarray  # ln count(c) − ln count(s), by their rarest tokens
    lex_weight: np.ndarray  # lexicon P(c | s), 0 when no lexicon lists the pair
    lex_count: np.ndarray
    assoc: np.ndarray  # a compound original's ln PMI (0 for other candidates)
    spun_log_freq: float = 0.0  # ln(1 + count) of the spun wording's rarest token
    spun_unseen: float = 0.0  # how many of the spun wording's two edge word pairs the corpus never saw
    article_broken: float = 0.0  # 1 when an "a"/"an" before the spun wording does not fit it ("a analysis")
    cand_unseen: np.ndarray | None = None  # the same for each candidate in the spun wording's place
    block: int = 0
    posteriors: np.ndarray | None = None  # P(candidate is the original); 0 for those not asked about
    confidence: float = 0.0
    best: int = 0


# ---------------------------------------------------------------- what is never rewritten
def _sentence_initial(tokens: list[Token], text: str, i: int) -> bool:
    k = i - 1
    while k >= 0 and tokens[k].text in _OPENERS:
        k -= 1
    if k < 0 or line_break(text[tokens[k].end:tokens[i].start]):
        return True
    return tokens[k].text in _SENTENCE_END


def _skip_token(tokens: list[Token], text: str, lm):
    """Names, acronyms, mixed case, and capitalised words mid-sentence are never rewritten."""
    def skip(i: int) -> bool:
        w = tokens[i].text
        if not tokens[i].is_word:
            return False
        if w[1:] != w[1:].lower():  # an upper-case letter after the first
            return True
        if w[0].isupper():
            return not _sentence_initial(tokens, text, i) or lm.capitalised_share(lm_form(w)) > 0.5
        return False
    return skip


# ---------------------------------------------------------------- scoring
@dataclass
class Evidence:
    """A document's spans with their evidence, and the evidence about the text as a whole."""
    scored: list[Scored]
    n_words: int
    block_unseen: np.ndarray  # per block: smoothed share of adjacent word pairs the corpus never saw
    block_gain: np.ndarray  # per block: smoothed summed positive context gain per word
    block_words: np.ndarray  # per block: words
    doc_unseen: float
    doc_gain: float
    doc_lex: float  # lexicon hits (summed best lexicon weight of spans) per 100 words, smoothed
    doc_orig: float  # wordings a lexicon's spinner replaces, left standing, per 100 words, smoothed
    wordings: Counter = field(default_factory=Counter)  # every run of 1-4 tokens (lower case, spaced): count
    flat: _Flat | None = field(default=None, repr=False, compare=False)  # ``scored`` as flat arrays


def score_document(text: str, decision: DecisionModel | None = None,
                   channel: Channel | None = None, guard_text: str | None = None) -> Evidence:
    """Every span with candidates, with each candidate's probability of being the original
    (``guard_text``: see :func:`repair.candidates.propose`)."""
    with _collector_paused():
        tokens = tokenize(text)
        ev = evidence(text, tokens, channel or default_channel(), guard_text)
        decide(ev, decision or shipped_model())
    return ev


@contextlib.contextmanager
def _collector_paused():
    """Pause Python's cyclic garbage collector while a document is scored.

    Scoring allocates many short-lived objects (freed by reference counting, no cycles), and the
    process holds large long-lived tables and memos; left on, the collector would walk those
    again and again (a fifth of the run time). It is switched back on afterwards, so any cycles
    are collected as usual. Whatever the paused code allocated and still holds when the collector
    is back on is walked by its next collection: :func:`suggest` keeps it paused until a
    document's evidence (thousands of objects) is freed, so that walk finds little."""
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


SMOOTH_WORDS = 50.0  # block and document rates are smoothed toward none in this many words


def evidence(text: str, tokens: list[Token], channel: Channel, guard_text: str | None = None) -> Evidence:
    """Stage 3: the evidence for every candidate of every span, and for the blocks and the text."""
    n_words = sum(1 for t in tokens if t.is_word)
    scored, block_of, lm, ids, flat = _span_evidence(text, tokens, channel, guard_text)
    n_blocks = (max(block_of) + 1) if block_of else 1
    words = np.bincount([block_of[k] for k, t in enumerate(tokens) if t.is_word], minlength=n_blocks)
    gain_of = [0.0] * n_blocks
    lex = 0.0
    if scored:
        starts = np.concatenate([[0], np.cumsum(flat.sizes)[:-1]])
        best_gain = np.maximum.reduceat(flat.gains, starts).tolist()
        best_lex = np.maximum.reduceat(np.where((flat.flags & SWAP) > 0, 0.0, flat.lex_weight), starts).tolist()
        for s, g, w in zip(scored, best_gain, best_lex):
            if s.first == s.last:  # single tokens only, so overlapping spans are not counted twice
                gain_of[s.block] += max(g, 0.0)
            lex += w
    gain = np.array(gain_of)
    miss, pairs = _unseen_pairs(text, tokens, ids, block_of, lm, n_blocks)
    share, weight = UNSEEN_PRIOR
    block_unseen = (miss + share * weight) / (pairs + weight)
    return Evidence(scored, n_words, block_unseen, gain / (words + SMOOTH_WORDS), words,
                    float((miss.sum() + share * weight) / (pairs.sum() + weight)),
                    float(gain.sum() / (n_words + SMOOTH_WORDS)),
                    float(100.0 * lex / (n_words + SMOOTH_WORDS)),
                    float(100.0 * channel.replaced_hits(tokens) / (n_words + SMOOTH_WORDS)), _wordings(text, tokens),
                    flat)


def _wordings(text: str, tokens: list[Token], longest: int = 4) -> Counter:
    """Every run of 1 to ``longest`` tokens on one line, lower case and spaced, with its count."""
    low = [t.text.lower() for t in tokens]
    out = Counter(low)
    run = 0  # tokens on the current line so far
    for k in range(len(tokens)):
        run = run + 1 if k and not line_break(text[tokens[k - 1].end:tokens[k].start]) else 1
        for n in range(2, min(run, longest) + 1):
            out[" ".join(low[k - n + 1:k + 1])] += 1
    return out


def _flat_of(ev: Evidence) -> _Flat:
    """``ev.scored`` as flat arrays: those made with it, or gathered from the spans."""
    scored = ev.scored
    flat = ev.flat
    if flat is not None and flat.scored is scored and len(flat.sizes) == len(scored):
        return flat

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(s, name) for s in scored])

    return _Flat(scored, np.array([len(s.cands) for s in scored]), cat("gains"), cat("flags"), cat("dlen"),
                 cat("dfreq"), cat("lex_weight"), cat("lex_count"), cat("assoc"), cat("log_degree"),
                 cat("cand_unseen"),
                 np.array([s.last - s.first + 1 for s in scored], dtype=np.float64),
                 np.array([s.spun_log_freq for s in scored]), np.array([s.spun_unseen for s in scored]),
                 np.array([s.block for s in scored]), np.array([s.article_broken for s in scored]))


def _ranks(g: np.ndarray, sizes: np.ndarray, owner: np.ndarray,
           first: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each candidate's rank by gain within its span (best first, ties in candidate order), and each
    span's best and second-best gain (the best minus 10 when the span has one candidate)."""
    width = int(sizes.max())
    if width > 512:  # one sort of everything: by span, then best gain first
        order = np.lexsort((-g, owner))
        rank = np.empty(len(g))
        rank[order] = np.arange(len(g)) - np.repeat(first, sizes)
        top = g[order[first]]
        second = np.where(sizes > 1, g[order[np.minimum(first + 1, len(g) - 1)]], top - 10.0)
        return rank, top, second
    # the same order, one short row per span: a stable sort of each row, padding last
    col = np.arange(len(g)) - np.repeat(first, sizes)
    keyed = np.full((len(sizes), width), np.inf)
    keyed[owner, col] = -g
    order = np.argsort(keyed, axis=1, kind="stable")
    rank_in = np.empty_like(order)
    rank_in[np.arange(len(sizes))[:, None], order] = np.arange(width)
    rank = rank_in[owner, col].astype(np.float64)
    top = g[first + order[:, 0]]
    if width > 1:
        second = np.where(sizes > 1, g[first + np.where(sizes > 1, order[:, 1], 0)], top - 10.0)
    else:
        second = top - 10.0
    return rank, top, second


def features(ev: Evidence) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The FEATURES matrix of the events the decision model is asked about, with each event's
    span (index into ``ev.scored``) and candidate (index into that span's candidates).

    A span's events are its ``EVENTS_PER_SPAN`` best candidates by context gain, where they
    gain at all, and every lexicon candidate. Computed for all spans at once."""
    if not ev.scored:
        return np.zeros((0, len(FEATURES))), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    fa = _flat_of(ev)
    sizes = fa.sizes
    owner = np.repeat(np.arange(len(sizes)), sizes)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    g, flags = fa.gains, fa.flags
    rank, top, second = _ranks(g, sizes, owner, first)
    pick = np.flatnonzero(((rank < EVENTS_PER_SPAN) & (g > 0)) | ((flags & LEXICON) > 0))
    own = owner[pick]
    gs, fl = g[pick], flags[pick]
    span_tokens = fa.span_tokens[own]
    dlen = fa.dlen[pick]
    dfreq = fa.dfreq[pick]
    spun_log_freq = fa.spun_log_freq[own]
    lw = fa.lex_weight[pick]
    f = np.empty((len(pick), len(FEATURES)))
    f[:, 0] = gs
    f[:, 1] = gs / np.maximum(span_tokens, span_tokens + dlen)
    f[:, 2] = rank[pick]
    f[:, 3] = np.where(gs == top[own], top[own] - second[own], gs - top[own])
    f[:, 4] = np.log(sizes[own])
    f[:, 5] = fa.log_degree[pick]
    f[:, 6] = (fl & MOBY_FWD) > 0
    f[:, 7] = (fl & MOBY_REV) > 0
    f[:, 8] = (fl & WN_SYN) > 0
    f[:, 9] = (fl & WN_REL) > 0
    f[:, 10] = f[:, 6] + f[:, 7] + f[:, 8] + f[:, 9]
    f[:, 11] = (fl & LEXICON) > 0
    f[:, 12] = np.where(lw > 0, np.log(np.maximum(lw, 1e-12)), NO_WEIGHT)
    f[:, 13] = np.log1p(fa.lex_count[pick])
    f[:, 14] = dlen
    f[:, 15] = span_tokens
    f[:, 16] = dfreq
    f[:, 17] = spun_log_freq
    f[:, 18] = spun_log_freq + dfreq
    f[:, 19] = fa.spun_unseen[own]
    f[:, 20] = fa.cand_unseen[pick]
    blocks = fa.block[own]
    f[:, 21] = ev.block_unseen[blocks]
    f[:, 22] = ev.block_gain[blocks]
    f[:, 23] = ev.doc_unseen
    f[:, 24] = ev.doc_gain
    f[:, 25] = ev.doc_lex
    f[:, 26] = ev.doc_orig
    # a spinner's output holds its vocabulary and little of what it replaces; clean prose that merely
    # shares some of that vocabulary ("amid", "utilized") still holds the plain wordings too
    f[:, 27] = ev.doc_lex / (ev.doc_lex + ev.doc_orig + 1.0)
    f[:, 28] = (fl & COMPOUND) > 0
    f[:, 29] = fa.assoc[pick]
    f[:, 30] = fa.article_broken[own]
    in_span = pick - first[own]
    f[:, 31:34] = _repeats(ev, own, in_span, gs)
    f[:, 34] = (fl & SWAP) > 0  # a lexicon's word swap, not a spinner's own wording
    return f, own, in_span


def _repeats(ev: Evidence, own: np.ndarray, in_span: np.ndarray, gains: np.ndarray) -> np.ndarray:
    """Evidence from the rest of the text about the same substitution, per event: how often else the
    spun wording stands in the text (ln 1 + n), the same candidate's summed positive context gain at
    those other places, and how often the candidate's own wording stands in the text (ln 1 + n).

    A spinner that works from a table swaps a word the same way wherever it stands, and then its
    original is missing from the whole text (the spun word at every place, the plain word nowhere);
    clean prose that uses a word often mostly uses its plain synonyms too. A text scored in pieces
    (:func:`pieces`) counts within the piece, like the other document-level evidence."""
    out = np.zeros((len(own), 3))
    if not len(own):
        return out
    scored = ev.scored
    spun_key = [s.old.lower() for s in scored]
    seen = Counter(spun_key)
    out[:, 0] = np.log(np.array([seen[k] for k in spun_key], dtype=np.float64)[own])  # ln(1 + others)
    cand_key: dict[str, str] = {}
    keys = []
    for i, k in zip(own.tolist(), in_span.tolist()):
        c = scored[i].cands[k]
        ck = cand_key.get(c)
        if ck is None:
            ck = cand_key[c] = " ".join(m.lower() for m in TOKEN_RE.findall(c))
        keys.append((spun_key[i], ck))
    pos = np.maximum(gains, 0.0)
    total: dict[tuple[str, str], float] = {}
    for key, g in zip(keys, pos.tolist()):
        total[key] = total.get(key, 0.0) + g
    out[:, 1] = np.array([total[key] for key in keys]) - pos
    wordings = ev.wordings
    out[:, 2] = np.log1p(np.array([wordings.get(key[1], 0) for key in keys], dtype=np.float64))
    return out


def gate_features(ev: Evidence, owner: np.ndarray, pick: np.ndarray, p1: np.ndarray) -> np.ndarray:
    """GATE_FEATURES of each event, from the first stage's probabilities ``p1`` of the events
    (event r is candidate ``pick[r]`` of span ``owner[r]``). Leaving the event's own span out, the
    gate is the evidence of the rest of the text, so one strong event does not open it for itself;
    a word swap's events (SWAP) are no evidence about the text and count for nothing here."""
    out = np.zeros((len(owner), len(GATE_FEATURES)))
    if not len(owner):
        return out
    fa = _flat_of(ev)
    first = np.concatenate([[0], np.cumsum(fa.sizes)[:-1]])
    p1 = np.where((fa.flags[first[owner] + pick] & SWAP) > 0, 0.0, p1)
    span_p = np.minimum(np.bincount(owner, weights=p1, minlength=len(ev.scored)), 1.0)
    own = span_p[owner]
    block = fa.block
    block_sum = np.bincount(block, weights=span_p, minlength=len(ev.block_words))
    b = block[owner]
    out[:, 0] = 100.0 * (block_sum[b] - own) / (ev.block_words[b] + SMOOTH_WORDS)
    out[:, 1] = 100.0 * (span_p.sum() - own) / (ev.n_words + SMOOTH_WORDS)
    return out


def event_probabilities(ev: Evidence, decision: DecisionModel, X: np.ndarray, owner: np.ndarray,
                        pick: np.ndarray) -> np.ndarray:
    """P(original) of each event (rows of ``X``, the FEATURES): in one stage, or in two when the
    model has a first stage, whose probabilities make the second stage's document gate."""
    if decision.first is None:
        return decision.predict(X)
    return decision.predict(np.hstack([X, gate_features(ev, owner, pick, decision.first.predict(X))]))


def decide(ev: Evidence, decision: DecisionModel) -> None:
    """Stage 4a: each asked-about candidate's probability of being the original."""
    expected = FEATURES if decision.first is None else FEATURES + GATE_FEATURES
    if tuple(decision.features) != expected or (decision.first is not None
                                                 and tuple(decision.first.features) != FEATURES):
        raise ValueError("the decision model was trained on other features; retrain it (scripts/train_spin.py)")
    X, owner, pick = features(ev)
    set_posteriors(ev, owner, pick, event_probabilities(ev, decision, X, owner, pick))


def set_posteriors(ev: Evidence, owner: np.ndarray, pick: np.ndarray, p: np.ndarray) -> None:
    """Give each span its candidates' posteriors from the events' probabilities ``p`` (event r is
    candidate ``pick[r]`` of span ``owner[r]``; the others get 0), its best candidate and its
    confidence."""
    scored = ev.scored
    if not scored:
        return
    sizes = _flat_of(ev).sizes
    bounds = np.concatenate([[0], np.cumsum(sizes)])
    row = bounds[owner] + pick
    post = np.zeros(int(bounds[-1]))
    post[row] = p
    # The span is spun from at most one original: posteriors summing above 1 are normalised. Each
    # span's sum is its array's sum; with at most two events (the rest zeros) that is a + b in any
    # order, so those are summed at once and the others one by one.
    events = np.bincount(owner, minlength=len(scored))
    total = np.bincount(owner, weights=p, minlength=len(scored))
    for i in np.flatnonzero(events > 2).tolist():
        total[i] = post[bounds[i]:bounds[i + 1]].sum()
    over = total > 1.0
    if over.any():
        post /= np.repeat(np.where(over, total, 1.0), sizes)  # division by 1.0 is exact
    # argmax: the first index of the largest posterior (0 when all are zero)
    best = np.zeros(len(scored), dtype=np.int64)
    if len(p):
        q = post[row]
        order = np.lexsort((pick, -q, owner))
        lead = order[np.concatenate([[True], owner[order][1:] != owner[order][:-1]])]
        has = q[lead] > 0
        best[owner[lead[has]]] = pick[lead[has]]
    conf = post[bounds[:-1] + best].tolist()
    bl = bounds.tolist()
    for k, (s, b, c) in enumerate(zip(scored, best.tolist(), conf)):
        s.posteriors = post[bl[k]:bl[k + 1]]
        s.best = b
        s.confidence = c
    fa = ev.flat
    if fa is not None and fa.scored is scored:
        fa.post = post  # the spans' posteriors are views of it (see spin_score)


def spin_score(ev: Evidence) -> float:
    """Expected spun words per word of the text, in [0, 1]."""
    fa, scored = ev.flat, ev.scored
    if fa is not None and fa.post is not None and fa.scored is scored and len(fa.sizes) == len(scored) \
            and all(s.posteriors.base is fa.post for s in scored):
        # each span's sum at once where it has at most two non-zero posteriors (a + b in any order)
        post, sizes = fa.post, fa.sizes
        owner = np.repeat(np.arange(len(sizes)), sizes)
        sums = np.bincount(owner, weights=post, minlength=len(sizes))
        for i in np.flatnonzero(np.bincount(owner[post != 0], minlength=len(sizes)) > 2).tolist():
            sums[i] = scored[i].posteriors.sum()
        sums = sums.tolist()
        expected = sum(min(sums[i], 1.0) for i, s in enumerate(scored) if s.first == s.last)
    else:
        expected = sum(min(float(s.posteriors.sum()), 1.0) for s in scored if s.first == s.last)
    return min(expected / max(ev.n_words, 1), 1.0)


def _span_evidence(text: str, tokens: list[Token], channel: Channel, guard_text: str | None = None):
    """Every span with candidates, and each candidate's evidence (context, channel)."""
    lm = model()
    ids = [lm.word_id(t.norm) for t in tokens]
    line_of, block_of = _lines_and_blocks(text, tokens)
    proposals = propose(text, tokens, lm, _skip_token(tokens, text, lm), channel, guard_text) if tokens else []
    if not proposals:
        return [], block_of, lm, ids, None

    # Every hypothesis is a row: the group (token range it replaces) and its ids. Options come
    # as cached arrays per key, taken whole; an a/an before the span joins the range for the
    # candidates that need the other article. Rows are laid out group by group, in the order the
    # groups first appear, and each group's rows in the order they are proposed.
    group_of: dict[tuple[int, int], int] = {}
    ranges: list[tuple[int, int]] = []
    parts: list[list[tuple[np.ndarray, np.ndarray, list[str]]]] = []  # per group: (numbers, ids, texts)

    def group(first: int, last: int) -> list:
        g = group_of.get((first, last))
        if g is None:
            g = group_of[(first, last)] = len(ranges)
            ranges.append((first, last))
            parts.append([])
        return parts[g]

    for p in proposals:
        sp, os_ = p.span, p.options
        first, prev = sp.first, sp.first - 1
        names = os_.texts if sp.text.islower() else os_.cased(sp.text)
        keep = None
        if prev >= 0 and line_of[prev] == line_of[first]:
            art_text = tokens[prev].text
            low = art_text.lower()
            if low in ("a", "an"):
                other = os_.needs_an() if low == "a" else ~os_.needs_an()  # candidates that need the other
                if other.any():
                    art = "an" if low == "a" else "a"
                    pick = np.flatnonzero(other)
                    a_ids = os_.ids[pick]  # the article, then the option's ids (at most MAX_IDS - 1)
                    a_ids[:, 1:] = a_ids[:, :-1].copy()
                    a_ids[:, 0] = lm.word_id(art)
                    a_num = os_.numbers()[pick]
                    a_num[:, _LEN] += 1.0
                    lead = carry_case(art_text, art) + text[tokens[prev].end:sp.start]
                    group(prev, sp.last).append((a_num, a_ids, [lead + names[k] for k in pick.tolist()]))
                    keep = ~other
        rows = group(first, sp.last)
        if keep is None:
            rows.append((os_.numbers(), os_.ids, names))
        elif keep.any():
            pick = np.flatnonzero(keep)
            rows.append((os_.numbers()[pick], os_.ids[pick], [names[k] for k in pick.tolist()]))

    n_groups = len(ranges)
    nums, mats, texts, sizes = [], [], [], []
    for rows in parts:
        size = 0
        for num, mat, names in rows:
            nums.append(num)
            mats.append(mat)
            texts.extend(names)
            size += len(names)
        sizes.append(size)
    # the options' numbers as one row per column: each column is contiguous, with no copy of its own
    num = np.concatenate([x.T for x in nums], axis=1)
    cand_ids = np.concatenate(mats)
    del nums, mats
    sizes_all = np.array(sizes, dtype=np.int64)
    cand_group = np.repeat(np.arange(n_groups), sizes_all)
    cand_len = num[_LEN].astype(np.int64)

    # the spun wording of each group, then every candidate: rows of [L2 L1 | hypothesis | R1 R2]
    n_tok = len(tokens)
    firsts = np.array([r[0] for r in ranges], dtype=np.int64)
    lasts = np.array([r[1] for r in ranges], dtype=np.int64)
    spun_len = lasts - firsts + 1
    # a row holds the longest wording: usually a candidate (MAX_IDS), but a spun span of four
    # hyphen-joined words, with an article before it, is longer
    width = max(MAX_IDS, int(spun_len.max()))
    id_arr = np.array(ids + [-1, -1], dtype=np.int64)
    line_arr = np.array(line_of + [-1, -1], dtype=np.int64)  # -1: past the last token, no line
    cols = np.arange(width)
    inside = cols < spun_len[:, None]
    spun = np.where(inside, id_arr[np.minimum(firsts[:, None] + cols, n_tok - 1)], -1)
    line = line_arr[firsts]
    has1 = (firsts >= 1) & (line_arr[firsts - 1] == line)
    has2 = has1 & (firsts >= 2) & (line_arr[firsts - 2] == line)
    left = np.empty((n_groups, 2), dtype=np.int64)
    left[:, 0] = np.where(has1, np.where(has2, id_arr[firsts - 2], BOS), -1)
    left[:, 1] = np.where(has1, id_arr[firsts - 1], BOS)
    right = np.full((n_groups, 2), -1, dtype=np.int64)
    line_last = line_arr[lasts]
    r1 = line_arr[lasts + 1] == line_last
    r2 = r1 & (line_arr[lasts + 2] == line_last)
    right[:, 0] = np.where(r1, id_arr[lasts + 1], -1)
    right[:, 1] = np.where(r2, id_arr[lasts + 2], -1)
    scores, unseen = _window_scores(lm, spun, cand_ids, cand_group, spun_len, cand_len, left, right, width)
    gains = scores[n_groups:] - scores[cand_group]

    rarest = np.where(inside, lm.uni[np.maximum(spun, 0)], np.inf).min(axis=1)
    spun_freq = np.array([math.log1p(c) for c in rarest.tolist()])
    dfreq = num[_LOG_FREQ] - spun_freq[cand_group]
    dlen = cand_len - spun_len[cand_group]
    logdeg_all = num[_LOG_DEGREE]
    flags_all = num[_FLAGS].astype(np.int64)
    lexw_all = num[_LEX_WEIGHT]
    lexc_all = num[_LEX_COUNT]
    assoc_all = num[_ASSOC]
    cand_unseen = unseen[n_groups:]
    broken = _article_broken(tokens, line_of, ranges)
    bounds = np.concatenate([[0], np.cumsum(sizes_all)]).tolist()
    out: list[Scored] = []
    kept = []
    spun_freq_l, unseen_l = spun_freq.tolist(), unseen[:n_groups].tolist()
    for g, (first, last) in enumerate(ranges):
        a, b = bounds[g], bounds[g + 1]
        if a == b:
            continue
        kept.append(g)
        start, end = tokens[first].start, tokens[last].end
        out.append(Scored(start, end, first, last, text[start:end], texts[a:b], gains[a:b],
                          logdeg_all[a:b], flags_all[a:b], dlen[a:b], dfreq[a:b], lexw_all[a:b], lexc_all[a:b],
                          assoc_all[a:b],
                          spun_freq_l[g], unseen_l[g], broken[g], cand_unseen[a:b], block_of[first]))
    kept_a = np.array(kept, dtype=np.int64)
    flat = _Flat(out, sizes_all[kept_a], gains, flags_all, dlen, dfreq, lexw_all, lexc_all, assoc_all, logdeg_all,
                 cand_unseen, (spun_len[kept_a]).astype(np.float64), spun_freq[kept_a], unseen[:n_groups][kept_a],
                 np.array(block_of, dtype=np.int64)[firsts[kept_a]], np.array(broken)[kept_a])
    return out, block_of, lm, ids, flat


WINDOW_ROWS = 16_384  # hypotheses scored at a time: a piece's window matrix is never built whole


def _window_scores(lm, spun: np.ndarray, cand_ids: np.ndarray, cand_group: np.ndarray, spun_len: np.ndarray,
                   cand_len: np.ndarray, left: np.ndarray, right: np.ndarray, width: int):
    """The context score of every hypothesis, the spun wording of each group and then every
    candidate (a row of ``spun``, one token id per column, or of ``cand_ids``, in its group's
    context: the two ids ``left`` of it and the two ``right``), and how many of its two edge word
    pairs the corpus never saw ("spy company"). Rows are scored ``WINDOW_ROWS`` at a time, so the
    memory they need stays small whatever the length of the text; each row's score is its own."""
    n_groups, n_cands = len(spun), len(cand_ids)
    n = n_groups + n_cands
    scores, unseen = np.empty(n), np.zeros(n)
    for lo in range(0, n, WINDOW_ROWS):
        hi = min(lo + WINDOW_ROWS, n)
        s_lo, s_hi = min(lo, n_groups), min(hi, n_groups)  # the block's spun rows, then its candidates
        c_lo, c_hi = max(lo - n_groups, 0), max(hi - n_groups, 0)
        group = np.concatenate([np.arange(s_lo, s_hi), cand_group[c_lo:c_hi]])
        length = np.concatenate([spun_len[s_lo:s_hi], cand_len[c_lo:c_hi]])
        m = np.full((hi - lo, 2 + width + 2), -1, dtype=np.int64)
        m[:, :2] = left[group]
        m[:s_hi - s_lo, 2:2 + width] = spun[s_lo:s_hi]
        m[s_hi - s_lo:, 2:2 + cand_ids.shape[1]] = cand_ids[c_lo:c_hi]
        rows = np.arange(hi - lo)
        for r in range(2):
            m[rows, 2 + length + r] = right[group, r]
        # the edge word pairs are the rows' own bigrams: pairs[:, j] is (m[:, j], m[:, j + 1])
        part, pairs = lm._score_rows(m, 2, with_pairs=True)
        scores[lo:hi] = part
        ok1 = (m[:, 1] >= 0) & (m[:, 2] >= 0)
        ok2 = (m[rows, 1 + length] >= 0) & (m[rows, 2 + length] >= 0)
        unseen[lo:hi] = (ok1 & (pairs[:, 1] == 0)).astype(np.float64) + (ok2 & (pairs[rows, 1 + length] == 0))
    return scores, unseen


def _article_broken(tokens: list[Token], line_of: list[int], ranges: list[tuple[int, int]]) -> list[float]:
    """Per token range: 1.0 when an "a" or "an" before its first word (on the same line; inside the
    range when the range starts with the article) is the wrong one for that word. A spinner swaps
    the word and leaves the article ("a analysis fellow"), so a broken article is evidence of a swap."""
    out = []
    for first, last in ranges:
        art, head = first - 1, first
        if tokens[first].text.lower() in ("a", "an") and first < last:
            art, head = first, first + 1
        if art < 0 or line_of[art] != line_of[head] or tokens[art].text.lower() not in ("a", "an") \
                or not tokens[head].is_word:
            out.append(0.0)
            continue
        out.append(float(article_for(tokens[head].text) != tokens[art].text.lower()))
    return out


# columns of OptionSet.numbers()
_LOG_DEGREE, _FLAGS, _LOG_FREQ, _LEX_WEIGHT, _LEX_COUNT, _LEN, _ASSOC = range(7)


@dataclass
class _Flat:
    """The candidates of every span of a document as flat arrays, spans one after another (what
    ``features`` takes; the spans' own arrays are views of these)."""
    scored: list  # the list these arrays were made for
    sizes: np.ndarray  # candidates per span
    gains: np.ndarray
    flags: np.ndarray
    dlen: np.ndarray
    dfreq: np.ndarray
    lex_weight: np.ndarray
    lex_count: np.ndarray
    assoc: np.ndarray
    log_degree: np.ndarray
    cand_unseen: np.ndarray
    span_tokens: np.ndarray  # per span
    spun_log_freq: np.ndarray
    spun_unseen: np.ndarray
    block: np.ndarray
    article_broken: np.ndarray
    post: np.ndarray | None = None  # every span's posteriors, once decided


UNSEEN_PRIOR = (0.13, 30.0)  # typical clean share of unseen word pairs, and its weight in pairs


def _unseen_pairs(text: str, tokens: list[Token], ids: list[int], block_of: list[int], lm,
                  n_blocks: int) -> tuple[np.ndarray, np.ndarray]:
    """Per block: adjacent in-vocabulary word pairs the corpus never saw, and all such pairs.

    Spinners break collocations ("spy company"), so spun text has more of them."""
    a, b, blk = [], [], []
    for k in range(len(tokens) - 1):
        if tokens[k].is_word and tokens[k + 1].is_word and ids[k] > 1 and ids[k + 1] > 1 \
                and not line_break(text[tokens[k].end:tokens[k + 1].start]):
            a.append(ids[k])
            b.append(ids[k + 1])
            blk.append(block_of[k])
    if not a:
        return np.zeros(n_blocks), np.zeros(n_blocks)
    miss = lm.unseen_pairs(np.array(a, dtype=np.int64), np.array(b, dtype=np.int64))
    return np.bincount(blk, weights=miss, minlength=n_blocks), np.bincount(blk, minlength=n_blocks).astype(float)


def _lines_and_blocks(text: str, tokens: list[Token]) -> tuple[list[int], list[int]]:
    line_of, block_of = [], []
    line = block = 0
    for k, t in enumerate(tokens):
        if k:
            gap = text[tokens[k - 1].end:t.start]
            if line_break(gap):
                line += 1
                if _BLOCK_BREAK.search(gap):
                    block += 1
        line_of.append(line)
        block_of.append(block)
    return line_of, block_of


# ---------------------------------------------------------------- decisions
def suggest(text: str, decision: DecisionModel | None = None, channel: Channel | None = None, top: int = 5,
            floor: float = 0.01, rules: frozenset[str] | None = None) -> tuple[list[Change], float]:
    """Best-first, non-overlapping spin suggestions with confidence >= ``floor`` (of the spin
    ``rules`` asked for: see :func:`decisions`), and the text's spin score.

    A text of more than ``PIECE_WORDS`` words is scored a piece at a time (:func:`pieces`), so
    that memory stays bounded whatever the size of the file: the evidence of every candidate of
    every span is held only for the piece being scored. Each piece is its own document for the
    evidence about the text as a whole (the document features and the gate), and the text's spin
    score is the pieces' scores weighted by their words; a guarded lexicon entry's guard term is
    still looked for in the whole text."""
    with _collector_paused():  # until the evidence is freed: see _collector_paused
        return _suggest(text, decision, channel, top, floor, rules)


def _suggest(text: str, decision: DecisionModel | None, channel: Channel | None, top: int, floor: float,
             rules: frozenset[str] | None) -> tuple[list[Change], float]:
    cuts = pieces(text, PIECE_WORDS)
    if len(cuts) <= 1:
        ev = score_document(text, decision, channel)
        out = decisions(ev, top, floor, rules), spin_score(ev)
        del ev  # freed before the collector is back on, so it is never walked
        return out
    from .lexicon import normalise

    guard_text = normalise(text)  # a guard term counts wherever it is in the text, not only in the piece
    changes: list[Change] = []
    expected = words = 0.0
    for start, end in cuts:
        ev = score_document(text[start:end], decision, channel, guard_text)
        changes += [replace(c, start=c.start + start, end=c.end + start)
                    for c in decisions(ev, top, floor, rules)]
        expected += spin_score(ev) * ev.n_words
        words += ev.n_words
        del ev
    return changes, min(expected / max(words, 1.0), 1.0)


PIECE_WORDS = 5_000  # words scored at once at most (about 40 MB of evidence at the peak; see pieces)
_SENTENCE_STOP = re.compile(r"[.!?][\"'’”)\]]*[ \t]+")


def pieces(text: str, limit: int = PIECE_WORDS) -> list[tuple[int, int]]:
    """``text`` cut into consecutive ``(start, end)`` pieces of at most ``limit`` words, as the
    engine counts them (tokens that start with a letter: "word,word,word" is three, however
    long the line without a space).

    A piece ends at the last paragraph break (a blank line) in its second half; else at the last
    line break there; else after the last sentence end there; else at the last space; else after
    its last word. Spans and their context never cross a line break, so a cut at a paragraph or
    line break changes only the evidence about the text as a whole, which each piece then gathers
    on its own."""
    out: list[tuple[int, int]] = []
    start, n = 0, len(text)
    while start < n:
        end = half = None
        for k, m in enumerate(_words(text, start), 1):
            if k == (limit + 1) // 2:
                half = m.end()
            if k == limit:
                end = m.end()
                break
        if end is None or end >= n or next(_words(text, end), None) is None:
            out.append((start, n))
            break
        cut = None
        for finder in (_BLOCK_BREAK, LINE_END, _SENTENCE_STOP, _SPACE):
            last = None
            for last in finder.finditer(text, half, end + 1):
                pass
            if last is not None:
                cut = last.end()
                break
        if cut is None:  # no space in the second half ("word,word,..."): cut after the limit's word
            cut = end
        out.append((start, cut))
        start = cut
    return out


_SPACE = re.compile(r"[ \t]+")


def _words(text: str, pos: int):
    """The engine's words (tokens that start with a letter: :attr:`Token.is_word`) from ``pos`` on."""
    return (m for m in TOKEN_RE.finditer(text, pos) if m.group()[0].isalpha())


def decisions(ev: Evidence, top: int = 5, floor: float = 0.01, rules: frozenset[str] | None = None) -> list[Change]:
    """Stage 4: best-first, non-overlapping changes from scored spans.

    ``rules``: the spin rules asked for (None: both). With one of them, only its candidates
    compete, so a span's likelier thesaurus candidate does not hide its lexicon one (nor take its
    place and then be dropped) when only ``spin.lexicon`` is asked for, and the other way round."""
    one = rules is not None and not {RULE_LEXICON, RULE_THESAURUS} <= rules
    picks = []
    for s in ev.scored:
        post, best, conf = s.posteriors, s.best, s.confidence
        if one:
            lexical = (s.flags & LEXICON) > 0
            post = np.where(lexical if RULE_LEXICON in rules else ~lexical, post, 0.0)
            best = int(np.argmax(post))  # the first of the largest, as set_posteriors picks
            conf = float(post[best])
        if conf >= floor and conf > 0:
            picks.append((s, post, best, conf))
    changes, taken = [], set()
    for s, post, best, conf in sorted(picks, key=lambda p: -p[3]):
        toks = range(s.first, s.last + 1)
        if any(t in taken for t in toks):
            continue
        taken.update(toks)
        new = s.cands[best]
        asked = np.flatnonzero(post)
        best_first = asked[np.argsort(-post[asked], kind="stable")][:top].tolist()
        ranked = tuple(Candidate(s.cands[k], post[k].item()) for k in best_first)
        lexical = bool(s.flags[best] & LEXICON)
        lex = f"lexicon P={s.lex_weight[best]:.2f}; " if lexical else ""
        reason = (f"{lex}context favours {new!r} over {s.old!r} by {s.gains[best]:+.1f} nats; "
                  f"block unseen-pair share {ev.block_unseen[s.block]:.2f}")
        changes.append(Change(s.start, s.end, s.old, new, RULE_LEXICON if lexical else RULE_THESAURUS, conf,
                              ranked, reason))
    changes.sort(key=lambda c: c.start)
    return changes
