#!/usr/bin/env python3
"""How well the context model alone *chooses*: the share of spun spans whose original ranks first.

    python benchmarks/choice_eval.py --shared ../shared
    python benchmarks/choice_eval.py --shared ../shared --news 40 --oracle-context
    python benchmarks/choice_eval.py --shared ../shared --estimator discounted

Only spans whose original wording is among the engine's candidates count (finding the original is
the channel's job, measured elsewhere). Their candidates are ranked by context gain alone, the
evidence that carries most of the decision model's weight (lexicons/spin_model.json,
``feature_gain_share``), with no decision model, threshold or gate. Three kinds of spun text:

* ``spinbot``: the SpinBot dev articles (shared/data/spinbot_dev.jsonl), each with a lexicon learned
  without it, as scripts/train_spin.py makes it (cross-fitted), labelled by token alignment;
* ``news-table``: the even-numbered Wikinews articles (shared/data/clean_news_wikinews, first
  ``--news``), spun by the synthetic table spinner of scripts/train_spin.py;
* ``news-thesaurus``: the same articles spun by its uniform thesaurus spinner (15% of the words).

Printed per kind: spans, top-1 (the original ranks first), MRR, and the share of spans where the
original scores above the spun wording at all. With ``--oracle-context`` every fifth spun span is
scored in a text where the other spun spans hold their originals (five passes cover them all), next to
the same spans in the spun text: how much the spinner's damage to the context costs the choice. With
``--estimator discounted`` the context model uses interpolated absolute discounting with Kneser-Ney
continuation unigrams (discounts ``--d2``, ``--d3``) instead of stupid backoff; an experiment, not the
engine's estimator (lexicons/README.md has what it measured).

The gold annotations are not read and nothing the engine ships is changed. One line per kind and
context: ``CHOICE kind=... context=spun|oracle-context estimator=... spans=N top1=... mrr=...
original_gains=...``.
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from repair import lm as lm_module  # noqa: E402
from repair import spin  # noqa: E402
from repair.tokens import tokenize  # noqa: E402
from scripts.train_spin import (TABLE_MISS_RATE, TABLE_TYPE_RATE, Spinner, _norm, alignment_gold,  # noqa: E402
                                dev_articles, forward_map, join, other_lexicons, unseen_channel)

PASSES = 5  # --oracle-context: every PASSES-th spun span is left spun in each pass


def documents(shared: Path, news: int):
    """(kind, spun text, channel, gold: spun start -> (end, original wording))."""
    others = other_lexicons()
    articles = dev_articles(shared / "data" / "spinbot_dev.jsonl")
    for g, art in enumerate(articles):
        spun_text, orig_text = join([r["spun"] for r in art]), join([r["original"] for r in art])
        yield "spinbot", spun_text, unseen_channel(articles, g, others), alignment_gold(orig_text, spun_text)
    files = sorted((shared / "data" / "clean_news_wikinews").glob("*.txt"))[0::2][:news]
    channel = spin.default_channel()
    fwd = forward_map()
    for kind, seed in (("news-table", 7), ("news-thesaurus", 8)):
        spinner = Spinner(fwd, {}, random.Random(seed))
        for f in files:
            clean = f.read_text(encoding="utf-8")
            s = spinner.table_spin(clean, TABLE_TYPE_RATE, TABLE_MISS_RATE) if kind == "news-table" \
                else spinner.spin(clean, 0.15, 0.0)
            yield kind, s.text, channel, s.gold


def restore_others(text: str, gold: dict[int, tuple[int, str]], keep: set[int]):
    """``text`` with every spun span not in ``keep`` put back to its original (its first letter's case
    kept), and the kept spans' gold at their new offsets."""
    out, pos, length, kept = [], 0, 0, {}
    for start in sorted(gold):
        end, orig = gold[start]
        out.append(text[pos:start])
        length += start - pos
        if start in keep:
            piece = text[start:end]
            kept[length] = (length + len(piece), orig)
        else:
            piece = orig[:1].upper() + orig[1:] if text[start:start + 1].isupper() else orig
        out.append(piece)
        length += len(piece)
        pos = end
    out.append(text[pos:])
    return "".join(out), kept


def tally(text: str, channel, gold: dict[int, tuple[int, str]], into: list[float]) -> None:
    """Add (spans, top-1, reciprocal rank, original gains) over the spans of ``gold`` that the engine
    proposes with the original among their candidates."""
    ev = spin.evidence(text, tokenize(text), channel)
    for s in ev.scored:
        g = gold.get(s.start)
        if not g or g[0] != s.end:
            continue
        cands = [_norm(c) for c in s.cands]
        if g[1] not in cands:
            continue
        k = cands.index(g[1])
        rank = int((s.gains > s.gains[k]).sum())
        into[0] += 1
        into[1] += rank == 0
        into[2] += 1.0 / (1 + rank)
        into[3] += s.gains[k] > 0


def use_discounted(d2: float, d3: float) -> None:
    """Replace the context model's estimator by interpolated absolute discounting (discount ``d2``
    for bigrams, ``d3`` for trigrams) over Kneser-Ney continuation unigrams. The tables are pruned,
    so each context's leftover mass is what its kept continuations leave of its count."""
    from repair.lm import _find

    base_init = lm_module.ContextModel.__init__

    def init(self) -> None:
        base_init(self)
        b, n = self.bits, len(self.uni)
        first = (self.bi_keys >> b).astype(np.int64)
        second = (self.bi_keys & ((1 << b) - 1)).astype(np.int64)
        counts = np.asarray(self.bi_counts, dtype=np.float64)
        self.kept2 = np.bincount(first, weights=counts, minlength=n)
        self.types2 = np.bincount(first, minlength=n).astype(np.float64)
        left = np.bincount(second, minlength=n).astype(np.float64)  # distinct words before each word
        self.p_cont = (left + 0.5) / (left.sum() + 0.5 * n)
        prefix = self.tri_keys >> b
        head = np.flatnonzero(np.concatenate([[True], prefix[1:] != prefix[:-1]]))
        self.ctx3 = prefix[head]
        self.kept3 = np.add.reduceat(np.asarray(self.tri_counts, dtype=np.float64), head)
        self.types3 = np.diff(np.concatenate([head, [len(prefix)]])).astype(np.float64)

    def estimate(self, u, v, w, has_v, c_uv, c_vw, c_uvw):
        c_v = np.where(has_v, self.uni[v], 0.0)
        low = self.p_cont[w]
        cv = np.maximum(c_v, 1.0)
        left2 = np.clip((c_v - self.kept2[v] + d2 * self.types2[v]) / cv, 1e-6, 1.0)
        p2 = np.where(c_v > 0, np.maximum(c_vw - d2, 0.0) / cv + left2 * low, low)
        seen = c_uv > 0
        q = ((u << self.bits) | v)[seen]
        kept, types = np.zeros(len(w)), np.zeros(len(w))
        kept[seen] = _find(self.ctx3, self.kept3, q)
        types[seen] = _find(self.ctx3, self.types3, q)
        cuv = np.maximum(c_uv, 1.0)
        left3 = np.clip((c_uv - kept + d3 * types) / cuv, 1e-6, 1.0)
        p3 = np.maximum(c_uvw - d3, 0.0) / cuv + left3 * p2
        return np.minimum(np.where(seen, p3, p2), 1.0)

    lm_module.ContextModel.__init__ = init
    lm_module.ContextModel._estimate = estimate
    lm_module.model.cache_clear()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--news", type=int, default=60, help="Wikinews articles to spin (default 60)")
    ap.add_argument("--oracle-context", action="store_true",
                    help="also score each spun span with the other spans restored")
    ap.add_argument("--estimator", choices=("backoff", "discounted"), default="backoff")
    ap.add_argument("--d2", type=float, default=0.75)
    ap.add_argument("--d3", type=float, default=1.0)
    args = ap.parse_args()
    if not (args.shared / "data" / "spinbot_dev.jsonl").exists():
        sys.exit(f"choice_eval: no shared data under {args.shared} (give --shared)")
    if args.estimator == "discounted":
        use_discounted(args.d2, args.d3)
    stats: dict[tuple[str, str], list[float]] = {}
    for kind, text, channel, gold in documents(args.shared, args.news):
        if not args.oracle_context:
            tally(text, channel, gold, stats.setdefault((kind, "spun"), [0, 0, 0.0, 0]))
            continue
        starts = sorted(gold)
        for k in range(PASSES):
            keep = set(starts[k::PASSES])
            tally(text, channel, {s: gold[s] for s in keep}, stats.setdefault((kind, "spun"), [0, 0, 0.0, 0]))
            restored, kept = restore_others(text, gold, keep)
            tally(restored, channel, kept, stats.setdefault((kind, "oracle-context"), [0, 0, 0.0, 0]))
    for (kind, context), (n, top1, rr, gains) in stats.items():
        n = max(n, 1)
        print(f"CHOICE kind={kind} context={context} estimator={args.estimator} spans={int(n)} "
              f"top1={top1 / n:.3f} mrr={rr / n:.3f} original_gains={gains / n:.3f}")


if __name__ == "__main__":
    main()
