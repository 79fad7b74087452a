"""Stages 3-4 for spinning: score candidates in context, estimate the spin rate, decide.

For an observed span s with context L _ R and a candidate original c (DESIGN.md):

    odds(c) = P(L c R) / P(L s R)  ·  P(s | c)  ·  π / (1 − π)

* P(L x R): the context model's score of the whole window (two tokens each side);
* P(s | c): the channel. A spinner that rewrites c picks one of c's synonyms, so
  P(s | c) ≈ 1 / |synonyms(c)|^β, adjusted by where the pair came from and by
  how many tokens the candidate adds or drops;
* π: the spin rate, estimated by EM over the text's own spans: each span's
  posterior of being spun updates π, which updates the posteriors. Clean text
  drives π toward zero and every edit with it: that is the gate. It is estimated
  for the whole input and then per block (paragraphs separated by blank lines),
  each block's rate shrunk toward the input's, so one clean article in a spun
  batch, or one spun paragraph in a clean file, is judged on its own evidence.

The posterior of each hypothesis among {s unchanged, c1, c2, ...} is the
confidence. Each span's best candidate is a suggestion; suggestions are taken
best-first so that no two overlap.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from .candidates import MAX_IDS, MOBY_FWD, MOBY_REV, WN_REL, WN_SYN, article_for, carry_case, propose
from .changes import Candidate, Change
from .lm import BOS, model
from .tokens import Token, lm_form, tokenize

__all__ = ["SpinParams", "Scored", "score_document", "suggest"]

_SENTENCE_END = {".", "!", "?", "…", ":", ";"}
_OPENERS = {'"', "“", "‘", "'", "(", "[", "«", "-", "–", "—"}
_BLOCK_BREAK = re.compile(r"\n[ \t\r\f\v]*\n")
RULE = "spin.thesaurus"


@dataclass(frozen=True)
class SpinParams:
    """Scorer parameters; defaults picked by scripts/tune_spin.py on held-out Wikipedia
    (synthetic thesaurus spins and clean paragraphs), never on the gold annotations."""
    gain_scale: float = 0.7  # γ: temperature on the context log-ratio (backoff scores are overconfident)
    channel_weight: float = 1.0  # β in P(s|c) ∝ degree(c)^-β
    flag_bonus: tuple = ((MOBY_FWD, 0.7), (WN_SYN, 0.7), (MOBY_REV, 0.0), (WN_REL, -0.7))
    length_penalty: float = 2.0  # nats per token the candidate adds or drops
    rarity_weight: float = 0.0  # ρ: weight of ln count(c) − ln count(s) (spun words are rarer)
    prior_a: float = 0.5  # Beta prior on the input's π: a spins in a + b opportunities
    prior_b: float = 100.0
    block_strength: float = 40.0  # pseudo-opportunities a block's π borrows from the input's
    em_rounds: int = 8
    max_options: int = 40


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
def score_document(text: str, params: SpinParams = SpinParams()) -> tuple[list[Scored], float]:
    """Every span with candidates, scored and with confidences; and the input's spin rate π."""
    tokens = tokenize(text)
    scored, block_of = evidence(text, tokens, params.max_options)
    return scored, decide_rates(scored, params, tokens, block_of)


def decide_rates(scored: list[Scored], params: SpinParams, tokens: list[Token], block_of: list[int]) -> float:
    """Combine each candidate's evidence into log odds, then run the gate (sets confidences)."""
    table = np.array([max((b for f, b in params.flag_bonus if x & f), default=0.0) for x in range(16)])
    for s in scored:
        s.log_odds = (params.gain_scale * s.gains - params.channel_weight * s.log_degree + table[s.flags]
                      - params.length_penalty * np.abs(s.dlen) + params.rarity_weight * s.dfreq)
    return _gate(scored, params, tokens, block_of) if scored else 0.0


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
                          logdeg_all[sel], flags_all[sel], dlen[sel], dfreq[sel], block_of[first]))
    return out, block_of


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


# ---------------------------------------------------------------- the gate
def _posteriors(lo: np.ndarray, logit_pi: float) -> np.ndarray:
    """Posterior of each candidate, given its log odds and the prior log odds of a spin."""
    z = lo + logit_pi
    m = max(0.0, float(z.max()))
    e = np.exp(z - m)
    return e / (math.exp(-m) + e.sum())


class _Flat:
    """All spans' candidate log odds in one array, for EM rounds without Python loops."""

    def __init__(self, scored: list[Scored], n_tokens: int) -> None:
        self.lo = np.concatenate([s.log_odds for s in scored])
        sizes = np.array([len(s.log_odds) for s in scored])
        self.starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        self.seg = np.repeat(np.arange(len(scored)), sizes)
        first = np.array([s.first for s in scored])
        length = np.array([s.last - s.first + 1 for s in scored])
        # each span spreads its spin probability over the tokens it covers; a token counts
        # the most probable spin covering it, so overlapping spans are not counted twice
        self.tok = np.concatenate([np.arange(f, f + n) for f, n in zip(first, length)])
        self.tok_seg = np.repeat(np.arange(len(scored)), length)
        self.length = length
        self.n_tokens = n_tokens

    def spin_prob(self, logit: np.ndarray) -> np.ndarray:
        """P(span is spun) for every span, given a prior logit per span."""
        z = self.lo + logit[self.seg]
        m = np.maximum(np.maximum.reduceat(z, self.starts), 0.0)
        e = np.exp(z - m[self.seg])
        mass = np.add.reduceat(e, self.starts)
        return mass / (np.exp(-m) + mass)

    def expected_spins(self, p: np.ndarray, mask: np.ndarray | None = None) -> float:
        per_tok = np.zeros(self.n_tokens)
        share = (p / self.length)[self.tok_seg]
        if mask is not None:
            share = share * mask[self.tok_seg]
        np.maximum.at(per_tok, self.tok, share)
        return float(per_tok.sum())


def _gate(scored: list[Scored], params: SpinParams, tokens: list[Token], block_of: list[int]) -> float:
    """Estimate π for the input, then for each block; set every span's confidence."""
    flat = _Flat(scored, len(tokens))
    a, b = params.prior_a, params.prior_b
    n_words = sum(1 for t in tokens if t.is_word)
    pi = a / (a + b)
    for _ in range(params.em_rounds):
        p = flat.spin_prob(np.full(len(scored), math.log(pi / (1 - pi))))
        pi = min(max((flat.expected_spins(p) + a) / (n_words + a + b), 1e-6), 0.5)
    pi_doc = pi

    blocks = np.array([s.block for s in scored])
    n_blocks = int(blocks.max()) + 1
    words_in = np.bincount([block_of[k] for k, t in enumerate(tokens) if t.is_word], minlength=n_blocks)
    kappa = params.block_strength
    a_b, b_b = kappa * pi_doc, kappa * (1 - pi_doc)
    pis = np.full(n_blocks, pi_doc)
    for _ in range(params.em_rounds):
        p = flat.spin_prob(np.log(pis / (1 - pis))[blocks])
        per_tok = np.zeros(len(tokens))
        np.maximum.at(per_tok, flat.tok, (p / flat.length)[flat.tok_seg])
        expected = np.bincount(block_of, weights=per_tok, minlength=n_blocks)
        pis = np.clip((expected + a_b) / (words_in + a_b + b_b), 1e-6, 0.5)
    logits = np.log(pis / (1 - pis))
    for s in scored:
        s.posteriors = _posteriors(s.log_odds, float(logits[s.block]))
        s.best = int(np.argmax(s.posteriors))
        s.confidence = float(s.posteriors[s.best])
    return pi_doc


# ---------------------------------------------------------------- decisions
def suggest(text: str, params: SpinParams = SpinParams(), top: int = 5,
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
                  f"text spin rate {pi:.2f}")
        changes.append(Change(s.start, s.end, s.old, new, RULE, s.confidence, ranked, reason))
    changes.sort(key=lambda c: c.start)
    return changes
