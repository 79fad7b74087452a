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

from .data import load_lines, map_npz

__all__ = ["ContextModel", "model", "BOS", "UNK"]

BOS, UNK = 0, 1
ALPHA = 0.4


class ContextModel:
    def __init__(self) -> None:
        # the arrays are mapped, not read: counts are read where looked up (and become float64 there)
        z = map_npz("ngrams.npz")
        self.bits, self.total = (int(x) for x in z["meta"])
        self.vocab = tuple(load_lines("vocab.txt"))  # a tuple of strings: nothing for the GC to walk
        self.index = dict(zip(self.vocab, range(len(self.vocab))))
        self._term_ids: dict[str, tuple[int, ...] | None] = {}
        self.uni = np.array(z["unigram_counts"], dtype=np.float64)
        self.cap_permille = z["capitalised_permille"] if "capitalised_permille" in z else None
        self.bi_keys = _prefix_sum(z["bigram_key_delta"])
        self.bi_counts = z["bigram_counts"]
        self.tri_keys = _prefix_sum(z["trigram_key_delta"])
        self.tri_counts = z["trigram_counts"]
        # a paragraph start is a context, never a prediction: its count is the number of bigrams it opens
        lo, hi = np.searchsorted(self.bi_keys, [0, 1 << self.bits])
        self.uni[BOS] = np.asarray(self.bi_counts[lo:hi], dtype=np.float64).sum()
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
        if term.isalpha() and term.lower() == term:  # one plain word: its own lm form, one token
            ids = (self.index.get(term, UNK),)
        else:
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
        return _find(keys, counts, q.ravel()).reshape(q.shape)

    def bigram_counts(self, keys: np.ndarray) -> np.ndarray:
        """Corpus counts of bigram keys ``(a << bits) | b`` (any shape; 0 where never counted)."""
        return self._lookup(self.bi_keys, self.bi_counts, np.asarray(keys, dtype=np.int64))

    def pair_counts(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Corpus counts of the word pairs (a, b) (arrays of ids), and where both ids are present (>= 0);
        a pair with an absent id counts as its present ids' pair would, so mask it with the second array."""
        ok = (a >= 0) & (b >= 0)
        return self.bigram_counts((np.maximum(a, 0) << self.bits) | np.maximum(b, 0)), ok

    def unseen_pairs(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """1.0 where both ids are present (>= 0) and the bigram (a, b) was never counted, else 0.0."""
        counts, ok = self.pair_counts(a, b)
        return (ok & (counts == 0)).astype(np.float64)

    def token_logprobs(self, u: np.ndarray, v: np.ndarray, w: np.ndarray) -> np.ndarray:
        """log S(w | u v) for arrays of ids; u or v may be -1 (no context). Every bigram of a call
        is looked up at once, and so is every trigram."""
        b = self.bits
        has_v = v >= 0
        has_uv = has_v & (u >= 0)
        uu, vv = np.maximum(u, 0), np.maximum(v, 0)
        # only present contexts are looked up; absent ones count 0
        q_uv = ((uu << b) | vv)[has_uv]
        q_vw = ((vv << b) | w)[has_v]
        bi = self._lookup(self.bi_keys, self.bi_counts, np.concatenate([q_uv, q_vw]))
        c_uv = np.zeros(len(w))
        c_uv[has_uv] = bi[:len(q_uv)]
        c_vw = np.zeros(len(w))
        c_vw[has_v] = bi[len(q_uv):]
        need = has_uv & (c_uv > 0) & (c_vw > 0)  # the only trigrams the tables can hold (see _score_rows)
        c_uvw = np.zeros(len(w))
        c_uvw[need] = self._lookup(self.tri_keys, self.tri_counts, ((uu << 2 * b) | (vv << b) | w)[need])
        return np.log(self._estimate(uu, vv, w, has_v, c_uv, c_vw, c_uvw))

    def _estimate(self, u: np.ndarray, v: np.ndarray, w: np.ndarray, has_v: np.ndarray, c_uv: np.ndarray,
                  c_vw: np.ndarray, c_uvw: np.ndarray) -> np.ndarray:
        """S(w | u v) from the counts of the context pair, the last pair and the trigram (0 where
        absent or not counted; ``u``, ``v`` are ids >= 0, ``has_v`` where ``v`` is a context)."""
        c_v = np.where(has_v, self.uni[v], 0.0)
        p = self.p_uni[w] * ALPHA * ALPHA
        p = np.where((c_vw > 0) & (c_v > 0), ALPHA * c_vw / np.maximum(c_v, 1.0), p)
        p = np.where((c_uvw > 0) & (c_uv > 0), c_uvw / np.maximum(c_uv, 1.0), p)
        return np.minimum(p, 1.0)

    def score_rows(self, seq: np.ndarray, first: int = 2) -> np.ndarray:
        """Score each row of ``seq`` (ids, -1 where absent) from column ``first`` on.

        Columns before ``first`` are context only; a BOS cuts the context before it."""
        return self._score_rows(seq, first)[0]

    def _score_rows(self, seq: np.ndarray, first: int = 2,
                    with_pairs: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """``score_rows``, and with ``with_pairs`` the bigram count of every adjacent pair of
        columns from ``first - 2`` on: ``pairs[r, j]`` is the count of (seq[r, first-2+j],
        seq[r, first-1+j]), 0.0 where either id is absent (-1). Every scored position of every
        column is looked up at once; each row's log-probabilities are then added column by column,
        in the same order as one column at a time."""
        n, width = seq.shape
        total = np.zeros(n)
        if with_pairs and (first < 2 or width <= first):
            raise ValueError("pairs are given for rows with two context columns and a scored column")
        if first < 2:  # a context column before the first would wrap around; keep the plain loop
            for j in range(first, width):
                w = seq[:, j]
                ok = w >= 0
                if not ok.any():
                    continue
                v = seq[ok, j - 1]
                u = np.where(v == BOS, -1, seq[ok, j - 2])
                total[ok] += self.token_logprobs(u, v, w[ok])
            return total, None
        if width <= first or n == 0:
            return total, (np.zeros((0, width - first + 1)) if with_pairs else None)
        if n > _CHUNK_ROWS:  # rows are independent: score them a block at a time (bounded memory)
            parts = []
            for lo in range(0, n, _CHUNK_ROWS):
                part, c = self._score_rows(seq[lo:lo + _CHUNK_ROWS], first, with_pairs)
                total[lo:lo + _CHUNK_ROWS] = part
                parts.append(c)
            return total, (np.concatenate(parts) if with_pairs else None)
        # every adjacent pair (seq[j-1], seq[j]) from column first-1 on is a bigram the scores need:
        # position j's (v, w) and position j+1's (u, v); each is looked up once, and so is a run of
        # rows asking for the same pair (rows of one span share their context)
        b = self.bits
        A = seq[:, first - 2:width - 1]
        B = seq[:, first - 1:]
        has_pair = (A >= 0) & (B >= 0)
        Q = np.where(has_pair, (np.maximum(A, 0) << b) | np.maximum(B, 0), -1)
        head = np.ones(Q.shape, dtype=bool)
        np.not_equal(Q[1:], Q[:-1], out=head[1:])
        ask = head & has_pair
        at = np.zeros(Q.shape)
        at[ask] = self._lookup(self.bi_keys, self.bi_counts, Q[ask])
        # each row takes the value of its run's first row
        run = np.where(head, np.arange(n)[:, None], 0)
        np.maximum.accumulate(run, axis=0, out=run)
        bi = np.where(has_pair, at[run, np.arange(Q.shape[1])], 0.0)
        # the scored positions, flattened
        W = seq[:, first:]
        ok = W >= 0
        w = W[ok]
        v = seq[:, first - 1:width - 1][ok]
        u = np.where(v == BOS, -1, seq[:, first - 2:width - 2][ok])
        has_v = v >= 0
        has_uv = has_v & (u >= 0)
        c_vw = np.where(has_v, bi[:, 1:][ok], 0.0)
        c_uv = np.where(has_uv, bi[:, :-1][ok], 0.0)
        # a trigram is counted only where both its word pairs are (the tables keep every trigram's
        # two bigrams, with counts at least its own: tests/test_lexicons.py), so only those are looked up
        need = has_uv & (c_uv > 0) & (c_vw > 0)
        c_uvw = np.zeros(len(w))
        c_uvw[need] = self._lookup(self.tri_keys, self.tri_counts,
                                   (u[need] << 2 * b) | (v[need] << b) | w[need])
        p = self._estimate(np.maximum(u, 0), np.maximum(v, 0), w, has_v, c_uv, c_vw, c_uvw)
        LP = np.zeros(W.shape)
        LP[ok] = np.log(p)
        for j in range(W.shape[1]):
            total += LP[:, j]  # + 0.0 where a row has no token: exact
        return total, (bi if with_pairs else None)

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


_CHUNK_ROWS = 16384  # rows scored at a time by _score_rows
_STRIDE = 16  # keys per block of the sampled index
_SAMPLES: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # id(keys) -> (keys, every _STRIDE-th key)


def _sample(keys: np.ndarray) -> np.ndarray:
    entry = _SAMPLES.get(id(keys))
    if entry is None or entry[0] is not keys:
        if len(_SAMPLES) >= 8:
            _SAMPLES.clear()
        entry = _SAMPLES[id(keys)] = (keys, keys[::_STRIDE].copy())
    return entry[1]


def _find(keys: np.ndarray, counts: np.ndarray, q: np.ndarray) -> np.ndarray:
    """counts[i] where keys[i] == q, else 0.0, for a 1-d array of queries.

    Distinct queries are looked up in increasing order: first in a sample of every 16th key
    (small enough to stay in the CPU cache), then within their block of 16 keys, so each one
    touches the big table in one or two places."""
    if len(q) == 0:
        return np.zeros(0)
    order = np.argsort(q)
    s = q[order]
    new = np.empty(len(s), dtype=bool)
    new[0] = True
    np.not_equal(s[1:], s[:-1], out=new[1:])
    uq = s[new]
    n = len(keys)
    if n < 4096:  # a small table: a plain binary search
        pos = np.minimum(np.searchsorted(keys, uq), n - 1)
        found = np.where(keys[pos] == uq, counts[pos], 0.0)
        out = np.empty(len(q))
        out[order] = found[np.cumsum(new) - 1]
        return out
    block = np.searchsorted(_sample(keys), uq, side="right") - 1  # last block whose first key <= q
    lo = np.maximum(block, 0) * _STRIDE
    step = _STRIDE >> 1
    while step:  # the last index in the block whose key is <= q
        c = np.minimum(lo + step, n - 1)
        lo = np.where(keys[c] <= uq, c, lo)
        step >>= 1
    hit = (keys[lo] == uq) & (block >= 0)
    found = np.zeros(len(uq))
    found[hit] = counts[lo[hit]]  # counts may be a mapped (unaligned) array: read only the hits
    out = np.empty(len(q))
    out[order] = found[np.cumsum(new) - 1]
    return out


def _prefix_sum(delta: np.ndarray) -> np.ndarray:
    """Sorted keys from their stored deltas (keys < 2**60, so int64 holds them)."""
    return np.cumsum(delta.view(np.int64))


@functools.lru_cache(maxsize=1)
def model() -> ContextModel:
    return ContextModel()
