#!/usr/bin/env python3
"""Tune the spin scorer's few parameters on text its tables have never seen.

    python scripts/tune_spin.py --shared ../shared [--paragraphs 600]

Data (none of it the gold annotations, none of it Wikinews):
  * held-out Wikipedia paragraphs (every 500th, left out of the n-gram counts by
    build_ngrams.py): half are spun by a synthetic thesaurus spinner (each eligible
    word replaced with probability 0.2 by a random synonym whose list holds it,
    re-inflected), half stay clean;
  * the original paragraphs of shared/data/spinbot_dev.jsonl, as more clean text.
Evidence is computed once per paragraph; each parameter setting only re-decides.
Prints, per setting: synthetic restored / wrong / false edits per 1k clean words.
"""
from __future__ import annotations

import argparse
import itertools
import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from repair import spin  # noqa: E402
from repair.changes import apply_changes  # noqa: E402
from repair.candidates import MOBY_FWD, WN_SYN, _forms, inflect_term, thesaurus  # noqa: E402
from repair.lm import model  # noqa: E402
from repair.tokens import tokenize  # noqa: E402
from scripts.build_ngrams import corpus_lines  # noqa: E402


def heldout(shared: Path, every: int, n: int) -> list[str]:
    out = []
    for k, line in enumerate(corpus_lines(shared)):
        if k % every == every - 1 and 40 <= len(line.split()) <= 250:
            out.append(line.strip())
            if len(out) >= n:
                break
    return out


def forward_map():
    """original -> spun single words a thesaurus spinner could choose (Moby forward or WordNet)."""
    th = thesaurus()
    fwd: dict[str, list[str]] = {}
    for i, term in enumerate(th.terms):
        if " " in term:
            continue
        for k in range(th.offsets[i], th.offsets[i + 1]):
            if int(th.flags[k]) & (MOBY_FWD | WN_SYN):
                fwd.setdefault(th.terms[int(th.orig[k])], []).append(term)
    return fwd


def spin_text(text: str, fwd, rng: random.Random, rate: float = 0.2):
    lm = model()
    pieces, pos, gold = [], 0, {}
    for t in tokenize(text):
        w = t.text
        if not (w.isalpha() and w.islower()) or rng.random() > rate:
            continue
        forms = _forms(w)
        lemma, tag = forms[0] if forms else (w, None)
        # a spinner's synonym lists are curated: it picks among the original's commonest synonyms
        syns = sorted((s for s in fwd.get(lemma, ()) if lm.zipf(s) >= 2.5), key=lambda s: -lm.count(s))[:8]
        if not syns:
            continue
        s = rng.choice(syns)
        new = inflect_term(s, tag) if tag else s
        if not new or new == w:
            continue
        pieces.append(text[pos:t.start])
        gold[sum(map(len, pieces))] = (new, w)
        pieces.append(new)
        pos = t.end
    pieces.append(text[pos:])
    return "".join(pieces), gold


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared")
    ap.add_argument("--paragraphs", type=int, default=600)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    t0 = time.time()
    paras = heldout(args.shared, 500, args.paragraphs)
    fwd = forward_map()
    spun_docs, clean_docs = [], []
    for k, p in enumerate(paras):
        if k % 2 == 0:
            text, gold = spin_text(p, fwd, rng)
            spun_docs.append((text, gold))
        else:
            clean_docs.append(p)
    dev = args.shared / "data" / "spinbot_dev.jsonl"
    clean_docs += [json.loads(line)["original"] for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]

    def prepare(text):
        toks = tokenize(text)
        scored, block_of = spin.evidence(text, toks, spin.SpinParams().max_options)
        return text, toks, scored, block_of

    spun_ev = [(prepare(t), g) for t, g in spun_docs]
    pairs = [json.loads(line) for line in dev.read_text(encoding="utf-8").splitlines() if line.strip()]
    pair_ev = [(prepare(r["spun"]), r["original"]) for r in pairs]
    clean_ev = [prepare(t) for t in clean_docs]
    clean_words = sum(sum(1 for t in c[1] if t.is_word) for c in clean_ev)
    n_gold = sum(len(g) for _, g in spun_docs)
    print(f"{len(spun_ev)} spun paragraphs ({n_gold} spins), {len(clean_ev)} clean ({clean_words} words); "
          f"evidence in {time.time() - t0:.0f}s", file=sys.stderr)

    grid = dict(gain_scale=[0.5, 0.7, 1.0], channel_weight=[0.0, 0.3, 0.6], rarity_weight=[0.0, 0.3, 0.6],
                threshold=[0.5, 0.7, 0.9])
    results = []
    for values in itertools.product(*grid.values()):
        cfg = dict(zip(grid, values))
        thr = cfg.pop("threshold")
        params = spin.SpinParams(**cfg)
        ok = wrong = false = 0
        for (text, toks, scored, block_of), gold in spun_ev:
            pi = spin.decide_rates(scored, params, toks, block_of)
            for c in spin.decisions(scored, pi, floor=thr):
                g = gold.get(c.start)
                if g and c.end - c.start == len(g[0]):
                    ok += c.new.lower() == g[1]
                    wrong += c.new.lower() != g[1]
                else:
                    false += 1
        fp = 0
        for text, toks, scored, block_of in clean_ev:
            pi = spin.decide_rates(scored, params, toks, block_of)
            fp += len(spin.decisions(scored, pi, floor=thr))
        before = after = 0
        for (text, toks, scored, block_of), original in pair_ev:
            pi = spin.decide_rates(scored, params, toks, block_of)
            fixed = apply_changes(text, spin.decisions(scored, pi, floor=thr))
            o = words(original)
            before += edit_distance(words(text), o)
            after += edit_distance(words(fixed), o)
        rev = 1 - after / before
        results.append((ok / n_gold, wrong, false, 1000 * fp / clean_words, rev, cfg, thr))
    results.sort(key=lambda r: (r[3] > 0.2, -(r[0] + r[4])))
    for r in results[:30]:
        print(f"restored {r[0]:.3f} wrong {r[1]} false-in-spun {r[2]} clean/1k {r[3]:.2f} "
              f"spinbot reversal {r[4]:.3f}  {r[5]} thr={r[6]}")


def words(text: str) -> list[str]:
    return [t.text.lower() for t in tokenize(text)]


def edit_distance(a: list[str], b: list[str]) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, y in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y))
        prev = cur
    return prev[-1]


if __name__ == "__main__":
    main()
