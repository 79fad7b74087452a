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
  corpus never saw, and the same for each candidate in its place;
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
gives each the probability that it is the original. Each span's best candidate is
a suggestion with that probability as its confidence; suggestions are taken
best-first so that no two overlap.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass

import numpy as np

from .candidates import (
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
from .tokens import Token, lm_form, tokenize

__all__ = ["FEATURES", "Scored", "default_channel", "features", "score_document", "suggest"]

_SENTENCE_END = {".", "!", "?", "…", ":", ";"}
_OPENERS = {'"', "“", "‘", "'", "(", "[", "«", "-", "–", "—"}
_BLOCK_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")
BUNDLED_LEXICONS = ("spinbot.tsv", "tortured.tsv")
RULE_THESAURUS = "spin.thesaurus"
RULE_LEXICON = "spin.lexicon"
EVENTS_PER_SPAN = 3  # candidates per span the decision model sees: the best by context gain, if they gain,
#                      and every lexicon candidate
NO_WEIGHT = -12.0  # log lexicon weight of a candidate no lexicon lists

FEATURES = ("gain", "gain_per_token", "gain_rank", "margin", "n_options", "log_degree", "moby_fwd", "moby_rev",
            "wordnet", "wordnet_rel", "n_sources", "lexicon", "lex_log_weight", "lex_log_count", "length_change",
            "span_tokens", "rarity", "spun_log_freq", "cand_log_freq", "spun_unseen", "cand_unseen",
            "block_unseen", "block_gain", "doc_unseen", "doc_gain", "doc_lex", "doc_orig", "doc_lex_share")


@functools.lru_cache(maxsize=8)
def default_channel(lexicon_paths: tuple[str, ...] = ()) -> Channel:
    """The thesaurus plus the bundled spin lexicons, and any user lexicons (paths)."""
    from .lexicon import Lexicon

    bundled = [lexicon_dir() / name for name in BUNDLED_LEXICONS if (lexicon_dir() / name).exists()]
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
    spun_log_freq: float = 0.0  # ln(1 + count) of the spun wording's rarest token
    spun_unseen: float = 0.0  # how many of the spun wording's two edge word pairs the corpus never saw
    cand_unseen: np.ndarray | None = None  # the same for each candidate in the spun wording's place
    block: int = 0
    posteriors: np.ndarray | None = None  # P(candidate is the original); 0 for those not asked about
    confidence: float = 0.0
    best: int = 0

    def ranked(self) -> list[int]:
        return list(np.argsort(-self.posteriors, kind="stable"))

    @property
    def rule(self) -> str:
        return RULE_LEXICON if self.flags[self.best] & LEXICON else RULE_THESAURUS


# ---------------------------------------------------------------- what is never rewritten
def _sentence_initial(tokens: list[Token], text: str, i: int) -> bool:
    k = i - 1
    while k >= 0 and tokens[k].text in _OPENERS:
        k -= 1
    if k < 0 or "\n" in text[tokens[k].end:tokens[i].start]:
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
    doc_unseen: float
    doc_gain: float
    doc_lex: float  # lexicon hits (summed best lexicon weight of spans) per 100 words, smoothed
    doc_orig: float  # wordings a lexicon's spinner replaces, left standing, per 100 words, smoothed


def score_document(text: str, decision: DecisionModel | None = None,
                   channel: Channel | None = None) -> Evidence:
    """Every span with candidates, with each candidate's probability of being the original."""
    tokens = tokenize(text)
    ev = evidence(text, tokens, channel or default_channel())
    decide(ev, decision or shipped_model())
    return ev


SMOOTH_WORDS = 50.0  # block and document rates are smoothed toward none in this many words


def evidence(text: str, tokens: list[Token], channel: Channel) -> Evidence:
    """Stage 3: the evidence for every candidate of every span, and for the blocks and the text."""
    n_words = sum(1 for t in tokens if t.is_word)
    scored, block_of, lm, ids = _span_evidence(text, tokens, channel)
    n_blocks = (max(block_of) + 1) if block_of else 1
    words = np.bincount([block_of[k] for k, t in enumerate(tokens) if t.is_word], minlength=n_blocks)
    gain = np.zeros(n_blocks)
    lex = 0.0
    for s in scored:
        if s.first == s.last:  # single tokens only, so overlapping spans are not counted twice
            gain[s.block] += max(float(s.gains.max()), 0.0)
        lex += float(s.lex_weight.max())
    miss, pairs = _unseen_pairs(text, tokens, ids, block_of, lm, n_blocks)
    share, weight = UNSEEN_PRIOR
    block_unseen = (miss + share * weight) / (pairs + weight)
    return Evidence(scored, n_words, block_unseen, gain / (words + SMOOTH_WORDS),
                    float((miss.sum() + share * weight) / (pairs.sum() + weight)),
                    float(gain.sum() / (n_words + SMOOTH_WORDS)),
                    float(100.0 * lex / (n_words + SMOOTH_WORDS)),
                    float(100.0 * channel.replaced_hits(tokens) / (n_words + SMOOTH_WORDS)))


def features(ev: Evidence) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The FEATURES matrix of the events the decision model is asked about, with each event's
    span (index into ``ev.scored``) and candidate (index into that span's candidates).

    A span's events are its ``EVENTS_PER_SPAN`` best candidates by context gain, where they
    gain at all, and every lexicon candidate. Computed for all spans at once."""
    scored = ev.scored
    if not scored:
        return np.zeros((0, len(FEATURES))), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    sizes = np.array([len(s.cands) for s in scored])
    owner = np.repeat(np.arange(len(scored)), sizes)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])

    def cat(name: str) -> np.ndarray:
        return np.concatenate([getattr(s, name) for s in scored])

    g, flags = cat("gains"), cat("flags")
    order = np.lexsort((-g, owner))  # by span, then best gain first
    rank = np.empty(len(g))
    rank[order] = np.arange(len(g)) - np.repeat(first, sizes)
    top = g[order[first]]
    second = np.where(sizes > 1, g[order[np.minimum(first + 1, len(g) - 1)]], top - 10.0)
    pick = np.flatnonzero(((rank < EVENTS_PER_SPAN) & (g > 0)) | ((flags & LEXICON) > 0))
    own = owner[pick]
    gs, fl = g[pick], flags[pick]
    span_tokens = np.array([s.last - s.first + 1 for s in scored], dtype=np.float64)[own]
    dlen = cat("dlen")[pick]
    dfreq = cat("dfreq")[pick]
    spun_log_freq = np.array([s.spun_log_freq for s in scored])[own]
    lw = cat("lex_weight")[pick]
    f = np.empty((len(pick), len(FEATURES)))
    f[:, 0] = gs
    f[:, 1] = gs / np.maximum(span_tokens, span_tokens + dlen)
    f[:, 2] = rank[pick]
    f[:, 3] = np.where(gs == top[own], top[own] - second[own], gs - top[own])
    f[:, 4] = np.log(sizes[own])
    f[:, 5] = cat("log_degree")[pick]
    f[:, 6] = (fl & MOBY_FWD) > 0
    f[:, 7] = (fl & MOBY_REV) > 0
    f[:, 8] = (fl & WN_SYN) > 0
    f[:, 9] = (fl & WN_REL) > 0
    f[:, 10] = f[:, 6] + f[:, 7] + f[:, 8] + f[:, 9]
    f[:, 11] = (fl & LEXICON) > 0
    f[:, 12] = np.where(lw > 0, np.log(np.maximum(lw, 1e-12)), NO_WEIGHT)
    f[:, 13] = np.log1p(cat("lex_count")[pick])
    f[:, 14] = dlen
    f[:, 15] = span_tokens
    f[:, 16] = dfreq
    f[:, 17] = spun_log_freq
    f[:, 18] = spun_log_freq + dfreq
    f[:, 19] = np.array([s.spun_unseen for s in scored])[own]
    f[:, 20] = cat("cand_unseen")[pick]
    blocks = np.array([s.block for s in scored])[own]
    f[:, 21] = ev.block_unseen[blocks]
    f[:, 22] = ev.block_gain[blocks]
    f[:, 23] = ev.doc_unseen
    f[:, 24] = ev.doc_gain
    f[:, 25] = ev.doc_lex
    f[:, 26] = ev.doc_orig
    # a spinner's output holds its vocabulary and little of what it replaces; clean prose that merely
    # shares some of that vocabulary ("amid", "utilized") still holds the plain wordings too
    f[:, 27] = ev.doc_lex / (ev.doc_lex + ev.doc_orig + 1.0)
    return f, own, pick - first[own]


def decide(ev: Evidence, decision: DecisionModel) -> None:
    """Stage 4a: each asked-about candidate's probability of being the original."""
    if tuple(decision.features) != FEATURES:
        raise ValueError("the decision model was trained on other features; retrain it (scripts/train_spin.py)")
    X, owner, pick = features(ev)
    p = decision.predict(X)
    for s in ev.scored:
        s.posteriors = np.zeros(len(s.cands))
    for i, k, q in zip(owner.tolist(), pick.tolist(), p.tolist()):
        ev.scored[i].posteriors[k] = q
    for s in ev.scored:
        total = s.posteriors.sum()
        if total > 1.0:  # the span is spun from at most one original
            s.posteriors /= total
        s.best = int(np.argmax(s.posteriors))
        s.confidence = float(s.posteriors[s.best])


def spin_score(ev: Evidence) -> float:
    """Expected spun words per word of the text, in [0, 1]."""
    expected = sum(min(float(s.posteriors.sum()), 1.0) for s in ev.scored if s.first == s.last)
    return min(expected / max(ev.n_words, 1), 1.0)


def _span_evidence(text: str, tokens: list[Token], channel: Channel):
    """Every span with candidates, and each candidate's evidence (context, channel)."""
    lm = model()
    ids = [lm.word_id(t.norm) for t in tokens]
    line_of, block_of = _lines_and_blocks(text, tokens)
    proposals = propose(text, tokens, lm, _skip_token(tokens, text, lm), channel) if tokens else []
    if not proposals:
        return [], block_of, lm, ids

    # Every hypothesis is a row: the group (token range it replaces) and its ids. Options come
    # as cached arrays per key; an a/an before the span joins the range when a candidate needs
    # the other article, which is the one case handled option by option.
    group_of: dict[tuple[int, int], int] = {}
    ranges: list[tuple[int, int]] = []
    mats, lens, groups, logdeg, flags, logfreq, lexw, lexc, texts = [], [], [], [], [], [], [], [], []

    def group(first: int, last: int) -> int:
        g = group_of.get((first, last))
        if g is None:
            g = group_of[(first, last)] = len(ranges)
            ranges.append((first, last))
        return g

    for p in proposals:
        sp, os_ = p.span, p.options
        prev = sp.first - 1
        cased = not sp.text.islower()
        words = [o.text for o in os_.options]
        names = [carry_case(sp.text, w) for w in words] if cased else words
        keep = np.ones(len(os_), dtype=bool)
        if prev >= 0 and line_of[prev] == line_of[sp.first] and tokens[prev].text.lower() in ("a", "an"):
            art_text = tokens[prev].text
            gap = text[tokens[prev].end:sp.start]
            for k, o in enumerate(os_.options):
                art = article_for(o.text)
                if art == art_text.lower():
                    continue
                keep[k] = False
                row = np.full((1, MAX_IDS), -1, dtype=np.int64)
                row[0, :len(o.ids) + 1] = (lm.word_id(art),) + o.ids
                mats.append(row)
                lens.append([len(o.ids) + 1])
                groups.append([group(prev, sp.last)])
                logdeg.append(os_.log_degree[k:k + 1])
                flags.append(os_.flags[k:k + 1])
                logfreq.append(os_.log_freq[k:k + 1])
                lexw.append(os_.lex_weight[k:k + 1])
                lexc.append(os_.lex_count[k:k + 1])
                texts.append(carry_case(art_text, art) + gap + names[k])
        g = group(sp.first, sp.last)
        if keep.all():
            mats.append(os_.ids)
            lens.append(os_.lens)
            groups.append(np.full(len(os_), g))
            logdeg.append(os_.log_degree)
            flags.append(os_.flags)
            logfreq.append(os_.log_freq)
            lexw.append(os_.lex_weight)
            lexc.append(os_.lex_count)
            texts.extend(names)
        elif keep.any():
            mats.append(os_.ids[keep])
            lens.append(os_.lens[keep])
            groups.append(np.full(int(keep.sum()), g))
            logdeg.append(os_.log_degree[keep])
            flags.append(os_.flags[keep])
            logfreq.append(os_.log_freq[keep])
            lexw.append(os_.lex_weight[keep])
            lexc.append(os_.lex_count[keep])
            texts.extend(n for n, k in zip(names, keep) if k)

    n_groups = len(ranges)
    cand_ids = np.concatenate(mats)
    cand_len = np.concatenate(lens).astype(np.int64)
    cand_group = np.concatenate(groups).astype(np.int64)
    # the spun wording of each group, then every candidate: rows of [L2 L1 | hypothesis | R1 R2]
    spun = np.full((n_groups, MAX_IDS), -1, dtype=np.int64)
    left = np.full((n_groups, 2), -1, dtype=np.int64)
    right = np.full((n_groups, 2), -1, dtype=np.int64)
    spun_len = np.zeros(n_groups, dtype=np.int64)
    n_tok = len(tokens)
    for g, (first, last) in enumerate(ranges):
        n = last - first + 1
        spun[g, :n] = ids[first:last + 1]
        spun_len[g] = n
        line = line_of[first]
        l1 = ids[first - 1] if first >= 1 and line_of[first - 1] == line else -1
        l2 = ids[first - 2] if l1 >= 0 and first >= 2 and line_of[first - 2] == line else -1
        left[g] = (-1, BOS) if l1 < 0 else ((BOS, l1) if l2 < 0 else (l2, l1))
        if last + 1 < n_tok and line_of[last + 1] == line_of[last]:
            right[g, 0] = ids[last + 1]
            if last + 2 < n_tok and line_of[last + 2] == line_of[last]:
                right[g, 1] = ids[last + 2]
    row_group = np.concatenate([np.arange(n_groups), cand_group])
    row_len = np.concatenate([spun_len, cand_len])
    m = np.full((len(row_group), 2 + MAX_IDS + 2), -1, dtype=np.int64)
    m[:, :2] = left[row_group]
    m[:, 2:2 + MAX_IDS] = np.concatenate([spun, cand_ids])
    rows = np.arange(len(row_group))
    for r in range(2):
        m[rows, 2 + row_len + r] = right[row_group, r]
    scores = lm.score_rows(m)
    gains = scores[n_groups:] - scores[cand_group]
    unseen = lm.unseen_pairs(m[:, 1], m[:, 2]) + lm.unseen_pairs(m[rows, 1 + row_len], m[rows, 2 + row_len])

    spun_freq = np.array([math.log1p(min(lm.uni[i] for i in ids[f:l + 1])) for f, l in ranges])
    dfreq = np.concatenate(logfreq) - spun_freq[cand_group]
    dlen = cand_len - spun_len[cand_group]
    logdeg_all = np.concatenate(logdeg)
    flags_all = np.concatenate(flags)
    lexw_all, lexc_all = np.concatenate(lexw), np.concatenate(lexc)
    order = np.argsort(cand_group, kind="stable")
    bounds = np.searchsorted(cand_group[order], np.arange(n_groups + 1))
    out: list[Scored] = []
    for g, (first, last) in enumerate(ranges):
        sel = order[bounds[g]:bounds[g + 1]]
        if not len(sel):
            continue
        start, end = tokens[first].start, tokens[last].end
        out.append(Scored(start, end, first, last, text[start:end], [texts[k] for k in sel], gains[sel],
                          logdeg_all[sel], flags_all[sel], dlen[sel], dfreq[sel], lexw_all[sel], lexc_all[sel],
                          float(spun_freq[g]), float(unseen[g]), unseen[n_groups + sel], block_of[first]))
    return out, block_of, lm, ids


UNSEEN_PRIOR = (0.13, 30.0)  # typical clean share of unseen word pairs, and its weight in pairs


def _unseen_pairs(text: str, tokens: list[Token], ids: list[int], block_of: list[int], lm,
                  n_blocks: int) -> tuple[np.ndarray, np.ndarray]:
    """Per block: adjacent in-vocabulary word pairs the corpus never saw, and all such pairs.

    Spinners break collocations ("spy company"), so spun text has more of them."""
    a, b, blk = [], [], []
    for k in range(len(tokens) - 1):
        if tokens[k].is_word and tokens[k + 1].is_word and ids[k] > 1 and ids[k + 1] > 1 \
                and "\n" not in text[tokens[k].end:tokens[k + 1].start]:
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
            if "\n" in gap:
                line += 1
                if _BLOCK_BREAK.search(gap):
                    block += 1
        line_of.append(line)
        block_of.append(block)
    return line_of, block_of


# ---------------------------------------------------------------- decisions
def suggest(text: str, decision: DecisionModel | None = None, channel: Channel | None = None, top: int = 5,
            floor: float = 0.01) -> tuple[list[Change], float]:
    """Best-first, non-overlapping spin suggestions with confidence >= ``floor``, and the text's
    spin score."""
    ev = score_document(text, decision, channel)
    return decisions(ev, top, floor), spin_score(ev)


def decisions(ev: Evidence, top: int = 5, floor: float = 0.01) -> list[Change]:
    """Stage 4: best-first, non-overlapping changes from scored spans."""
    changes, taken = [], set()
    asked = (s for s in ev.scored if s.confidence >= floor and s.confidence > 0)
    for s in sorted(asked, key=lambda s: -s.confidence):
        toks = range(s.first, s.last + 1)
        if any(t in taken for t in toks):
            continue
        taken.update(toks)
        new = s.cands[s.best]
        asked = np.flatnonzero(s.posteriors)
        best_first = asked[np.argsort(-s.posteriors[asked], kind="stable")][:top].tolist()
        ranked = tuple(Candidate(s.cands[k], s.posteriors[k].item()) for k in best_first)
        lex = f"lexicon P={s.lex_weight[s.best]:.2f}; " if s.flags[s.best] & LEXICON else ""
        reason = (f"{lex}context favours {new!r} over {s.old!r} by {s.gains[s.best]:+.1f} nats; "
                  f"block unseen-pair share {ev.block_unseen[s.block]:.2f}")
        changes.append(Change(s.start, s.end, s.old, new, s.rule, s.confidence, ranked, reason))
    changes.sort(key=lambda c: c.start)
    return changes
