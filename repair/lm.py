"""The context model: P(w | u, v) from Wikipedia n-gram counts.

Keys are word ids packed into one integer (``BITS`` bits each), kept sorted so a
whole document's look-ups are one ``numpy.searchsorted`` per table. Estimates use
stupid backoff (Brants et al., 2007): the relative trigram frequency where the
trigram was seen, else ``ALPHA`` times the bigram estimate, else ``ALPHA**2`` times
the unigram estimate. Scores are for *ranking* word sequences that differ in one
span; they are not normalised probabilities.
"""
from __future__ import annotations

import functools
from typing import Sequence

import numpy as np

from .data import load_lines, load_npz

__all__ = ["ContextModel", "model", "BOS", "UNK"]

BOS, UNK = 0, 1
ALPHA = 0.4


class ContextModel:
    def __init__(self) -> None:
        z = load_npz("ngrams.npz")
        self.bits, self.total = (int(x) for x in z["meta"])
        self.vocab = load_lines("vocab.txt")
        self.index = {w: i for i, w in enumerate(self.vocab)}
        self._term_ids: dict[str, tuple[int, ...] | None] = {}
        self.uni = z["unigram_counts"].astype(np.float64)
        self.cap_permille = z["capitalised_permille"] if "capitalised_permille" in z else None
        self.bi_keys = _prefix_sum(z["bigram_key_delta"])
        self.bi_counts = z["bigram_counts"].astype(np.float64)
        self.tri_keys = _prefix_sum(z["trigram_key_delta"])
        self.tri_counts = z["trigram_counts"].astype(np.float64)
        # a paragraph start is a context, never a prediction: its count is the number of bigrams it opens
        lo, hi = np.searchsorted(self.bi_keys, [0, 1 << self.bits])
        self.uni[BOS] = self.bi_counts[lo:hi].sum()
        self.log_unk = float(np.log(0.5 / self.total))
        self.p_uni = (self.uni + 0.5) / (self.total + 0.5 * len(self.vocab))
        self.p_uni[BOS] = 1.0

    # ------------------------------------------------------------------ ids
    def word_id(self, w: str) -> int:
        return self.index.get(w, UNK)

    def count(self, w: str) -> float:
        i = self.index.get(w)
        return 0.0 if i is None else float(self.uni[i])

    def zipf(self, w: str) -> float:
        """log10 of occurrences per billion words, as wordfreq reports it (0 when unseen)."""
        c = self.count(w)
        return float(np.log10(c * 1e9 / self.total)) if c else 0.0

    def capitalised_share(self, w: str) -> float:
        i = self.index.get(w)
        if i is None or self.cap_permille is None:
            return 0.0
        return float(self.cap_permille[i]) / 1000.0

    def term_ids(self, term: str) -> tuple[int, ...] | None:
        """Ids of a term's tokens, or None when the model does not know one of them (memoised:
        the same originals recur under many spun keys)."""
        try:
            return self._term_ids[term]
        except KeyError:
            pass
        from .tokens import TOKEN_RE, lm_form

        ids = tuple(self.index.get(lm_form(t), UNK) for t in TOKEN_RE.findall(term))
        if len(self._term_ids) > 500_000:
            self._term_ids.clear()
        out = self._term_ids[term] = None if not ids or UNK in ids else ids
        return out

    def freq(self, ids: tuple[int, ...]) -> float:
        return float(min(self.uni[i] for i in ids))

    # ------------------------------------------------------------------ scoring
    @staticmethod
    def _lookup(keys: np.ndarray, counts: np.ndarray, q: np.ndarray) -> np.ndarray:
        if len(keys) == 0 or len(q) == 0:
            return np.zeros(len(q))
        # sorted, distinct queries walk the table in order: many times faster than random probes
        uq, inverse = np.unique(q, return_inverse=True)
        pos = np.minimum(np.searchsorted(keys, uq), len(keys) - 1)
        return np.where(keys[pos] == uq, counts[pos], 0.0)[inverse.reshape(q.shape)]

    def unseen_pairs(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """1.0 where both ids are present (>= 0) and the bigram (a, b) was never counted, else 0.0."""
        ok = (a >= 0) & (b >= 0)
        q = (np.maximum(a, 0) << self.bits) | np.maximum(b, 0)
        return (ok & (self._lookup(self.bi_keys, self.bi_counts, q) == 0)).astype(np.float64)

    def token_logprobs(self, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
        """log S(w | u v) for arrays of ids; u or v may be -1 (no context)."""
        b = self.bits
        has_v = v >= 0
        has_uv = has_v & (u >= 0)
        uu, vv = np.maximum(u, 0), np.maximum(v, 0)
        c_uvw = np.where(has_uv, self._lookup(self.tri_keys, self.tri_counts, (uu << 2 * b) | (vv << b) | w), 0.0)
        c_uv = np.where(has_uv, self._lookup(self.bi_keys, self.bi_counts, (uu << b) | vv), 0.0)
        c_vw = np.where(has_v, self._lookup(self.bi_keys, self.bi_counts, (vv << b) | w), 0.0)
        c_v = np.where(has_v, self.uni[vv], 0.0)
        p = self.p_uni[w] * ALPHA * ALPHA
        p = np.where((c_vw > 0) & (c_v > 0), ALPHA * c_vw / np.maximum(c_v, 1.0), p)
        p = np.where((c_uvw > 0) & (c_uv > 0), c_uvw / np.maximum(c_uv, 1.0), p)
        p = np.minimum(p, 1.0)
        return np.log(p)

    def score_rows(self, seq: np.ndarray, first: int = 2) -> np.ndarray:
        """Score each row of ``seq`` (ids, -1 where absent) from column ``first`` on.

        Columns before ``first`` are context only; a BOS cuts the context before it."""
        n, width = seq.shape
        total = np.zeros(n)
        for j in range(first, width):
            w = seq[:, j]
            ok = w >= 0
            if not ok.any():
                continue
            v = seq[ok, j - 1]
            u = np.where(v == BOS, -1, seq[ok, j - 2])
            total[ok] += self.token_logprobs(u, v, w[ok])
        return total

    def score_windows(self, windows: Sequence[Sequence[int]], first: Sequence[int]) -> np.ndarray:
        """Sum of log S over positions ``first[k]..end`` of each id sequence ``windows[k]``.

        Positions before ``first`` are context only. A paragraph start (BOS) inside a
        window cuts the context: nothing before it conditions what follows."""
        us, vs, ws, owner = [], [], [], []
        for k, (seq, f) in enumerate(zip(windows, first)):
            for j in range(f, len(seq)):
                v = seq[j - 1] if j >= 1 else -1
                u = seq[j - 2] if j >= 2 and v != BOS else -1
                us.append(u)
                vs.append(v)
                ws.append(seq[j])
                owner.append(k)
        if not ws:
            return np.zeros(len(windows))
        lp = self.token_logprobs(np.array(us, dtype=np.int64), np.array(vs, dtype=np.int64),
                                 np.array(ws, dtype=np.int64))
        return np.bincount(np.array(owner), weights=lp, minlength=len(windows))


def _prefix_sum(delta: np.ndarray) -> np.ndarray:
    """Sorted keys from their stored deltas (keys < 2**60, so int64 holds them)."""
    keys = delta.view(np.int64)
    np.cumsum(keys, out=keys)
    return keys


@functools.lru_cache(maxsize=1)
def model() -> ContextModel:
    return ContextModel()
