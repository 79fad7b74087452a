"""Change-log properties with the real engine, on the shipped seeds and on generated text.

For any input: apply_changes(input, changes) == output, revert_changes(output, changes) == input,
changes do not overlap, each change's ``old`` is the input at its offsets, confidences are in [0, 1].
They are checked at the default threshold and with every suggestion applied (min_confidence 0),
so the logs are not empty.
"""
import functools
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import repair
from repair import apply_changes, revert_changes

SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"
SEEDS = sorted(SEEDS_DIR.glob("*.txt"))


def seed(prefix):
    (path,) = [p for p in SEEDS if p.name.startswith(prefix)]
    return path


@functools.lru_cache(maxsize=None)
def seed_text(name):
    return (SEEDS_DIR / name).read_bytes().decode("utf-8")


def check_log(text, result, min_confidence):
    changes = result.changes
    assert apply_changes(text, changes) == result.text
    assert revert_changes(result.text, changes) == text
    for log in (changes, result.suggestions):
        ordered = sorted(log, key=lambda c: (c.start, c.end))
        for a, b in zip(ordered, ordered[1:]):
            assert a.end <= b.start and (a.start, a.end) != (b.start, b.end), (a, b)
        for c in log:
            assert 0 <= c.start <= c.end <= len(text)
            assert text[c.start:c.end] == c.old
            assert c.old != c.new
            assert 0.0 <= c.confidence <= 1.0
            assert c.rule
            for cand in c.candidates:
                assert 0.0 <= cand.score <= 1.0
    assert all(c.confidence >= min_confidence for c in changes)
    assert set(changes) <= set(result.suggestions)
    assert 0.0 <= result.spin_score <= 1.0


def test_seeds_exist():
    assert len(SEEDS) >= 3
    assert seed("000") and seed("004")


@pytest.mark.parametrize("min_confidence", [repair.pipeline.DEFAULT_THRESHOLD, 0.0], ids=["default", "all"])
@pytest.mark.parametrize("path", SEEDS, ids=[p.name[:3] for p in SEEDS])
def test_change_log_properties_on_seeds(path, min_confidence):
    text = seed_text(path.name)
    result = repair.fix_and_explain(text, min_confidence=min_confidence)
    check_log(text, result, min_confidence)
    if min_confidence == 0.0:
        assert result.changes, "every suggestion applied: the log should not be empty on a news article"


def test_seed_000_clean_prose_is_byte_identical():
    raw = seed("000").read_bytes()
    out = repair.fix(raw.decode("utf-8")).encode("utf-8")
    assert out == raw


@pytest.mark.parametrize("prefix", ["000", "004"])
def test_fix_is_idempotent_on_seeds(prefix):
    once = repair.fix(seed_text(seed(prefix).name))
    twice = repair.fix(once)
    assert twice == once


def test_spun_seed_004_gets_some_edits():
    """Seed 004 is a spun BBC article; the engine edits it (never anything named)."""
    text = seed_text(seed("004").name)
    result = repair.fix_and_explain(text)
    assert result.changes
    for c in result.changes:
        assert not any(name in c.old for name in ("Russia", "Kim", "BBC", "Zelensk", "Yang", "Ukrain", "Korea"))


# ---------------------------------------------------------------- generated text
WORDS = ["troopers", "despatched", "company", "informed", "warfare", "the", "a", "an", "of", "spy",
         "in", "line", "with", "primary", "Latest", "Russia", "Kim", "Jong", "Un", "BBC", "stated",
         "faux", "noticed", "greater", "than", "hour", "university", "Korea\u2019s", "don't", "10,000",
         "caf\u00e9", "massive", "additionally", "nevertheless"]
PUNCT = [",", ".", ";", "\u201c", "\u201d", "\u2014", "-", "(", ")", "\U0001F600", "\u2019"]
SEPS = [" ", " ", " ", "", "\r\n", "\n", "\n\n", "\r\n\r\n", "\t", "\u2028"]

_piece = st.one_of(st.sampled_from(WORDS), st.sampled_from(WORDS).map(str.upper),
                   st.sampled_from(WORDS).map(str.capitalize), st.sampled_from(PUNCT))
_text = st.tuples(
    st.sampled_from(["", "", "\ufeff"]),
    st.lists(st.tuples(_piece, st.sampled_from(SEPS)), max_size=40),
    st.sampled_from(["", "\n", "\r\n"]),
).map(lambda t: t[0] + "".join(w + s for w, s in t[1]) + t[2])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_text, st.sampled_from([0.0, 0.5, None]))
def test_change_log_properties_on_generated_text(text, min_confidence):
    if min_confidence is None:
        result, min_confidence = repair.fix_and_explain(text), repair.pipeline.DEFAULT_THRESHOLD
    else:
        result = repair.fix_and_explain(text, min_confidence=min_confidence)
    check_log(text, result, min_confidence)
