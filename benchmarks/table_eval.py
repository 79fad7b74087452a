#!/usr/bin/env python3
"""Restoration of a synthetic *table* spinner's output: clean documents are spun, then repaired.

    python benchmarks/table_eval.py ../shared/data/clean_news_wikinews
    python benchmarks/table_eval.py ../shared/data/clean_news_wikinews --spinner thesaurus --limit 100 -v

A table spinner keeps one synonym per word and uses it wherever the word stands ("war" ->
"warfare" all through the text), choosing common synonyms more often (scripts/train_spin.py,
`Spinner.table_spin`: a quarter of the words by lemma, a tenth of their occurrences left alone;
Moby forward and WordNet synonyms). `--spinner thesaurus` uses the training's uniform spinner
instead (15% of the words, each occurrence on its own). Each spun document is repaired on its
own, as `repair fix FILE` would.

Counted per spun word: restored (an edit over it gives the original wording back), wrong (an
edit over it gives something else), missed. Edits that touch no spun word are false edits
(per 1k words). The last line is a summary: TABLE docs=... spins=... restored=... wrong=...
false=... false_per_1k=...

The documents are clean text the engine was not trained on (the decision model trains on
held-out Wikipedia only); with the seed fixed, the spins are the same on every run.
"""
from __future__ import annotations

import argparse
import bisect
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import repair
from scripts.train_spin import TABLE_MISS_RATE, TABLE_TYPE_RATE, Spinner, _norm, forward_map, original_wording


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder", type=Path, help="a folder of clean .txt documents")
    ap.add_argument("--spinner", choices=("table", "thesaurus"), default="table")
    ap.add_argument("--limit", type=int, default=0, help="the first N documents only (0: all)")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--min-confidence", type=float, default=None,
                    help="one threshold for every document (default: the engine's, with its document gate)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    files = sorted(args.folder.glob("*.txt"))
    if args.limit:
        files = files[:args.limit]
    if not files:
        sys.exit(f"table_eval: no .txt documents in {args.folder}")
    spinner = Spinner(forward_map(), {}, random.Random(args.seed))
    docs = words = spins = restored = wrong = false = 0
    for f in files:
        clean = f.read_text(encoding="utf-8")
        s = spinner.table_spin(clean, TABLE_TYPE_RATE, TABLE_MISS_RATE) if args.spinner == "table" \
            else spinner.spin(clean, 0.15, 0.0)
        opts = {} if args.min_confidence is None else {"min_confidence": args.min_confidence}
        changes = repair.fix_and_explain(s.text, **opts).changes
        starts = sorted(s.gold)
        docs += 1
        words += sum(1 for w in s.text.split() if any(ch.isalnum() for ch in w))
        spins += len(s.gold)
        for c in changes:
            k = bisect.bisect_left(starts, c.start)
            inside = 0
            while k < len(starts) and starts[k] < c.end:
                inside += 1
                k += 1
            crossing = bisect.bisect_right(starts, c.start) - 1
            if crossing >= 0 and starts[crossing] < c.start < s.gold[starts[crossing]][0]:
                inside += 1
            if not inside:
                false += 1
                verdict = "false"
            elif (orig := original_wording(s.text, s.gold, starts, c.start, c.end)) is not None \
                    and _norm(c.new) == orig:
                restored += inside
                verdict = "restored"
            else:
                wrong += inside
                verdict = "wrong"
            if args.verbose:
                print(f"{f.name}: {c.old!r} -> {c.new!r} ({c.confidence:.2f}) {verdict}")
    per_1k = 1000 * false / max(words, 1)
    print(f"{docs} documents, {words} words, {spins} spun words: {restored} restored "
          f"({100 * restored / max(spins, 1):.1f}%), {wrong} wrongly replaced, {false} false edits "
          f"({per_1k:.2f} per 1k words)")
    print(f"TABLE docs={docs} spins={spins} restored={restored} wrong={wrong} false={false} "
          f"false_per_1k={per_1k:.2f}")


if __name__ == "__main__":
    main()
