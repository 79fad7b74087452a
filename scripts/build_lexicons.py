#!/usr/bin/env python3
"""Build the bundled spin lexicons (lexicons/spinbot.tsv, tortured.tsv, tortured_swaps.tsv).

    python scripts/build_lexicons.py --shared ../shared [--out lexicons]
    python scripts/build_lexicons.py --shared ../shared --compare-splits

spinbot.tsv is learned (repair.learn, min count 1) from the 80 aligned SpinBot
paragraphs in shared/data/spinbot_dev.jsonl.

tortured.tsv converts the Problematic Paper Screener list in
shared/data/tortured_phrases_dev.tsv:

* ``simple`` and ``simple_unverified`` rows become plain entries, ``and`` rows
  guarded ones (guard: the fingerprint's second term, which must occur elsewhere
  in the document); the other fingerprint kinds (NOT, proximity, OR) cannot be
  expressed and are skipped.
* The expected text loses its notes: (parenthesised) and [bracketed] remarks are
  removed, except that an acronym group the tortured phrase also carries
  ("web of things (iot)" -> "internet of things (iot)") is kept, and added when
  the expected text lacks it.  Rows are skipped when the expected text is
  uncertain ("?", "???"), gives alternatives ("a/b", "a or b"), names several
  terms ("differential equation AND 1st order"), is a list the tortured phrase
  is not, or still carries a note (quotes, "->", a URL).
* count = n_papers (1 when the list gives none).  weight = a confidence b spread
  over a key's originals in proportion to their counts: b = 1.0 when the
  expected text was used as it is, 0.9 when notes were removed from it, times
  0.8 for ``simple_unverified`` rows (derived list, no paper counts).
* Rows that normalise to the same pair are merged (count: the largest; an
  unguarded row wins over a guarded one).

tortured_swaps.tsv holds the word swaps inside tortured.tsv's phrase pairs of
equal length (repair.lexicon.word_swaps: "profound learning" -> "deep learning"
teaches profound -> deep), source ``word-swap``, so that a term the list has never
seen, with a word the spinner swaps the same way elsewhere, can still be restored.

The lexicons then lose the weakest entries that form chains or cycles
(repair.lexicon.resolve_chains) and must pass repair.lexicon.validate.  Output
is deterministic.  Counts are printed to stderr.
"""
from __future__ import annotations

import argparse
import csv
import difflib
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from repair.learn import Pair, learn_with_stats, read_jsonl
from repair.lexicon import (
    Entry,
    Lexicon,
    normalise,
    resolve_chains,
    validate,
    word_swaps,
    write_lexicon,
)
from repair.tokens import TOKEN_RE

SPINBOT_SOURCE = "spinbot-dev"
TORTURED_SOURCES = {"pps_export_hahuyhoang411": "pps-export",
                    "pps_derived_torturedcheck_lowercased": "pps-torturedcheck"}
PLAIN_KINDS = {"simple": 1.0, "simple_unverified": 0.8}
GUARDED_KIND = "and"
NOTES_REMOVED = 0.9


def log(message: str) -> None:
    print(message, file=sys.stderr)


# --------------------------------------------------------------------------- SpinBot

def build_spinbot(shared: Path, out: Path) -> None:
    pairs = read_jsonl(shared / "data" / "spinbot_dev.jsonl")
    learned, stats = learn_with_stats(pairs, min_count=1, source=SPINBOT_SOURCE)
    kept, removed = resolve_chains(learned)
    twice = sum(e.count >= 2 for e in kept)
    comments = [
        "spinbot.tsv: spun -> original wording learned from aligned SpinBot paragraphs.",
        "Source: Machine Paraphrase Corpus (Foltýnek et al. 2020; Wahle et al. 2022), 80 dev",
        "paragraphs of English Wikipedia and their SpinBot output. Corpus CC BY 4.0; text CC BY-SA.",
        "Built by scripts/build_lexicons.py with repair.learn (min count 1); weight = count /",
        "occurrences of the spun wording in the spun texts. Do not edit by hand.",
        f"{len(kept)} entries ({twice} seen at least twice); {len(removed)} weaker entries",
        "removed to break chains and cycles.",
    ]
    write_lexicon(out / "spinbot.tsv", kept, comments)
    log(f"spinbot.tsv: {stats.pairs} pairs, {stats.substitutions} substitutions, "
        f"{stats.distinct} distinct; {len(removed)} removed for chains/cycles; "
        f"{len(kept)} entries, {twice} with count >= 2")


# --------------------------------------------------------------------------- tortured phrases

@dataclass(frozen=True)
class Row:
    spun: str
    original: str
    count: int
    base: float
    guard: str
    source: str


_GROUP = re.compile(r"\s*(\([^()]*\)|\[[^\[\]]*\])")
_FINGERPRINT_AND = re.compile(r'^"?([^"]+?)"?\s+AND\s+"?([^"]+?)"?$')
_ALLOWED = re.compile(r"^[\w\s'\-\u2010\u2011\u2013,/&.()]+$")


def _remove_groups(text: str) -> str:
    while True:
        stripped = _GROUP.sub("", text)
        if stripped == text:
            return normalise(stripped)
        text = stripped


def _clean_expected(tortured: str, expected: str) -> tuple[str | None, str]:
    """(original, "") when usable, else (None, reason); the original may be changed text."""
    if "?" in expected:
        return None, "uncertain ('?' in expected)"
    if re.search(r"\bAND\b", expected):
        return None, "several terms in expected ('A AND B')"
    groups = [g.strip() for g in _GROUP.findall(tortured)]
    if any(g.startswith("[") for g in groups):
        return None, "[bracketed] text in the tortured phrase"
    if groups:  # an acronym the spinner kept: keep the expected one, or add the tortured one
        cleaned = normalise(re.sub(r"\s*\[[^\[\]]*\]", "", expected))
        if "(" not in cleaned:
            cleaned = f"{cleaned} {groups[-1]}"
    else:
        cleaned = _remove_groups(expected)
    if not cleaned or not re.search(r"[^\W\d_]", cleaned):
        return None, "no expected wording"
    if not _ALLOWED.match(cleaned) or "->" in cleaned or "http" in cleaned:
        return None, "note or quoted text in expected"
    if cleaned.count("/") > tortured.count("/") or cleaned.count(" or ") > tortured.count(" or "):
        return None, "alternatives in expected ('/' or 'or')"
    if cleaned.count(",") > tortured.count(","):
        return None, "list in expected only"
    if cleaned.count("(") != cleaned.count(")"):
        return None, "unbalanced brackets in expected"
    return cleaned, ""


def _guard_of(row: dict, tortured: str) -> tuple[str | None, str]:
    m = _FINGERPRINT_AND.match(row["pps_fingerprint"].strip())
    if not m or normalise(m.group(1)) != tortured:
        return None, "AND fingerprint not of the form \"tortured\" AND \"term\""
    guard = normalise(m.group(2))
    if guard == tortured:
        return None, "guard equals the tortured phrase"
    return guard, ""


def _convert(row: dict) -> tuple[Row | None, str]:
    kind = row["fingerprint_kind"]
    if kind not in PLAIN_KINDS and kind != GUARDED_KIND:
        return None, f"fingerprint kind '{kind}' cannot be expressed"
    tortured = normalise(row["tortured"])
    original, reason = _clean_expected(tortured, row["expected"])
    if original is None:
        return None, reason
    if original == tortured:
        return None, "tortured equals expected after normalising"
    guard = ""
    if kind == GUARDED_KIND:
        guard, reason = _guard_of(row, tortured)
        if guard is None:
            return None, reason
    base = 1.0 if original == normalise(row["expected"]) else NOTES_REMOVED
    base *= PLAIN_KINDS.get(kind, 1.0)
    count = int(row["n_papers"]) if row["n_papers"].strip() else 1
    source = TORTURED_SOURCES.get(row["source"], row["source"])
    return Row(tortured, original, max(count, 1), base, guard, source), ""


def _merge_rows(rows: list[Row]) -> Row:
    guards = sorted({r.guard for r in rows})
    return Row(rows[0].spun, rows[0].original, max(r.count for r in rows), max(r.base for r in rows),
               guards[0], "+".join(sorted({r.source for r in rows})))


def _entries(rows: list[Row]) -> list[Entry]:
    by_pair: dict[tuple[str, str], list[Row]] = {}
    for r in rows:
        by_pair.setdefault((r.spun, r.original), []).append(r)
    merged = [_merge_rows(group) for _, group in sorted(by_pair.items())]
    per_key: Counter[str] = Counter()
    for r in merged:
        per_key[r.spun] += r.count
    return [Entry(r.spun, r.original, r.count, r.base * r.count / per_key[r.spun], r.guard, r.source)
            for r in merged]


def build_tortured(shared: Path, out: Path) -> None:
    path = shared / "data" / "tortured_phrases_dev.tsv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE))
    converted, skipped = [], Counter()
    for row in rows:
        r, reason = _convert(row)
        if r is None:
            skipped[reason] += 1
        else:
            converted.append(r)
    entries = _entries(converted)
    duplicates = len(converted) - len(entries)
    kept, removed = resolve_chains(entries)
    guarded = sum(bool(e.guard) for e in kept)
    long_keys = sum(len(TOKEN_RE.findall(e.spun)) > 4 for e in kept)
    comments = [
        "tortured.tsv: tortured phrases -> expected wording, from the Problematic Paper Screener list.",
        "Source: Problematic Paper Screener (Cabanac, Labbé & Magazinov), stated CC BY 4.0 (unverified).",
        "Built by scripts/build_lexicons.py: simple rows plain, AND rows guarded by the fingerprint's",
        "second term; notes removed from expected text; count = n_papers; weight = 1.0 (0.9 when notes",
        "were removed; x0.8 for unverified rows) spread over a key's originals by count.",
        f"{len(kept)} entries ({guarded} guarded); {sum(skipped.values())} rows skipped, {duplicates} merged,",
        f"{len(removed)} removed to break chains and cycles. Do not edit by hand.",
    ]
    write_lexicon(out / "tortured.tsv", kept, comments)
    build_swaps(kept, out)
    log(f"tortured.tsv: {len(rows)} rows; {len(converted)} converted, "
        f"{sum(skipped.values())} skipped, {duplicates} merged as duplicates, "
        f"{len(removed)} removed for chains/cycles; {len(kept)} entries ({guarded} guarded, "
        f"{long_keys} with spun wording longer than 4 tokens)")
    for reason, n in sorted(skipped.items(), key=lambda kv: (-kv[1], kv[0])):
        log(f"  skipped {n:5d}: {reason}")


def build_swaps(tortured: list[Entry], out: Path) -> None:
    swaps = word_swaps(tortured)
    comments = [
        "tortured_swaps.tsv: word swaps inside the tortured phrase pairs of tortured.tsv (same source,",
        "Problematic Paper Screener, stated CC BY 4.0, unverified). Built by scripts/build_lexicons.py",
        "(repair.lexicon.word_swaps): for each pair of two or more words of equal length, every word",
        "the spinner changed; count = pairs with the swap, weight = count / pairs whose spun wording",
        "has the word. Source word-swap: candidates, but no evidence that a document is spun.",
        f"{len(swaps)} entries. Do not edit by hand.",
    ]
    write_lexicon(out / "tortured_swaps.tsv", swaps, comments)
    log(f"tortured_swaps.tsv: {len(swaps)} word swaps from {len(tortured)} tortured entries")


# --------------------------------------------------------------------------- split comparison

def _apply_edits(lex: Lexicon, tokens: list[str], threshold: float) -> list[tuple[int, int, list[str]]]:
    """Greedy, longest key first: (start, length, replacement tokens) for each edit."""
    edits, i = [], 0
    while i < len(tokens):
        for n in range(min(lex.max_tokens, len(tokens) - i), 0, -1):
            senses = [s for s in lex.get(" ".join(tokens[i:i + n])) if s.weight >= threshold]
            if senses:
                edits.append((i, n, _folded(senses[0].original)))
                i += n
                break
        else:
            i += 1
    return edits


def _folded(text: str) -> list[str]:
    return [normalise(t) for t in TOKEN_RE.findall(text)]


def _matched(a: list[str], b: list[str]) -> int:
    blocks = difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks()
    return sum(m.size for m in blocks)


def _score_fold(entries: list[Entry], test: list[Pair], threshold: float) -> Counter[str]:
    lex, tally = Lexicon(entries), Counter()
    for pair in test:
        orig, spun = _folded(pair.original), _folded(pair.spun)
        base = _matched(spun, orig)
        for i, n, new in _apply_edits(lex, spun, threshold):
            delta = _matched(spun[:i] + new + spun[i + n:], orig) - base
            tally["helpful" if delta > 0 else "wrong" if delta == 0 else "harmful"] += 1
    return tally


def compare_splits(shared: Path, folds: int = 5, threshold: float = 0.8) -> None:
    """Cross-validate learn() with and without splitting equal-length replace blocks."""
    pairs = read_jsonl(shared / "data" / "spinbot_dev.jsonl")
    size = -(-len(pairs) // folds)
    chunks = [pairs[k * size:(k + 1) * size] for k in range(folds)]
    print(f"{folds}-fold, top sense with weight >= {threshold}, greedy longest first")
    print("split_equal  helpful  wrong  harmful  precision")
    for split_equal in (True, False):
        tally: Counter[str] = Counter()
        for k in range(folds):
            train = [p for j, c in enumerate(chunks) if j != k for p in c]
            entries, _ = learn_with_stats(train, split_equal=split_equal)
            tally += _score_fold(entries, chunks[k], threshold)
        total = max(1, sum(tally.values()))
        print(f"{split_equal!s:11}  {tally['helpful']:7d}  {tally['wrong']:5d}  "
              f"{tally['harmful']:7d}  {tally['helpful'] / total:9.2f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "lexicons")
    ap.add_argument("--compare-splits", action="store_true",
                    help="Only print the cross-validated comparison of alignment splitting.")
    args = ap.parse_args(argv)
    if args.compare_splits:
        compare_splits(args.shared)
        return 0
    args.out.mkdir(parents=True, exist_ok=True)
    build_spinbot(args.shared, args.out)
    build_tortured(args.shared, args.out)
    status = 0
    for name in ("spinbot.tsv", "tortured.tsv", "tortured_swaps.tsv"):
        problems = validate(args.out / name)
        for p in problems[:20]:
            log(p.format(str(args.out / name)))
        status |= bool(problems)
    return status


if __name__ == "__main__":
    sys.exit(main())
