"""Stages 3-4 for spinning: evidence for every candidate in context, then a trained decision.

For an observed span s with context L _ R and a candidate original c (DESIGN.md's
noisy channel), the evidence is:

* context: log P(L c R) − log P(L s R), the context model's score of the whole
  window (two tokens each side), in total and per token;
* channel: how many synonyms c has (a spinner choosing among many rarely picks s),
  which thesaurus and direction paired them, how many tokens c adds or drops, and
  how much rarer s is than c;
* the span: whether c has the best context score of its span, and its margin;
* collocations: how many of the spun wording's edge word pairs ("spy company") the
  corpus never saw, and the same for each candidate in its place;
* the block (a paragraph between blank lines): the share of its adjacent word pairs
  the corpus never saw, and its summed positive context gain per word, both smoothed
  toward clean text. This is the document gate: spinners break collocations, so a
  spun block has more unseen pairs, and every candidate in it is judged with that.

A logistic model (lexicons/spin_model.json, trained by scripts/train_spin.py on
held-out Wikipedia, half spun synthetically) turns the features into P(c is the
original). Each span's best candidate is a suggestion with that probability as its
confidence; suggestions are taken best-first so that no two overlap.
"""
from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass

import numpy as np

from .candidates import MAX_IDS, MAX_OPTIONS, MOBY_FWD, MOBY_REV, WN_REL, WN_SYN, article_for, carry_case, propose
from .changes import Candidate, Change
from .data import MissingDataError, lexicon_dir
from .lm import BOS, model
from .tokens import Token, lm_form, tokenize

__all__ = ["SpinParams", "Scored", "score_document", "suggest"]

_SENTENCE_END = {".", "!", "?", "…", ":", ";"}
_OPENERS = {'"', "“", "‘", "'", "(", "[", "«", "-", "–", "—"}
_BLOCK_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")
RULE = "spin.thesaurus"


FEATURES = ("bias", "gain", "gain_per_token", "log_degree", "moby_fwd", "moby_rev", "wordnet", "wordnet_rel",
            "length_change", "rarity", "spun_log_freq", "top_gain", "margin", "spun_unseen", "cand_unseen",
            "block_unseen", "block_gain")


@dataclass(frozen=True)
class SpinParams:
    """The decision model: logistic weights over FEATURES, trained by scripts/train_spin.py
    (lexicons/spin_model.json) on held-out Wikipedia, never on the gold annotations."""
    weights: tuple[float, ...]
    max_options: int = MAX_OPTIONS

    def __post_init__(self) -> None:
        if len(self.weights) != len(FEATURES):
            raise ValueError(f"SpinParams needs {len(FEATURES)} weights (one per FEATURES), got {len(self.weights)}")

    @staticmethod
    @functools.lru_cache(maxsize=1)
    def shipped() -> "SpinParams":
        model_json = json.loads((lexicon_dir() / "spin_model.json").read_text(encoding="utf-8"))
        if tuple(model_json["features"]) != FEATURES:
            raise MissingDataError("lexicons/spin_model.json was trained on other features; retrain it")
        return SpinParams(tuple(float(w) for w in model_json["weights"]))


@dataclass
class Scored:
    """One span with its ranked hypotheses."""
    start: int
    end: int
    first: int  # token indices covered (inclusive)
    last: int
    old: str
    cands: list[str]  # new wordings
    gains: np.ndarray  # context log-ratio P(L c R) / P(L s R) of each candidate, in nats
    log_degree: np.ndarray  # log |synonyms(c)|
    flags: np.ndarray  # thesaurus sources of each pair
    dlen: np.ndarray  # tokens the candidate adds (+) or drops (-)
    dfreq: np.ndarray  # ln count(c) − ln count(s), by their rarest tokens
    spun_log_freq: float = 0.0  # ln(1 + count) of the spun wording's rarest token
    spun_unseen: float = 0.0  # how many of the spun wording's two edge word pairs the corpus never saw
    cand_unseen: np.ndarray | None = None  # the same for each candidate in the spun wording's place
    block_unseen: float = 0.0  # share of the block's adjacent word pairs the corpus never saw (smoothed)
    block: int = 0
    log_odds: np.ndarray | None = None  # per candidate, without the π term
    posteriors: np.ndarray | None = None
    confidence: float = 0.0
    best: int = 0

    def ranked(self) -> list[int]:
        return list(np.argsort(-self.posteriors, kind="stable"))


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
        if any(ch.isupper() for ch in w[1:]):
            return True
        if w[0].isupper():
            return not _sentence_initial(tokens, text, i) or lm.capitalised_share(lm_form(w)) > 0.5
        return False
    return skip


# ---------------------------------------------------------------- scoring
def score_document(text: str, params: SpinParams | None = None) -> tuple[list[Scored], float]:
    """Every span with candidates, scored and with confidences; and the text's spin rate."""
    params = params or SpinParams.shipped()
    tokens = tokenize(text)
    scored, block_of = evidence(text, tokens, params.max_options)
    return scored, decide_rates(scored, params, tokens, block_of)


def features(scored: list[Scored], tokens: list[Token], block_of: list[int]) -> list[np.ndarray]:
    """The FEATURES matrix of each span's candidates, block-level evidence included."""
    if not scored:
        return []
    n_blocks = max(block_of) + 1
    words = np.bincount([block_of[k] for k, t in enumerate(tokens) if t.is_word], minlength=n_blocks)
    gain = np.zeros(n_blocks)
    for s in scored:
        if s.first == s.last:  # single tokens only, so overlapping spans are not counted twice
            gain[s.block] += max(float(s.gains.max()), 0.0)
    block_gain = gain / (words + 50)  # smoothed toward no gain in 50 words: short blocks say little
    out = []
    for s in scored:
        n = len(s.cands)
        g = s.gains
        top = g.max()
        second = np.partition(g, -2)[-2] if n > 1 else top - 10.0
        f = np.empty((n, len(FEATURES)))
        f[:, 0] = 1.0
        f[:, 1] = g
        f[:, 2] = g / np.maximum(s.last - s.first + 1, s.last - s.first + 1 + s.dlen)
        f[:, 3] = s.log_degree
        f[:, 4] = (s.flags & MOBY_FWD) > 0
        f[:, 5] = (s.flags & MOBY_REV) > 0
        f[:, 6] = (s.flags & WN_SYN) > 0
        f[:, 7] = (s.flags & WN_REL) > 0
        f[:, 8] = np.abs(s.dlen)
        f[:, 9] = s.dfreq
        f[:, 10] = s.spun_log_freq
        f[:, 11] = g == top
        f[:, 12] = np.where(g == top, top - second, g - top)
        f[:, 13] = s.spun_unseen
        f[:, 14] = s.cand_unseen
        f[:, 15] = s.block_unseen
        f[:, 16] = block_gain[s.block]
        out.append(f)
    return out


def decide_rates(scored: list[Scored], params: SpinParams, tokens: list[Token], block_of: list[int]) -> float:
    """Stage 4a: each candidate's probability of being the original; returns the text's spin rate
    (expected spins per word)."""
    if not scored:
        return 0.0
    w = np.array(params.weights)
    expected = 0.0
    for s, f in zip(scored, features(scored, tokens, block_of)):
        z = f @ w
        s.log_odds = z
        p = 1.0 / (1.0 + np.exp(-z))
        # the span is spun by at most one original: renormalise when the candidates claim more
        total = p.sum()
        s.posteriors = p / total if total > 1.0 else p
        s.best = int(np.argmax(s.posteriors))
        s.confidence = float(s.posteriors[s.best])
        if s.first == s.last:
            expected += min(float(total), 1.0)
    n_words = sum(1 for t in tokens if t.is_word)
    return min(expected / max(n_words, 1), 1.0)


def evidence(text: str, tokens: list[Token], max_options: int) -> tuple[list[Scored], list[int]]:
    """Stage 3: every span with candidates, and each candidate's evidence (context, channel)."""
    if not tokens:
        return [], []
    lm = model()
    ids = [lm.word_id(t.norm) for t in tokens]
    line_of, block_of = _lines_and_blocks(text, tokens)
    proposals = propose(text, tokens, lm, _skip_token(tokens, text, lm), max_options)
    if not proposals:
        return [], block_of

    # Every hypothesis is a row: the group (token range it replaces) and its ids. Options come
    # as cached arrays per key; an a/an before the span joins the range when a candidate needs
    # the other article, which is the one case handled option by option.
    group_of: dict[tuple[int, int], int] = {}
    ranges: list[tuple[int, int]] = []
    mats, lens, groups, logdeg, flags, logfreq, texts = [], [], [], [], [], [], []

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
                texts.append(carry_case(art_text, art) + gap + names[k])
        g = group(sp.first, sp.last)
        if keep.all():
            mats.append(os_.ids)
            lens.append(os_.lens)
            groups.append(np.full(len(os_), g))
            logdeg.append(os_.log_degree)
            flags.append(os_.flags)
            logfreq.append(os_.log_freq)
            texts.extend(names)
        elif keep.any():
            mats.append(os_.ids[keep])
            lens.append(os_.lens[keep])
            groups.append(np.full(int(keep.sum()), g))
            logdeg.append(os_.log_degree[keep])
            flags.append(os_.flags[keep])
            logfreq.append(os_.log_freq[keep])
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
    block_unseen = _block_unseen(text, tokens, ids, block_of, lm)

    spun_freq = np.array([math.log1p(min(lm.uni[i] for i in ids[f:l + 1])) for f, l in ranges])
    dfreq = np.concatenate(logfreq) - spun_freq[cand_group]
    dlen = cand_len - spun_len[cand_group]
    logdeg_all = np.concatenate(logdeg)
    flags_all = np.concatenate(flags)
    order = np.argsort(cand_group, kind="stable")
    bounds = np.searchsorted(cand_group[order], np.arange(n_groups + 1))
    out: list[Scored] = []
    for g, (first, last) in enumerate(ranges):
        sel = order[bounds[g]:bounds[g + 1]]
        if not len(sel):
            continue
        start, end = tokens[first].start, tokens[last].end
        out.append(Scored(start, end, first, last, text[start:end], [texts[k] for k in sel], gains[sel],
                          logdeg_all[sel], flags_all[sel], dlen[sel], dfreq[sel], float(spun_freq[g]),
                          float(unseen[g]), unseen[n_groups + sel], float(block_unseen[block_of[first]]),
                          block_of[first]))
    return out, block_of


UNSEEN_PRIOR = (0.13, 30.0)  # typical clean share of unseen word pairs, and its weight in pairs


def _block_unseen(text: str, tokens: list[Token], ids: list[int], block_of: list[int], lm) -> np.ndarray:
    """Per block: the share of adjacent in-vocabulary word pairs the corpus never saw.

    Spinners break collocations ("spy company"), so spun text has more of them; the share is
    smoothed toward clean text's so that a short block says little."""
    n_blocks = max(block_of) + 1
    a, b, blk = [], [], []
    for k in range(len(tokens) - 1):
        if tokens[k].is_word and tokens[k + 1].is_word and ids[k] > 1 and ids[k + 1] > 1 \
                and "\n" not in text[tokens[k].end:tokens[k + 1].start]:
            a.append(ids[k])
            b.append(ids[k + 1])
            blk.append(block_of[k])
    if not a:
        return np.full(n_blocks, UNSEEN_PRIOR[0])
    miss = lm.unseen_pairs(np.array(a, dtype=np.int64), np.array(b, dtype=np.int64))
    share, weight = UNSEEN_PRIOR
    return ((np.bincount(blk, weights=miss, minlength=n_blocks) + share * weight)
            / (np.bincount(blk, minlength=n_blocks) + weight))


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
def suggest(text: str, params: SpinParams | None = None, top: int = 5,
            floor: float = 0.01) -> tuple[list[Change], float]:
    """Best-first, non-overlapping spin suggestions with confidence >= ``floor``."""
    scored, pi = score_document(text, params)
    return decisions(scored, pi, top, floor), pi


def decisions(scored: list[Scored], pi: float, top: int = 5, floor: float = 0.01) -> list[Change]:
    """Stage 4: best-first, non-overlapping changes from scored spans."""
    changes, taken = [], set()
    for s in sorted(scored, key=lambda s: -s.confidence):
        toks = range(s.first, s.last + 1)
        if s.confidence < floor or any(t in taken for t in toks):
            continue
        taken.update(toks)
        new = s.cands[s.best]
        ranked = tuple(Candidate(s.cands[k], float(s.posteriors[k])) for k in s.ranked()[:top])
        reason = (f"context favours {new!r} over {s.old!r} by {s.gains[s.best]:+.1f} nats; "
                  f"text spin rate {pi:.3f} per word")
        changes.append(Change(s.start, s.end, s.old, new, RULE, s.confidence, ranked, reason))
    changes.sort(key=lambda c: c.start)
    return changes
