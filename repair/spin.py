"""Stages 3-4 for spinning: score candidates in context, estimate the document's spin rate, decide.

For an observed span s with context L _ R and a candidate original c (DESIGN.md):

    odds(c) = P(L c R) / P(L s R)  ·  P(s | c)  ·  π / (1 − π)

* P(L x R): the context model's score of the whole window (two tokens each side);
* P(s | c): the channel. A spinner that rewrites c picks one of c's synonyms, so
  P(s | c) ≈ 1 / |synonyms(c)|, sharpened by where the pair came from;
* π: the document's spin rate, estimated by EM over the document's own spans: it
  starts at a prior, each span's posterior of being spun updates it, and so on.
  Clean text drives π toward zero and with it every edit; that is the gate.

The posterior of each hypothesis among {s unchanged, c1, c2, ...} is the
confidence; the best candidate of each span is a suggestion, and suggestions are
chosen best-first so that no two overlap.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .candidates import MOBY_FWD, MOBY_REV, WN_REL, WN_SYN, Proposal, article_for, carry_case, propose
from .changes import Candidate, Change
from .lm import BOS, UNK, model
from .tokens import Token, lm_form, tokenize

__all__ = ["Scored", "score_document", "SpinParams"]

_SENTENCE_END = {".", "!", "?", "…", ":", ";"}
_OPENERS = {'"', "“", "‘", "'", "(", "[", "«", "-", "–", "—"}


@dataclass(frozen=True)
class SpinParams:
    channel_weight: float = 1.0  # β in P(s|c) ∝ degree(c)^-β
    flag_bonus: tuple = ((MOBY_FWD, 0.7), (WN_SYN, 0.7), (MOBY_REV, 0.0), (WN_REL, -0.7))
    length_penalty: float = 1.0  # nats per token the candidate adds or drops
    prior_a: float = 0.5  # Beta prior on π: a spins in a + b opportunities
    prior_b: float = 30.0
    em_rounds: int = 8
    max_candidates: int = 400


@dataclass
class Scored:
    """One span with its ranked hypotheses."""
    start: int
    end: int
    first: int  # token indices covered (inclusive)
    last: int
    old: str
    cands: list[tuple[str, float]]  # (new wording, log odds without the π term), best first
    gains: list[float]  # context log-ratio of each candidate
    confidence: float = 0.0
    posteriors: list[float] | None = None


def _sentence_initial(tokens: list[Token], text: str, i: int) -> bool:
    k = i - 1
    while k >= 0 and tokens[k].text in _OPENERS:
        k -= 1
    if k < 0:
        return True
    if "\n" in text[tokens[k].end:tokens[i].start]:
        return True
    return tokens[k].text in _SENTENCE_END


def _skip_token(tokens: list[Token], text: str, lm):
    """Tokens never rewritten: names, acronyms, numbers, mixed case, capitalised words mid-sentence."""
    def skip(i: int) -> bool:
        t = tokens[i]
        if not t.is_word:
            return False
        w = t.text
        if any(ch.isupper() for ch in w[1:]):
            return True
        if w[0].isupper():
            if not _sentence_initial(tokens, text, i):
                return True
            if lm.capitalised_share(lm_form(w)) > 0.5:
                return True
        return False
    return skip


def _contexts(tokens: list[Token], text: str, ids: list[int]):
    """For each token: up to two ids before it on its line (BOS-led at a line start), and the line's id."""
    line_of = []
    line = 0
    for k, t in enumerate(tokens):
        if k and "\n" in text[tokens[k - 1].end:t.start]:
            line += 1
        line_of.append(line)
    return line_of


def score_document(text: str, params: SpinParams = SpinParams()) -> tuple[list[Scored], float]:
    """Every span with candidates, scored; and the document's estimated spin rate π."""
    tokens = tokenize(text)
    if not tokens:
        return [], 0.0
    lm = model()
    ids = [lm.word_id(t.norm) for t in tokens]
    line_of = _contexts(tokens, text, ids)
    proposals = propose(text, tokens, _skip_token(tokens, text, lm))
    if not proposals:
        return [], 0.0

    def left(i: int) -> list[int]:
        out = [ids[k] for k in range(max(0, i - 2), i) if line_of[k] == line_of[i]]
        return out if len(out) == 2 else [BOS] + out

    def right(j: int) -> list[int]:
        return [ids[k] for k in range(j + 1, min(len(tokens), j + 3)) if line_of[k] == line_of[j]]

    # group proposals by span; adjust a/an before the span to fit each candidate
    groups: dict[tuple[int, int], list[tuple[Proposal, int, str]]] = {}
    for p in proposals:
        first, new = p.span.first, p.new
        prev = tokens[first - 1] if first else None
        if prev is not None and prev.text.lower() in ("a", "an") and line_of[first - 1] == line_of[first]:
            art = article_for(new)
            if art != prev.text.lower():
                gap = text[prev.end:p.span.start]
                new = carry_case(prev.text, art) + gap + new
                first -= 1
        groups.setdefault((first, p.span.last), []).append((p, first, new))

    windows, firsts, meta = [], [], []
    for (first, last), items in groups.items():
        ctx_l, ctx_r = left(first), right(last)
        spun_ids = ids[first:last + 1]
        windows.append(ctx_l + spun_ids + ctx_r)
        firsts.append(len(ctx_l))
        kept = []
        for p, f, new in items[: params.max_candidates]:
            cid = [lm.word_id(lm_form(w)) for w in _words(new)]
            if UNK in cid:
                continue
            windows.append(ctx_l + cid + ctx_r)
            firsts.append(len(ctx_l))
            kept.append((p, new, len(cid) - len(spun_ids)))
        meta.append((first, last, kept))
    scores = lm.score_windows(windows, firsts)

    out: list[Scored] = []
    flag_bonus = dict(params.flag_bonus)
    pos = 0
    for first, last, kept in meta:
        base = scores[pos]
        pos += 1
        cands, gains = [], []
        for p, new, dlen in kept:
            gain = float(scores[pos] - base)
            pos += 1
            channel = -params.channel_weight * math.log(max(p.degree, 1))
            channel += max((b for f, b in flag_bonus.items() if p.flags & f), default=0.0)
            channel -= params.length_penalty * abs(dlen)
            cands.append((new, gain + channel))
            gains.append(gain)
        if not cands:
            continue
        order = sorted(range(len(cands)), key=lambda k: -cands[k][1])
        start, end = tokens[first].start, tokens[last].end
        out.append(Scored(start, end, first, last, text[start:end],
                          [cands[k] for k in order], [gains[k] for k in order]))
    pi = _estimate_rate(out, params, n_opportunities=sum(1 for t in tokens if t.is_word))
    _set_confidence(out, pi)
    return out, pi


_WORD = __import__("re").compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*|\d+(?:[.,]\d+)*|[^\w\s]|_")


def _words(s: str) -> list[str]:
    return _WORD.findall(s)


def _posteriors(lo: np.ndarray, logit_pi: float) -> np.ndarray:
    """Posterior of each candidate given its log odds and the prior log odds of a spin."""
    z = lo + logit_pi
    m = max(0.0, float(z.max()))
    e = np.exp(z - m)
    return e / (math.exp(-m) + e.sum())


def _estimate_rate(scored: list[Scored], params: SpinParams, n_opportunities: int) -> float:
    """EM for π: expected spins among the document's non-overlapping spans, under a Beta prior."""
    if not scored or not n_opportunities:
        return 0.0
    los = [np.array([c[1] for c in s.cands]) for s in scored]
    pi = params.prior_a / (params.prior_a + params.prior_b)
    for _ in range(params.em_rounds):
        logit = math.log(pi / (1 - pi))
        spin_p = [float(_posteriors(lo, logit).sum()) for lo in los]
        taken, expected = set(), 0.0
        for k in sorted(range(len(scored)), key=lambda k: -spin_p[k]):
            toks = set(range(scored[k].first, scored[k].last + 1))
            if toks & taken:
                continue
            taken |= toks
            expected += spin_p[k]
        pi = (expected + params.prior_a) / (n_opportunities + params.prior_a + params.prior_b)
        pi = min(max(pi, 1e-6), 0.5)
    return pi


def _set_confidence(scored: list[Scored], pi: float) -> None:
    logit = math.log(pi / (1 - pi)) if pi > 0 else -50.0
    for s in scored:
        post = _posteriors(np.array([c[1] for c in s.cands]), logit)
        s.posteriors = post.tolist()
        s.confidence = float(post[0])


def suggest(text: str, params: SpinParams = SpinParams(), top: int = 5) -> tuple[list[Change], float]:
    """Best-first, non-overlapping spin suggestions (every confidence; the caller thresholds)."""
    scored, pi = score_document(text, params)
    changes, taken = [], set()
    for s in sorted(scored, key=lambda s: -s.confidence):
        toks = set(range(s.first, s.last + 1))
        if toks & taken or s.confidence < 0.01:
            continue
        taken |= toks
        new = s.cands[0][0]
        ranked = tuple(Candidate(c[0], p) for c, p in zip(s.cands[:top], s.posteriors[:top]))
        reason = (f"context favours {new!r} over {s.old!r} by {s.gains[0]:+.1f} nats; "
                  f"document spin rate {pi:.2f}")
        changes.append(Change(s.start, s.end, s.old, new, "spin.thesaurus", s.confidence, ranked, reason))
    changes.sort(key=lambda c: c.start)
    return changes, pi
