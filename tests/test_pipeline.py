"""The pipeline's thresholds: the default, the document gate's lower one in a text that reads as
spun, and a threshold the caller chooses (which holds everywhere). A stand-in engine gives the
suggestions and the spin score, so these run without the tables."""
from __future__ import annotations

import pytest

import repair
from repair.changes import Change
from repair.pipeline import DEFAULT_THRESHOLD, SPUN_SCORE, SPUN_THRESHOLD, Options

TEXT = "The spy company said"
MIDDLE = (SPUN_THRESHOLD + DEFAULT_THRESHOLD) / 2  # a confidence only the gate's threshold lets through


def engine(score: float, confidence: float = MIDDLE):
    return lambda text, opts: ([Change(8, 15, "company", "agency", "spin.thesaurus", confidence)], score)


@pytest.mark.parametrize("score, expected", [
    (0.0, DEFAULT_THRESHOLD),
    (SPUN_SCORE - 1e-9, DEFAULT_THRESHOLD),
    (SPUN_SCORE, SPUN_THRESHOLD),
    (1.0, SPUN_THRESHOLD),
])
def test_threshold_follows_the_spin_score(score, expected):
    assert Options().threshold(score) == expected


def test_a_chosen_threshold_holds_everywhere():
    assert Options(spun_min_confidence=None).threshold(1.0) == DEFAULT_THRESHOLD
    # the gate never raises a threshold the caller lowered
    assert Options(min_confidence=0.2).threshold(1.0) == 0.2


def test_fix_and_explain_applies_the_gates_threshold_in_a_spun_text():
    spun = repair.fix_and_explain(TEXT, suggest=engine(SPUN_SCORE))
    assert spun.text == "The spy agency said" and spun.threshold == SPUN_THRESHOLD
    plain = repair.fix_and_explain(TEXT, suggest=engine(SPUN_SCORE / 2))
    assert plain.text == TEXT and plain.threshold == DEFAULT_THRESHOLD
    # the suggestion is logged either way; only applying it depends on the threshold
    assert plain.suggestions == spun.suggestions and not plain.changes


def test_min_confidence_given_turns_the_gate_off_unless_a_second_threshold_is_given_too():
    r = repair.fix_and_explain(TEXT, suggest=engine(1.0), min_confidence=DEFAULT_THRESHOLD)
    assert r.text == TEXT and r.threshold == DEFAULT_THRESHOLD
    r = repair.fix_and_explain(TEXT, suggest=engine(1.0), min_confidence=DEFAULT_THRESHOLD,
                               spun_min_confidence=MIDDLE)
    assert r.text == "The spy agency said" and r.threshold == MIDDLE
    # Options passed whole are taken as they are
    r = repair.fix_and_explain(TEXT, Options(), suggest=engine(1.0))
    assert r.threshold == SPUN_THRESHOLD


def test_lowest_threshold_is_what_a_spun_text_gets():
    assert Options().lowest_threshold == SPUN_THRESHOLD
    assert Options(min_confidence=0.9, spun_min_confidence=None).lowest_threshold == 0.9
