#!/usr/bin/env python3
"""`repair eval` on SpinBot articles the spin lexicon has not learned from (leave one article out).

    python benchmarks/unseen_eval.py                       # ../shared/data/spinbot_dev.jsonl
    python benchmarks/unseen_eval.py PAIRS.jsonl --paragraphs --format json
    python benchmarks/unseen_eval.py --examples 10         # ... and what was lost, stage by stage

The dev pairs come from a few articles (told apart at their heading lines, as scripts/train_spin.py
does). For each article, the SpinBot lexicon is learned again from the other articles' pairs (the
recipe of scripts/build_lexicons.py: `repair.learn`, chains resolved) and joined to the bundled
tortured-phrase list and its word swaps; the article is then repaired with that channel and the
shipped decision model, as one document (`--paragraphs`: each paragraph on its own, as `repair eval`
does). The report is `repair eval`'s: every threshold, the engine's default rule (`gate`), the rules,
where each spinner edit stands (restored, below the threshold, ranked lower, ..., not among the
candidates) and the document score.

Unseen for the lexicon, not quite for the decision model: the shipped model was trained on these
articles' events too (each with a lexicon that had not seen it, the same cross-fitting as here), so
the figures are a little better than those of a text the model has never seen. scripts/train_spin.py
retrains the model without each article as well ("SpinBot unseen" in lexicons/README.md, 0.1505
with the gate); this script gives the same kind of figure in seconds, with the breakdown. The two
reversals are not measured alike: train_spin.py's on whitespace-separated words, this one's on
`repair eval`'s tokens (punctuation and case as `repair eval` compares them).

The last line is a summary: UNSEEN articles=... pairs=... edits=... gate_reversal=... ...
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from repair import evaluate, spin
from repair.candidates import Channel
from scripts.train_spin import dev_articles, join, other_lexicons, unseen_channel


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("pairs", type=Path, nargs="?", default=ROOT.parent / "shared" / "data" / "spinbot_dev.jsonl",
                    help="aligned SpinBot pairs, JSONL (default: the dev pairs in ../shared)")
    ap.add_argument("--paragraphs", action="store_true",
                    help="repair each paragraph on its own instead of each article as one document")
    ap.add_argument("--format", choices=("text", "json"), default="text")
    ap.add_argument("--examples", type=int, default=0, metavar="N",
                    help="also list the first N unrestored spinner edits of each stage")
    args = ap.parse_args()
    if not args.pairs.exists():
        sys.exit(f"unseen_eval: {args.pairs} not found (a developer's checkout has it in ../shared/data)")
    articles = dev_articles(args.pairs)
    if len(articles) < 2:
        sys.exit(f"unseen_eval: {args.pairs} holds {len(articles)} article(s); leaving one out needs two")
    others = other_lexicons()
    pairs: list[evaluate.Pair] = []
    channel_of: dict[str, Channel] = {}  # every text to repair -> the channel that has not seen its article
    for g, article in enumerate(articles):
        channel = unseen_channel(articles, g, others)
        rows = [(r["original"], r["spun"]) for r in article]
        if not args.paragraphs:
            rows = [(join([o for o, _ in rows]), join([s for _, s in rows]))]
        for original, spun in rows:
            pairs.append(evaluate.Pair(original, spun, line=len(pairs) + 1))
            channel_of[original] = channel_of[spun] = channel

    def run(text: str) -> tuple[list, float]:
        ev = spin.score_document(text, channel=channel_of[text])
        return spin.decisions(ev), spin.spin_score(ev)

    engine, scorer = evaluate.one_pass(run)
    report = evaluate.evaluate(pairs, engine=engine, scorer=scorer, gate=True,
                               examples=args.examples,
                               source=f"{args.pairs} ({len(articles)} articles, each unseen by the lexicon)")
    if args.format == "json":
        print(json.dumps(report.to_dict(), indent=2))
    else:
        print(evaluate.render_text(report), end="")
        g = report.gated
        print(f"UNSEEN articles={len(articles)} pairs={report.pairs} edits={report.edits} "
              f"gate_reversal={g.reversal:.4f} gate_precision={g.precision:.3f} "
              f"gate_false_per_1k={g.false_per_1k:.2f} restored={report.stages['restored']}")


if __name__ == "__main__":
    main()
