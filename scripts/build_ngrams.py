#!/usr/bin/env python3
"""Build the context tables (lexicons/ngrams.npz, lexicons/vocab.txt) from the Wikipedia corpus.

    python scripts/build_ngrams.py --shared ../shared [--out lexicons] [--min-bigram 2] [--min-trigram 3]

Counts unigrams, bigrams and trigrams of the corpus tokenised exactly as the tool
tokenises text (repair.tokens.TOKEN_RE, repair.tokens.lm_form), adds symspellpy's
Google-Books bigrams as scaled pseudo-counts where the corpus has none, prunes by
count, and writes sorted integer keys so that the tool can look n-grams up with
numpy.searchsorted. The output is deterministic: same input, same bytes.
"""
from __future__ import annotations

import argparse
import io
import lzma
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from repair.tokens import TOKEN_RE, lm_form  # noqa: E402

BITS = 20  # bits per word id in a packed n-gram key: vocabulary < 2**20
BOS = "<s>"
UNK = "<unk>"


def corpus_lines(shared: Path):
    parts = sorted((shared / "corpora").glob("wiki_en_paragraphs.txt.xz.part*"))
    if not parts:
        sys.exit(f"no corpus parts under {shared / 'corpora'}")
    cat = subprocess.Popen(["cat", *map(str, parts)], stdout=subprocess.PIPE)
    with lzma.open(cat.stdout, "rt", encoding="utf-8") as fh:
        yield from fh
    cat.wait()


def tokenise_corpus(shared: Path, limit: int | None, holdout_every: int, holdout: Path | None):
    """Return (ids: int32 array with BOS between paragraphs, capitalised: bool array, words by first occurrence).

    Every ``holdout_every``-th paragraph is left out of the counts (and written to ``holdout``),
    so that the engine can be tuned on Wikipedia text its tables have never seen."""
    index: dict[str, int] = {BOS: 0}
    words = [BOS]
    chunks, buf, caps, cap_chunks = [], [], [], []
    held = open(holdout, "w", encoding="utf-8") if holdout else None
    t0 = time.time()
    for n, line in enumerate(corpus_lines(shared)):
        if limit and n >= limit:
            break
        if holdout_every and n % holdout_every == holdout_every - 1:
            if held:
                held.write(line)
            continue
        buf.append(0)
        caps.append(False)
        for tok in TOKEN_RE.findall(line):
            w = lm_form(tok)
            i = index.get(w)
            if i is None:
                i = index[w] = len(words)
                words.append(w)
            buf.append(i)
            caps.append(tok[0].isupper())
        if len(buf) > 5_000_000:
            chunks.append(np.array(buf, dtype=np.int32))
            cap_chunks.append(np.array(caps, dtype=bool))
            buf, caps = [], []
            print(f"  {n:,} paragraphs, {sum(map(len, chunks)):,} tokens, {time.time() - t0:.0f}s", file=sys.stderr)
    chunks.append(np.array(buf, dtype=np.int32))
    cap_chunks.append(np.array(caps, dtype=bool))
    if held:
        held.close()
    return np.concatenate(chunks), np.concatenate(cap_chunks), words


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--shared", type=Path, default=Path(__file__).resolve().parent.parent.parent / "shared")
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "lexicons")
    ap.add_argument("--min-unigram", type=int, default=3)
    ap.add_argument("--min-bigram", type=int, default=2)
    ap.add_argument("--min-trigram", type=int, default=3)
    ap.add_argument("--limit", type=int, help="paragraphs to read (for a quick trial build)")
    ap.add_argument("--holdout-every", type=int, default=100, help="leave every N-th paragraph out of the counts")
    ap.add_argument("--holdout", type=Path, help="write the held-out paragraphs here (for tuning)")
    args = ap.parse_args()

    t0 = time.time()
    ids, caps, words = tokenise_corpus(args.shared, args.limit, args.holdout_every, args.holdout)
    total = int((ids != 0).sum())
    print(f"tokenised {total:,} tokens, {len(words):,} types in {time.time() - t0:.0f}s", file=sys.stderr)

    # vocabulary: BOS, UNK, then every type with count >= min_unigram, by descending count then text
    counts = np.bincount(ids, minlength=len(words))
    keep = [i for i in range(1, len(words)) if counts[i] >= args.min_unigram]
    keep.sort(key=lambda i: (-counts[i], words[i]))
    if len(keep) + 2 >= 2 ** BITS:
        keep = keep[: 2 ** BITS - 3]
    vocab = [BOS, UNK] + [words[i] for i in keep]
    remap = np.ones(len(words), dtype=np.int64)  # default UNK = 1
    remap[0] = 0
    remap[np.array(keep, dtype=np.int64)] = np.arange(2, len(keep) + 2)
    ids = remap[ids]
    del remap
    uni = np.bincount(ids, minlength=len(vocab)).astype(np.int64)
    uni[0] = 0
    # share of each word's occurrences that are capitalised, in per mille: names are near 1000
    cap_share = np.bincount(ids[caps], minlength=len(vocab)) * 1000 // np.maximum(uni, 1)
    del caps
    print(f"vocabulary {len(vocab):,} (count >= {args.min_unigram})", file=sys.stderr)

    def ngram_keys(n: int) -> tuple[np.ndarray, np.ndarray]:
        key = np.zeros(len(ids) - n + 1, dtype=np.int64)
        ok = np.ones(len(ids) - n + 1, dtype=bool)
        for k in range(n):
            part = ids[k: len(ids) - n + 1 + k]
            key = (key << BITS) | part
            if k:
                ok &= part != 0  # no n-gram runs into the next paragraph
        keys, cnt = np.unique(key[ok], return_counts=True)
        return keys, cnt

    bi_keys, bi_cnt = ngram_keys(2)
    print(f"bigrams {len(bi_keys):,} distinct", file=sys.stderr)
    # symspellpy's Google-Books bigrams, scaled to this corpus, fill in where the corpus has none
    bi_keys, bi_cnt = add_symspell_bigrams(bi_keys, bi_cnt, vocab, total)
    m = bi_cnt >= args.min_bigram
    bi_keys, bi_cnt = bi_keys[m], bi_cnt[m]
    tri_keys, tri_cnt = ngram_keys(3)
    print(f"trigrams {len(tri_keys):,} distinct", file=sys.stderr)
    m = tri_cnt >= args.min_trigram
    tri_keys, tri_cnt = tri_keys[m], tri_cnt[m]
    print(f"kept bigrams {len(bi_keys):,} (>= {args.min_bigram}), trigrams {len(tri_keys):,} (>= {args.min_trigram})",
          file=sys.stderr)

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    save_npz(args.out / "ngrams.npz", {
        "meta": np.array([BITS, total], dtype=np.int64),
        "holdout_every": np.array([args.holdout_every], dtype=np.int64),  # read by scripts/train_spin.py
        "unigram_counts": uni.astype(np.uint32),
        "capitalised_permille": cap_share.astype(np.uint16),
        "bigram_key_delta": np.diff(bi_keys, prepend=0).astype(np.uint64),
        "bigram_counts": np.minimum(bi_cnt, 2 ** 32 - 1).astype(np.uint32),
        "trigram_key_delta": np.diff(tri_keys, prepend=0).astype(np.uint64),
        "trigram_counts": np.minimum(tri_cnt, 2 ** 32 - 1).astype(np.uint32),
    })
    print(f"wrote {args.out} in {time.time() - t0:.0f}s", file=sys.stderr)


def add_symspell_bigrams(keys, cnt, vocab, total):
    import importlib.resources

    index = {w: i for i, w in enumerate(vocab)}
    path = importlib.resources.files("symspellpy") / "frequency_bigramdictionary_en_243_342.txt"
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) != 3:
            continue
        a, b = index.get(lm_form(parts[0])), index.get(lm_form(parts[1]))
        if a is not None and b is not None and a > 1 and b > 1:
            rows.append(((a << BITS) | b, int(parts[2])))
    ss_keys = np.array([k for k, _ in rows], dtype=np.int64)
    ss_cnt = np.array([c for _, c in rows], dtype=np.float64)
    # scale Google-Books counts so that they sum like this corpus's bigram counts over the same keys
    pos = np.searchsorted(keys, ss_keys)
    pos = np.minimum(pos, len(keys) - 1)
    found = keys[pos] == ss_keys
    scale = cnt[pos[found]].sum() / max(ss_cnt[found].sum(), 1.0)
    scaled = np.floor(ss_cnt * scale).astype(np.int64)
    new = ~found & (scaled >= 1)
    print(f"symspell bigrams: {len(rows):,} in vocabulary, {found.sum():,} already counted, "
          f"{new.sum():,} added (scale {scale:.2e})", file=sys.stderr)
    all_keys = np.concatenate([keys, ss_keys[new]])
    all_cnt = np.concatenate([cnt, scaled[new]])
    order = np.argsort(all_keys, kind="stable")
    return all_keys[order], all_cnt[order]


def save_npz(path: Path, arrays: dict) -> None:
    """np.savez with fixed member timestamps, so an unchanged rebuild is byte-identical.

    Members are stored uncompressed: git and wheels compress them anyway, and an
    uncompressed member opens with a plain read instead of seconds of inflating (the engine
    maps them; see repair.data.map_npz). The file is written next to the old one and then
    renamed over it, so a running engine that maps the old file keeps reading the old file."""
    import os
    import zipfile

    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.save(buf, arrays[name], allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            zf.writestr(info, buf.getvalue())
    os.replace(tmp, path)


if __name__ == "__main__":
    main()
