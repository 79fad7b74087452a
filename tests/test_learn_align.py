"""Aligning long and repetitive pairs (repair.learn.token_opcodes), for learn and eval.

All texts here are invented for the tests.
"""
from __future__ import annotations

import difflib
import random
import signal
from collections import Counter
from contextlib import contextmanager

import pytest

import repair.learn as learning
from repair.evaluate import judge
from repair.learn import Pair, align, learn, token_opcodes

ORIGINAL = "The spy agency told the BBC the troops left."
SPUN = "The spy company informed the BBC the troopers left."
EXPECTED_PER_SENTENCE = {("company", "agency"), ("informed", "told"), ("troopers", "troops")}


@contextmanager
def time_limit(seconds: int):
    """Fail (instead of hanging for minutes) when the block takes longer than ``seconds``."""
    def stop(signum, frame):
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.alarm(seconds)
    try:
        yield
    except TimeoutError as exc:
        pytest.fail(str(exc), pytrace=False)  # (a traceback from deep inside difflib is no help)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def difflib_opcodes(a, b):
    return difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()


def assert_valid(ops, a, b):
    """The opcodes tile both sequences in order, and equal blocks are equal."""
    i = j = 0
    for tag, i1, i2, j1, j2 in ops:
        assert (i1, j1) == (i, j)
        assert tag in {"equal", "replace", "delete", "insert"}
        if tag == "equal":
            assert a[i1:i2] == b[j1:j2] and i2 > i1
        i, j = i2, j2
    assert (i, j) == (len(a), len(b))


def invented_pair(rng: random.Random, sentences: int) -> tuple[list[str], list[str]]:
    """An 'article' of varied sentences and a 'spun' copy: some words swapped, some dropped."""
    vocab = [f"w{n}" for n in range(600)]
    original, spun = [], []
    for _ in range(sentences):
        sentence = rng.choices(vocab, k=rng.randint(6, 20)) + ["."]
        original += sentence
        for word in sentence:
            roll = rng.random()
            if roll < 0.15:
                spun.append(word.replace("w", "s"))  # a swap
            elif roll < 0.17:
                continue  # a deletion
            else:
                spun.append(word)
    return spun, original


def test_token_opcodes_are_sequencematchers_on_ordinary_pairs():
    rng = random.Random(7)
    cases = [([], []), (["a"], []), ([], ["b"]), (["a", "b"], ["a", "b"]),
             (["the", "board", "endorsed", "the", "plan", "."], ["the", "committee", "approved", "the", "plan", "."])]
    cases += [invented_pair(rng, n) for n in (1, 5, 40, 200)]
    for a, b in cases:
        assert token_opcodes(a, b) == difflib_opcodes(a, b)


def test_split_alignment_is_valid_and_keeps_the_substitutions(monkeypatch):
    spun, original = invented_pair(random.Random(3), 300)
    whole = token_opcodes(spun, original)
    monkeypatch.setattr(learning, "ALIGN_BUDGET", 0)  # split every range, whatever its size
    split = token_opcodes(spun, original)
    assert_valid(split, spun, original)
    replaced = [op for op in whole if op[0] == "replace"]
    assert len(replaced) > 300
    assert [op for op in split if op[0] == "replace"] == replaced


def test_windows_alone_keep_the_substitutions(monkeypatch):
    spun, original = invented_pair(random.Random(5), 100)
    whole = token_opcodes(spun, original)
    monkeypatch.setattr(learning, "ALIGN_BUDGET", 0)
    monkeypatch.setattr(learning, "_anchors", lambda *args: [])  # as on text without anchors
    split = token_opcodes(spun, original)
    assert_valid(split, spun, original)
    assert split == whole


@pytest.mark.parametrize("repeats", [400, 1000])
def test_repetitive_pair_is_aligned_in_seconds_with_every_substitution(repeats):
    original, spun = " ".join([ORIGINAL] * repeats), " ".join([SPUN] * repeats)
    with time_limit(30):  # SequenceMatcher over the whole pair: 100 s at 400 repeats
        found = Counter((s.spun, s.original) for s in align(original, spun))
        entries = learn([Pair(original, spun)])
    assert found == {pair: repeats for pair in EXPECTED_PER_SENTENCE}
    assert [(e.spun, e.original, e.count, e.weight) for e in entries] == [
        (s, o, repeats, 1.0) for s, o in sorted(EXPECTED_PER_SENTENCE)]


def test_eval_aligns_a_repetitive_pair_in_seconds():
    repeats = 400
    pair = Pair(" ".join([ORIGINAL] * repeats), " ".join([SPUN] * repeats))
    with time_limit(30):
        run = judge(pair, [])
    assert len(run.edits) == 2 * repeats  # "company informed" is one block
    assert run.dist_spun == 3 * repeats


def test_long_repetitive_pair_with_a_different_middle():
    # anchors split off the unique middle; the repetitive sides are aligned by windows
    middle_o = "Nobody expected the quiet librarian to win the regional chess final."
    middle_s = "Nobody anticipated the quiet librarian to win the regional chess final."
    original = " ".join([ORIGINAL] * 300 + [middle_o] + [ORIGINAL] * 300)
    spun = " ".join([SPUN] * 300 + [middle_s] + [SPUN] * 300)
    with time_limit(30):
        found = Counter((s.spun, s.original) for s in align(original, spun))
    assert found == {**{pair: 600 for pair in EXPECTED_PER_SENTENCE}, ("anticipated", "expected"): 1}
