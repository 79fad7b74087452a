#!/usr/bin/env python3
"""Build the inverse thesaurus (lexicons/terms.txt, lexicons/thesaurus.npz) from Moby and WordNet 3.0.

    python scripts/build_thesaurus.py --shared ../shared [--out lexicons] [--min-zipf 3.0]

A spinner replaces an original term c by a synonym s taken from c's list. The
table answers the inverse question: given an observed s, which c could it have
been? Each pair (s -> c) carries flags saying where it came from:

  1  Moby: s is listed under head c (the direction a Moby-based spinner uses)
  2  Moby: c is listed under head s (the reverse direction)
  4  WordNet: s and c share a synset
  8  WordNet: related synsets (similar-to, also-see, verb group)

Originals are pruned to common wording (wordfreq Zipf >= --min-zipf); terms are
lower case, 1-4 tokens. ``degree`` counts how many spun forms each original has,
the size of the spinner's choice when it rewrote that original (the channel prior).
"""
from __future__ import annotations

import argparse
import lzma
import re
import sys
import tarfile
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from repair.tokens import TOKEN_RE  # noqa: E402
from scripts.build_ngrams import save_npz  # noqa: E402

MOBY_FWD, MOBY_REV, WN_SYN, WN_REL = 1, 2, 4, 8
_CLEAN = re.compile(r"^[a-z][a-z' -]*[a-z]$|^[a-z]$")


def norm_term(raw: str) -> str | None:
    t = raw.strip().replace("_", " ").lower()
    t = re.sub(r"\(.*?\)", "", t).strip()
    t = " ".join(t.split())
    if not _CLEAN.match(t):
        return None
    if len(TOKEN_RE.findall(t)) > 4:
        return None
    return t


def moby_pairs(shared: Path):
    with lzma.open(shared / "thesauri" / "moby_thesaurus.txt.xz", "rt", encoding="utf-8", errors="replace") as fh:
        for line in fh:
            items = line.rstrip("\n").split(",")
            head = norm_term(items[0])
            if not head:
                continue
            for raw in items[1:]:
                syn = norm_term(raw)
                if syn and syn != head:
                    yield syn, head, MOBY_FWD  # spun syn, original head
                    yield head, syn, MOBY_REV


def wordnet_pairs(shared: Path):
    synsets: dict[tuple[str, str], list[str]] = {}
    related: list[tuple[tuple[str, str], tuple[str, str]]] = []
    with tarfile.open(shared / "thesauri" / "wordnet-3.0-dict.tar.xz") as tar:
        for member in tar.getmembers():
            name = Path(member.name).name
            if not name.startswith("data."):
                continue
            pos = name.split(".")[1][0]
            text = tar.extractfile(member).read().decode("utf-8", "replace")
            for line in text.splitlines():
                if line.startswith("  "):
                    continue
                f = line.split(" | ")[0].split()
                offset, w_cnt = f[0], int(f[3], 16)
                lemmas = [f[4 + 2 * k] for k in range(w_cnt)]
                key = (pos, offset)
                synsets[key] = [t for t in (norm_term(w) for w in lemmas) if t]
                p = 4 + 2 * w_cnt
                for k in range(int(f[p])):
                    sym, off, ppos = f[p + 1 + 4 * k], f[p + 2 + 4 * k], f[p + 3 + 4 * k]
                    if sym in ("&", "^", "$"):
                        related.append((key, (ppos[0].replace("s", "a"), off)))
    for words in synsets.values():
        for a in words:
            for b in words:
                if a != b:
                    yield a, b, WN_SYN
    for k1, k2 in related:
        for a in synsets.get(k1, ()):
            for b in synsets.get(k2, ()):
                if a != b:
                    yield a, b, WN_REL
                    yield b, a, WN_REL


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "lexicons")
    ap.add_argument("--min-zipf", type=float, default=3.0)
    args = ap.parse_args()
    from wordfreq import zipf_frequency

    flags: dict[tuple[str, str], int] = defaultdict(int)
    for gen in (moby_pairs(args.shared), wordnet_pairs(args.shared)):
        for s, c, f in gen:
            flags[(s, c)] |= f
    print(f"{len(flags):,} raw pairs", file=sys.stderr)
    zipf_cache: dict[str, float] = {}

    def zipf(t: str) -> float:
        z = zipf_cache.get(t)
        if z is None:
            z = zipf_cache[t] = zipf_frequency(t, "en")
        return z

    pairs = {k: f for k, f in flags.items() if zipf(k[1]) >= args.min_zipf}
    terms = sorted({t for k in pairs for t in k})
    index = {t: i for i, t in enumerate(terms)}
    rows = sorted((index[s], index[c], f) for (s, c), f in pairs.items())
    arr = np.array(rows, dtype=np.uint32).reshape(-1, 3)
    degree = np.bincount(arr[:, 1], minlength=len(terms))
    print(f"{len(rows):,} pairs over {len(terms):,} terms (originals with Zipf >= {args.min_zipf})", file=sys.stderr)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "terms.txt").write_text("\n".join(terms) + "\n", encoding="utf-8")
    save_npz(args.out / "thesaurus.npz", {
        "spun": arr[:, 0].astype(np.uint32),
        "orig": arr[:, 1].astype(np.uint32),
        "flags": arr[:, 2].astype(np.uint8),
        "degree": np.minimum(degree, 65535).astype(np.uint16),
    })


if __name__ == "__main__":
    main()
