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

from .candidates import MOBY_FWD, MOBY_REV, WN_REL, WN_SYN, article_for, carry_case, propose
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

    # hypotheses grouped by the token range they replace (an a/an before the span joins it
    # when the candidate needs the other article)
    groups: dict[tuple[int, int], list[tuple[str, tuple[int, ...], float, int, int]]] = {}
    for p in proposals:
        sp = p.span
        prev = sp.first - 1
        article = prev >= 0 and tokens[prev].text.lower() in ("a", "an") and line_of[prev] == line_of[sp.first]
        for o in p.options:
            new, oids, first = carry_case(sp.text, o.text), o.ids, sp.first
            if article:
                art = article_for(o.text)
                if art != tokens[prev].text.lower():
                    new = carry_case(tokens[prev].text, art) + text[tokens[prev].end:sp.start] + new
                    oids, first = (lm.word_id(art),) + oids, prev
            dlen = len(o.ids) - (sp.last - sp.first + 1)
            groups.setdefault((first, sp.last), []).append(
                (new, oids, math.log(max(o.degree, 1)), o.flags, dlen))

    keys = list(groups)
    width_h = max(max(len(h[1]) for h in hs) for hs in groups.values())
    width_h = max(width_h, max(b - a + 1 for a, b in keys))
    rows: list[list[int]] = []
    row_of_spun: list[int] = []
    for first, last in keys:
        left = [ids[k] if line_of[k] == line_of[first] else -1 for k in (first - 2, first - 1)] \
            if first >= 2 else [-1, -1]
        if first < 2:
            left = ([-1] + [ids[0]]) if first == 1 and line_of[0] == line_of[1] else [-1, -1]
        if left[1] == -1:
            left = [-1, BOS]
        elif left[0] == -1:
            left = [BOS, left[1]]
        right = [ids[k] for k in range(last + 1, min(len(tokens), last + 3)) if line_of[k] == line_of[last]]
        row_of_spun.append(len(rows))
        for hyp in [tuple(ids[first:last + 1])] + [h[1] for h in groups[(first, last)]]:
            body = list(hyp) + right
            rows.append(left + body + [-1] * (width_h + 2 - len(body)))
    scores = lm.score_rows(np.array(rows, dtype=np.int64))

    out: list[Scored] = []
    for (first, last), base in zip(keys, row_of_spun):
        hs = groups[(first, last)]
        gains = scores[base + 1: base + 1 + len(hs)] - scores[base]
        spun_freq = math.log(1.0 + min(lm.uni[i] for i in ids[first:last + 1]))
        dfreq = np.array([math.log(1.0 + lm.freq(h[1])) for h in hs]) - spun_freq
        start, end = tokens[first].start, tokens[last].end
        out.append(Scored(start, end, first, last, text[start:end], [h[0] for h in hs], gains,
                          np.array([h[2] for h in hs]), np.array([h[3] for h in hs]),
                          np.array([h[4] for h in hs]), dfreq, block_of[first]))
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


def _em_rate(scored: list[Scored], n: int, a: float, b: float, rounds: int) -> float:
    """EM for a spin rate over ``n`` word opportunities under a Beta(a, b) prior."""
    pi = a / (a + b)
    if not scored:
        return pi if n == 0 else a / (n + a + b)
    order_cache = None
    for _ in range(rounds):
        logit = math.log(pi / (1 - pi))
        spin_p = [float(_posteriors(s.log_odds, logit).sum()) for s in scored]
        order_cache = sorted(range(len(scored)), key=lambda k: -spin_p[k])
        taken: set[int] = set()
        expected = 0.0
        for k in order_cache:
            toks = range(scored[k].first, scored[k].last + 1)
            if any(t in taken for t in toks):
                continue
            taken.update(toks)
            expected += spin_p[k]
        pi = min(max((expected + a) / (n + a + b), 1e-6), 0.5)
    return pi


def _gate(scored: list[Scored], params: SpinParams, tokens: list[Token], block_of: list[int]) -> float:
    """Estimate π for the input, then for each block; set every span's confidence."""
    words = [k for k, t in enumerate(tokens) if t.is_word]
    pi_doc = _em_rate(scored, len(words), params.prior_a, params.prior_b, params.em_rounds)
    by_block: dict[int, list[Scored]] = {}
    for s in scored:
        by_block.setdefault(s.block, []).append(s)
    n_block: dict[int, int] = {}
    for k in words:
        n_block[block_of[k]] = n_block.get(block_of[k], 0) + 1
    kappa = params.block_strength
    for blk, items in by_block.items():
        pi = _em_rate(items, n_block.get(blk, 0), kappa * pi_doc, kappa * (1 - pi_doc), params.em_rounds)
        logit = math.log(pi / (1 - pi))
        for s in items:
            s.posteriors = _posteriors(s.log_odds, logit)
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
