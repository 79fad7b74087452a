"""The real engine, end to end through repair.fix_and_explain, and the context model (lm.py).

Cases are data (ftfy/proselint style): tests/cases/should_pass.json holds clean text that must
come back unchanged at the default threshold; tests/cases/should_flag.json holds spun text with
the spins it contains, as [spun, original] pairs. A case may carry "xfail": "reason" (a known
false positive or miss); it is then run as a non-strict xfail: a fix shows up as XPASS in the summary.
"""
import functools
import json
import math
import random
import re
from pathlib import Path

import numpy as np
import pytest

import repair
from repair.candidates import Channel, article_for
from repair.lm import BOS, UNK, model
from repair.tokens import tokenize

CASES = Path(__file__).resolve().parent / "cases"


def load_cases(name):
    return json.loads((CASES / name).read_text(encoding="utf-8"))


def params(name):
    out = []
    for case in load_cases(name):
        marks = [pytest.mark.xfail(reason=case["xfail"], strict=False)] if case.get("xfail") else []
        out.append(pytest.param(case, id=case["label"], marks=marks))
    return out


PASS_CASES = load_cases("should_pass.json")
FLAG_CASES = load_cases("should_flag.json")


@functools.lru_cache(maxsize=None)
def run(text, min_confidence=None):
    """fix_and_explain, memoised (each case is used by several tests)."""
    if min_confidence is None:
        return repair.fix_and_explain(text)
    return repair.fix_and_explain(text, min_confidence=min_confidence)


def restores(change, spun, original):
    """Does ``change`` put ``original`` where ``spun`` stood (a/an in front may come along)?"""
    return spun.lower() in change.old.lower() and original.lower() in change.new.lower()


def describe(changes):
    return [(c.old, c.new, round(c.confidence, 3)) for c in changes]


# ---------------------------------------------------------------- should pass
def test_case_files_are_well_formed():
    for name, cases in (("should_pass.json", PASS_CASES), ("should_flag.json", FLAG_CASES)):
        labels = [c["label"] for c in cases]
        assert len(labels) == len(set(labels)), name
        for c in cases:
            assert set(c) <= {"label", "text", "expect", "keep", "xfail"}, (name, c["label"])
            assert isinstance(c["text"], str) and c["text"].strip()
            for pair in c["expect"]:
                spun, original = pair
                assert spun in c["text"], (c["label"], spun)
            for name_ in c.get("keep", []):
                assert name_ in c["text"], (c["label"], name_)
    assert len(PASS_CASES) >= 18 and all(not c["expect"] for c in PASS_CASES)
    assert all(c["expect"] for c in FLAG_CASES)


@pytest.mark.parametrize("case", params("should_pass.json"))
def test_clean_text_is_not_changed(case):
    result = run(case["text"])
    assert describe(result.changes) == []
    assert result.text == case["text"]


def test_clean_cases_as_one_document_are_not_changed():
    doc = "\n".join(c["text"] for c in PASS_CASES if not c.get("xfail"))
    result = run(doc)
    assert describe(result.changes) == []
    assert result.text == doc


# ---------------------------------------------------------------- should flag
# Measured on 2026-11-24 with the model scripts/train_spin.py ships (boosted trees with the bundled
# lexicons, lexicons/spin_model.json, DEFAULT_THRESHOLD 0.6), over the 48 listed spins of
# should_flag.json:
#   applied at the default threshold and equal to the expected original: 4 of 48
#   applied at min_confidence 0.5: 5 of 48
#   the engine's best suggestion for the span (any confidence) is the expected original: 15 of 48
# (Earlier, at 7967553 with the logistic decision and threshold 0.9: 0, 3 and 15 of 48.)
# The floors sit a little below; raise them as the engine improves.
MIN_RESTORED_AT_DEFAULT = 3
MIN_RESTORED_AT_HALF = 4
MIN_BEST_SUGGESTION_RIGHT = 12


def _tally(results_attr, min_confidence=None):
    hits, misses = [], []
    for case in FLAG_CASES:
        changes = getattr(run(case["text"], min_confidence), results_attr)
        for spun, original in case["expect"]:
            (hits if any(restores(c, spun, original) for c in changes) else misses).append((spun, original))
    return hits, misses


def test_spun_text_is_restored_at_default_threshold():
    hits, misses = _tally("changes")
    assert len(hits) >= MIN_RESTORED_AT_DEFAULT, f"restored {hits}; missed {misses}"


def test_spun_text_is_restored_at_half_confidence():
    hits, misses = _tally("changes", 0.5)
    assert len(hits) >= MIN_RESTORED_AT_HALF, f"restored {hits}; missed {misses}"


def test_best_suggestion_is_the_original():
    hits, misses = _tally("suggestions")
    assert len(hits) >= MIN_BEST_SUGGESTION_RIGHT, f"right: {hits}; wrong or none: {misses}"


@pytest.mark.xfail(strict=False, reason="measured with the shipped model: the bundled SpinBot lexicon turns a standing "
                   "'however' into 'but' (0.93) in the storm report, and 'photographs' into 'photos' (0.52) in "
                   "the war report; SpinBot writes 'however' for 'but', and the gate does not see that this text "
                   "was spun by another spinner")
@pytest.mark.parametrize("min_confidence", [None, 0.5], ids=["default", "0.5"])
def test_spun_changes_are_listed_spins(min_confidence):
    """Precision on spun text: every change applied touches a listed spin."""
    wrong = []
    for case in FLAG_CASES:
        for c in run(case["text"], min_confidence).changes:
            if not any(spun.lower() in c.old.lower() for spun, _ in case["expect"]):
                wrong.append((case["label"], c.old, c.new, round(c.confidence, 3)))
    assert not wrong


def test_gate_opens_on_spun_text_and_stays_shut_on_clean_text():
    clean_doc = "\n".join(c["text"] for c in PASS_CASES)
    clean_pi = run(clean_doc).spin_score
    spun_pis = {c["label"]: run(c["text"]).spin_score for c in FLAG_CASES}
    for label, pi in spun_pis.items():
        assert 0.0 <= pi <= 1.0
        assert pi > 2 * clean_pi, (label, pi, clean_pi)
    clean_mean = np.mean([run(c["text"]).spin_score for c in PASS_CASES])
    assert np.mean(list(spun_pis.values())) > 2 * clean_mean


@pytest.mark.parametrize("min_confidence", [None, 0.0])
@pytest.mark.parametrize("case", params("should_flag.json"))
def test_names_are_never_changed(case, min_confidence):
    """Even when every suggestion is applied (min_confidence 0), names stay as they are."""
    text = case["text"]
    result = run(text, min_confidence)
    for name in case.get("keep", []):
        assert result.text.count(name) == text.count(name), name
        for m in re.finditer(re.escape(name), text):
            touching = [c for c in result.suggestions if c.start < m.end() and m.start() < c.end]
            assert not touching, (name, describe(touching))


def test_kim_jong_un_and_russia_at_sentence_start_are_kept():
    text = ("Russia has despatched greater than 5,000 troopers. Kim Jong Un informed the BBC, in line with "
            "the spy company.\nRussia\u2019s warfare continues.")
    result = run(text, 0.0)
    assert result.text.startswith("Russia has ")
    assert "Kim Jong Un " in result.text and "\nRussia\u2019s " in result.text


def _case_pattern(s):
    letters = [ch for ch in s if ch.isalpha()]
    if len(letters) > 1 and all(ch.isupper() for ch in letters):
        return "UPPER"
    return "Title" if s[:1].isupper() else "lower"


def test_case_is_carried_in_every_suggestion():
    seen = set()
    for case in FLAG_CASES:
        for c in run(case["text"], 0.0).suggestions:
            seen.add(_case_pattern(c.old))
            assert _case_pattern(c.new) == _case_pattern(c.old) or not c.new, (c.old, c.new)
    assert "Title" in seen, "no sentence-initial spin was suggested: the check above ran on nothing"


def test_sentence_initial_capital_is_kept_in_the_output():
    for case in FLAG_CASES:
        text = case["text"]
        out = run(text, 0.0).text
        starts_in = [m.group(1) for m in re.finditer(r"(?:^|[.!?]\s+)(\w)", text, re.M)]
        starts_out = [m.group(1) for m in re.finditer(r"(?:^|[.!?]\s+)(\w)", out, re.M)]
        assert [s.isupper() for s in starts_in] == [s.isupper() for s in starts_out][:len(starts_in)]


def test_uppercase_spin_gets_uppercase_original():
    text = "THE TROOPERS WERE DESPATCHED TO THE BORDER.\nThe troopers were despatched to the border.\n"
    for c in run(text, 0.0).suggestions:
        if c.old.isupper():
            assert c.new.isupper(), (c.old, c.new)


def test_article_agrees_with_the_new_word():
    """When a candidate needs the other article, the change takes the a/an along."""
    from repair.spin import score_document

    ev = score_document("They issued an announcement on Tuesday, in line with the spy company.")
    hyps = {(s.old, new) for s in ev.scored for new in s.cands}
    assert ("an announcement", "a statement") in hyps
    for old, new in hyps:
        words = new.split()
        if old.split()[0].lower() in ("a", "an") and len(words) > 1 and words[0].lower() in ("a", "an"):
            assert words[0].lower() == article_for(words[1]), (old, new)


@pytest.mark.parametrize("before", ["a", "an", "the", ""])
def test_longest_span_is_scored_with_and_without_an_article(before, tmp_path):
    """Four hyphen-joined words are seven tokens, eight with an article before them: wider than
    any candidate row, and still scored (a lexicon can list such a wording)."""
    from repair.lexicon import Lexicon
    from repair.spin import score_document

    lex = tmp_path / "long.tsv"
    lex.write_text("spun\toriginal\tcount\tweight\tguard\tsource\n"
                   "federated-convolutional-neural-network\tneural network\t3\t1.0\t\ttest\n", encoding="utf-8")
    text = f"We trained {before} federated-convolutional-neural-network on the data.".replace("  ", " ")
    ev = score_document(text, channel=Channel([Lexicon.load(lex)]))
    hyps = {(s.old, new) for s in ev.scored for new in s.cands}
    if before == "an":  # the candidate takes the article along, corrected
        assert ("an federated-convolutional-neural-network", "a neural network") in hyps
    else:
        assert ("federated-convolutional-neural-network", "neural network") in hyps
    assert all(np.isfinite(s.gains).all() for s in ev.scored)


@pytest.mark.parametrize("text,span,broken", [
    ("She is a analysis fellow.", "analysis", 1.0),  # the spinner swapped the word, not the article
    ("It took an year to finish.", "year", 1.0),
    ("She is an analysis fellow.", "analysis", 0.0),
    ("They waited an hour there.", "hour", 0.0),  # silent h
    ("She is at a university there.", "university", 0.0),  # "yoo" sound
    ("The analysis was long.", "analysis", 0.0),  # no article
    ("It was a\nanalysis of it.", "analysis", 0.0),  # an article on another line is not this word's
])
def test_broken_article_before_a_span_is_evidence(text, span, broken):
    from repair import spin

    ev = spin.evidence(text, tokenize(text), spin.default_channel())
    found = [s.article_broken for s in ev.scored if s.old == span]
    assert found and found[0] == broken
    X, owner, _ = spin.features(ev)
    col = spin.FEATURES.index("article_broken")
    assert all(X[r, col] == ev.scored[o].article_broken for r, o in enumerate(owner.tolist()))


def test_repeated_substitution_is_evidence_from_the_rest_of_the_text():
    """The same spun wording elsewhere, the same candidate's gain there, and the candidate's own
    wording in the text are features of each event (spin._repeats)."""
    from repair import spin

    text = ("The warfare began in spring. Many fled the warfare in the north.\n"
            "Reporters said the warfare would end.")
    ev = spin.evidence(text, tokenize(text), spin.default_channel())
    X, owner, pick = spin.features(ev)
    col = {name: spin.FEATURES.index(name) for name in ("spun_repeats", "gain_elsewhere", "cand_in_doc")}
    rows = [r for r, (o, k) in enumerate(zip(owner.tolist(), pick.tolist()))
            if ev.scored[o].old == "warfare" and ev.scored[o].cands[k] == "war"]
    assert len(rows) == 3
    gains = [X[r, spin.FEATURES.index("gain")] for r in rows]
    for r, g in zip(rows, gains):
        assert X[r, col["spun_repeats"]] == pytest.approx(math.log(3))  # two other places: ln(1 + 2)
        assert X[r, col["gain_elsewhere"]] == pytest.approx(sum(max(x, 0.0) for x in gains) - max(g, 0.0))
        assert X[r, col["cand_in_doc"]] == 0.0  # "war" stands nowhere
    said = [r for r, o in enumerate(owner.tolist()) if ev.scored[o].old == "said"]
    assert all(X[r, col["spun_repeats"]] == 0.0 for r in said)  # said once
    both = "The war began in spring. Many fled the warfare in the north."
    ev = spin.evidence(both, tokenize(both), spin.default_channel())
    X, owner, pick = spin.features(ev)
    rows = [r for r, (o, k) in enumerate(zip(owner.tolist(), pick.tolist()))
            if ev.scored[o].old == "warfare" and ev.scored[o].cands[k] == "war"]
    assert rows and all(X[r, col["cand_in_doc"]] == pytest.approx(math.log(2)) for r in rows)


def test_wordings_counts_runs_on_one_line_only():
    from repair import spin

    text = "in the West\nthe West in"
    got = spin._wordings(text, tokenize(text))
    assert got["the west"] == 2 and got["in the west"] == 1
    assert got["west the"] == 0  # across the line end
    assert got["in"] == 2


def test_article_in_suggestions_agrees():
    for case in FLAG_CASES:
        for c in run(case["text"], 0.0).suggestions:
            words = c.new.split()
            if len(words) > 1 and words[0].lower() in ("a", "an") and c.old.split()[0].lower() in ("a", "an"):
                assert words[0].lower() == article_for(words[1]), (c.old, c.new)


@pytest.mark.parametrize("case", params("should_flag.json"))
def test_crlf_does_not_change_decisions(case):
    """The same text with CRLF line ends gets the same edits with the same confidences."""
    text = case["text"]
    base, other = run(text, 0.0), run(text.replace("\n", "\r\n"), 0.0)
    assert other.text == base.text.replace("\n", "\r\n")
    assert [(c.old, c.new) for c in other.changes] == [(c.old, c.new) for c in base.changes]
    for a, b in zip(base.changes, other.changes):
        assert abs(a.confidence - b.confidence) < 0.02, (a.old, a.confidence, b.confidence)


@pytest.mark.parametrize("case", params("should_flag.json") + params("should_pass.json"))
def test_bom_does_not_change_edits_at_default_threshold(case):
    text = case["text"]
    base, other = run(text), run("\ufeff" + text)
    assert other.text == "\ufeff" + base.text
    assert [(c.start + 1, c.old, c.new) for c in base.changes] == [(c.start, c.old, c.new) for c in other.changes]


def test_bom_does_not_change_suggestions_for_the_first_word():
    """After a BOM the first word still starts a sentence (it was once hidden by a U+FEFF token)."""
    texts = ["Analysis fellows additionally stated the warfare would proceed for months.",
             "Latest photographs rising from the warfare confirmed the studies."]
    for text in texts:
        first = text.split()[0]
        base, other = run(text, 0.0), run("\ufeff" + text, 0.0)
        assert [c.new for c in base.suggestions if c.old == first] == \
            [c.new for c in other.suggestions if c.old == first], text


def test_empty_and_blank_text():
    for text in ("", " ", "\r\n\r\n", "\ufeff"):
        result = repair.fix_and_explain(text)
        assert result.text == text and result.changes == []


# ---------------------------------------------------------------- the context model (lm.py)
def _ids(sentence):
    lm = model()
    return [BOS] + [lm.word_id(t.norm) for t in tokenize(sentence)]


def _score(sentence):
    return float(model().score_windows([_ids(sentence)], [1])[0])


@pytest.mark.parametrize("sentence", [
    "The soldiers were sent to the border after the attack.",
    "According to the report, the government will announce new measures next week.",
    "She was born in London and studied history at the university.",
])
def test_natural_sentence_beats_shuffled(sentence):
    words = sentence.rstrip(".").split()
    rng = random.Random(0)
    for _ in range(5):
        shuffled = words[:]
        while shuffled == words:
            rng.shuffle(shuffled)
        assert _score(sentence) > _score(" ".join(shuffled) + "."), shuffled


@pytest.mark.parametrize("good,bad", [
    ("a senior official told the BBC on Monday", "a senior official informed the BBC on Monday"),
    ("South Korea's spy agency confirmed", "South Korea's spy company confirmed"),
    ("troops were sent to the border", "troopers were despatched to the border"),
    ("according to officials in Kyiv", "in line with officials in Kyiv"),
])
def test_original_wording_beats_spun_in_a_window(good, bad):
    assert _score(good) > _score(bad)


def test_score_rows_matches_score_windows():
    lm = model()
    rows = [_ids("the spy agency said"), _ids("the spy company said")]
    width = max(map(len, rows))
    arr = np.array([[-1] + r + [-1] * (width - len(r)) for r in rows], dtype=np.int64)
    by_rows = lm.score_rows(arr, first=2)
    by_windows = lm.score_windows(rows, [1, 1])
    assert np.allclose(by_rows, by_windows)
    assert by_rows[0] > by_rows[1]


def _reference_logprob(lm, u, v, w):
    """Stupid backoff for one position, every n-gram looked up (no look-up skipped)."""
    from repair.lm import ALPHA, _find

    b = lm.bits
    one = lambda keys, counts, key: float(_find(keys, counts, np.array([key], dtype=np.int64))[0])
    c_vw = one(lm.bi_keys, lm.bi_counts, (v << b) | w) if v >= 0 else 0.0
    c_uv = one(lm.bi_keys, lm.bi_counts, (u << b) | v) if u >= 0 and v >= 0 else 0.0
    c_uvw = one(lm.tri_keys, lm.tri_counts, (u << 2 * b) | (v << b) | w) if u >= 0 and v >= 0 else 0.0
    p = lm.p_uni[w] * ALPHA * ALPHA
    if c_vw > 0 and lm.uni[v] > 0:
        p = ALPHA * c_vw / max(lm.uni[v], 1.0)
    if c_uvw > 0 and c_uv > 0:
        p = c_uvw / c_uv
    return np.log(min(p, 1.0))


def test_score_rows_equals_every_ngram_looked_up_and_gives_the_rows_word_pairs():
    lm = model()
    words = "the of troops were sent to border spy agency said told bbc on monday a an xqzzyvv".split()
    ids = [lm.word_id(w) for w in words] + [BOS]
    rng = np.random.default_rng(7)
    rows = rng.choice(ids, size=(300, 7))
    rows[:, 0] = np.where(rng.random(300) < 0.2, -1, rows[:, 0])  # no second context word
    for r in range(300):  # rows end early (-1 padding), as hypotheses of several lengths do
        rows[r, 3 + rng.integers(0, 4):] = -1
    rows[:, 2:][rows[:, 2:] == BOS] = lm.word_id("said")  # a paragraph start is context only
    for r, text in enumerate(["troops were sent to the border", "the spy agency said on monday",
                              "bbc on monday the troops were"]):  # trigrams the corpus saw
        rows[r] = [lm.word_id(w) for w in text.split()] + [-1]
    scores, pairs = lm._score_rows(rows, 2, with_pairs=True)
    for r, row in enumerate(rows.tolist()):
        want = 0.0
        for j in range(2, 7):
            if row[j] < 0:
                continue
            v = row[j - 1]
            u = -1 if v == BOS else row[j - 2]
            want += _reference_logprob(lm, u, v, row[j])
        assert scores[r] == pytest.approx(want, rel=1e-12, abs=1e-12)
        for j in range(6):
            a, b = row[j], row[j + 1]
            count = float(lm.bigram_counts(np.array([(a << lm.bits) | b]))[0]) if a >= 0 and b >= 0 else 0.0
            assert pairs[r, j] == count
    assert (pairs > 0).any() and (pairs == 0).any()


def test_word_ids_and_frequencies():
    lm = model()
    assert lm.word_id("the") not in (BOS, UNK)
    assert lm.word_id("xqzzyvv") == UNK
    assert lm.term_ids("spy agency") is not None and lm.term_ids("spy xqzzyvv") is None
    assert lm.zipf("the") > lm.zipf("troops") > lm.zipf("troopers") > 0
    assert lm.zipf("xqzzyvv") == 0
    assert 6.5 < lm.zipf("the") < 8.0  # wordfreq gives "the" about 7.7


def test_capitalised_share():
    lm = model()
    assert lm.capitalised_share("russia") > 0.5
    assert lm.capitalised_share("kyiv") > 0.5
    assert lm.capitalised_share("latest") < 0.5
    assert lm.capitalised_share("troops") < 0.5
    assert lm.capitalised_share("xqzzyvv") == 0.0


# ---------------------------------------------------------------- rules in one pipeline
def test_spin_edits_inside_an_artifact_repair_are_dropped():
    """A duplicated line goes whole: no spin edit may land on the deleted copy."""
    line = "The troopers were despatched to the warfare, in line with the spy company."
    text = f"{line}\n{line}\n"
    result = repair.fix_and_explain(text, min_confidence=0.0)
    dup = [c for c in result.changes if c.rule == "artifact.duplicate-line"]
    assert len(dup) == 1 and dup[0].start == len(line)
    assert all(c.end <= dup[0].start for c in result.changes if c is not dup[0])
    assert repair.revert_changes(result.text, result.changes) == text


def test_selecting_spin_only_leaves_artifacts():
    text = "Prices rose &amp; fell.\n"
    assert repair.fix(text, select=("spin",)) == text
    assert repair.fix(text, select=("artifact.entity",)) == "Prices rose & fell.\n"
    assert repair.fix(text, ignore=("artifact",)) == text


# ---------------------------------------------------------------- long texts, a piece at a time
from hypothesis import given, settings, strategies as st  # noqa: E402

from repair import spin  # noqa: E402

_PIECE_TEXT = st.lists(st.sampled_from(["word", "two words.", "\n", "\n\n", "\r\n\r\n", "\r", " ", "  ", "x" * 7,
                                        ",", "w0rd", "42"]), max_size=60).map("".join)


@settings(max_examples=200, deadline=None)
@given(_PIECE_TEXT, st.integers(min_value=1, max_value=9))
def test_pieces_cover_the_text_in_order_and_hold_at_most_the_limit(text, limit):
    cuts = spin.pieces(text, limit)
    if not text:
        assert cuts == []
        return
    assert cuts[0][0] == 0 and cuts[-1][1] == len(text)
    assert all(a < b for a, b in cuts) and all(cuts[k][1] == cuts[k + 1][0] for k in range(len(cuts) - 1))
    assert all(sum(t.is_word for t in tokenize(text[a:b])) <= limit for a, b in cuts)  # the engine's words


def test_pieces_end_at_a_paragraph_break_then_a_line_break_then_a_sentence_end():
    para = "one two three four.\n\nfive six seven eight nine.\nten eleven twelve"
    assert [para[a:b] for a, b in spin.pieces(para, 8)][0] == "one two three four.\n\n"
    lines = "one two three four.\nfive six seven. eight nine ten"
    assert [lines[a:b] for a, b in spin.pieces(lines, 6)][0] == "one two three four.\n"
    flat = "one two three four. five six seven eight"
    assert [flat[a:b] for a, b in spin.pieces(flat, 6)][0] == "one two three four. "
    early = "one. two three four five six seven eight"  # a sentence end in the first half is too early
    assert [early[a:b] for a, b in spin.pieces(early, 6)][0] == "one. two three four five six "
    assert [t[a:b] for t in ["a b c d e f g"] for a, b in spin.pieces(t, 4)] == ["a b c d ", "e f g"]


def test_pieces_cut_a_long_line_without_spaces_between_words():
    """"word,word,word,...": the engine's words count, however long the line without a space."""
    text = ",".join(["word"] * 10) + "\n"
    cuts = spin.pieces(text, 4)
    assert [text[a:b] for a, b in cuts] == ["word,word,word,word", ",word,word,word,word", ",word,word\n"]


def test_a_long_text_is_scored_a_piece_at_a_time(monkeypatch):
    """Above PIECE_WORDS words, each piece is its own document: its suggestions (offsets in the
    whole text) are those of the piece alone, and the spin score is the pieces' word-weighted one."""
    paragraphs = [
        "Ukrainian forces have captured an injured soldier who was despatched to help the warfare.",
        "The troopers were issued faux papers, in line with the spy company, officials stated on Friday.",
        "North Korea has despatched greater than 10,000 troopers to assist Russia, in line with Kyiv.",
    ]
    text = "\n\n".join(paragraphs) + "\n"
    whole = spin.suggest(text, floor=0.0)
    monkeypatch.setattr(spin, "PIECE_WORDS", 20)
    cuts = spin.pieces(text, 20)
    assert len(cuts) == 3
    changes, score = spin.suggest(text, floor=0.0)
    expected, words, spun = [], 0, 0.0
    for a, b in cuts:
        ev = spin.score_document(text[a:b])
        expected += [(c.start + a, c.end + a, c.old, c.new, c.confidence) for c in spin.decisions(ev, floor=0.0)]
        words += ev.n_words
        spun += spin.spin_score(ev) * ev.n_words
    assert [(c.start, c.end, c.old, c.new, c.confidence) for c in changes] == expected
    assert all(text[c.start:c.end] == c.old for c in changes)
    assert score == pytest.approx(spun / words)
    assert changes != whole[0] or score != whole[1]  # the pieces really were scored apart
    result = repair.fix_and_explain(text, min_confidence=0.3)
    assert repair.revert_changes(result.text, result.changes) == text


def test_a_lone_cr_ends_a_line_for_the_engine():
    """Old Mac line ends: spans and their context stop at a lone CR as at LF and CRLF."""
    lines = ["The soldier was believed to be the primary", "prisoner of warfare captured since December."]
    by_end = {end: repair.fix_and_explain(end.join(lines) + end, min_confidence=0.0).changes
              for end in ("\n", "\r\n", "\r")}
    as_lf = [(c.old, c.new, round(c.confidence, 6)) for c in by_end["\n"]]
    assert as_lf
    for end in ("\r\n", "\r"):
        assert [(c.old, c.new, round(c.confidence, 6)) for c in by_end[end]] == as_lf


def test_a_selected_spin_rule_competes_alone(tmp_path):
    """With one spin rule asked for, the other rule's likelier candidates on a span do not hide its
    own: whichever rule wins "spy company" with both on, the other one shows there when selected alone."""
    lexicon = tmp_path / "farm.tsv"
    lexicon.write_text("spun\toriginal\tcount\tweight\tguard\tsource\nspy company\tspy agency\t5\t0.9\t\ttest\n",
                       encoding="utf-8")
    text = "The hound barked at the spy company.\n"
    at = text.index("spy company"), text.index("spy company") + len("spy company")

    def over_span(rule):
        got = repair.fix_and_explain(text, min_confidence=0.0, lexicons=(str(lexicon),),
                                     select=(rule,) if rule else None).suggestions
        return got, [c for c in got if c.start < at[1] and at[0] < c.end]

    both, there = over_span(None)
    assert len({c.rule for c in there}) == 1  # one rule wins the span (changes never overlap)
    only, lex_there = over_span("spin.lexicon")
    assert all(c.rule == "spin.lexicon" for c in only)  # (the bundled lexicons may list other words)
    assert [(c.old, c.new, c.rule) for c in lex_there] == [("spy company", "spy agency", "spin.lexicon")]
    assert [c.text for c in lex_there[0].candidates] == ["spy agency"]
    thesaurus, th_there = over_span("spin.thesaurus")
    assert thesaurus and th_there and all(c.rule == "spin.thesaurus" for c in thesaurus)
    loser = {"spin.lexicon": th_there, "spin.thesaurus": lex_there}[there[0].rule]
    assert all(c.rule != there[0].rule for c in loser)  # the losing rule's own candidate, shown alone
    # away from the span, the selected rule's changes are the ones it makes with both on
    away = [(c.old, c.new) for c in both if c.rule == "spin.thesaurus" and c not in there]
    assert [(c.old, c.new) for c in thesaurus if c not in th_there] == away


def test_a_guard_term_counts_anywhere_in_a_text_scored_in_pieces(monkeypatch):
    """A guarded lexicon entry (bundled tortured list: "actually occur" -> "true positive", guard
    "true positive") fires when its guard term is in another piece of the text."""
    first = "A true positive is a case the classifier labels correctly as belonging to the class.\n\n"
    second = "The classifier counts every actually occur in the test set before the threshold is chosen.\n"

    def restored(text):
        return any(c.old == "actually occur" and c.new == "true positive"
                   for c in repair.fix_and_explain(text, min_confidence=0.0).suggestions)

    assert not restored(second)  # without the guard term, the entry does not fire
    assert restored(first + second)
    monkeypatch.setattr(spin, "PIECE_WORDS", 20)
    assert len(spin.pieces(first + second, 20)) == 2
    assert restored(first + second)


def test_window_scores_are_the_same_whatever_the_block_of_rows(monkeypatch):
    """The hypotheses of a text are scored WINDOW_ROWS at a time (bounded memory): blocks of any
    size, cutting between a span's spun row and its candidates or inside them, give every
    candidate the same gains and edge-pair evidence, and so the same suggestions."""
    text = ("Ukrainian forces have captured an injured soldier who was despatched to help the warfare.\n\n"
            "The troopers were issued faux papers, in line with the spy company, officials stated on Friday.\n")

    def evidence_of():
        ev = spin.score_document(text)
        return ([(s.start, s.end, s.cands, s.gains.tolist(), s.cand_unseen.tolist(), s.spun_unseen)
                 for s in ev.scored], [(c.old, c.new, c.confidence) for c in spin.decisions(ev, floor=0.0)])

    whole = evidence_of()
    assert sum(len(s[2]) for s in whole[0]) > 50  # many rows, so small blocks really cut them
    for rows in (1, 7, 64):
        monkeypatch.setattr(spin, "WINDOW_ROWS", rows)
        assert evidence_of() == whole


def test_lookups_answer_exactly_what_the_table_holds():
    """A big table's look-ups (a sample of every 16th key, then a block of 16: repair/lm.py) give
    every count exactly, however large, and 0.0 for a key the table lacks, in any order and with
    repeated queries."""
    from repair import lm

    rng = np.random.default_rng(7)
    keys = np.unique(rng.integers(0, 1 << 40, 6000))
    counts = rng.integers(1, 1 << 32, len(keys), dtype=np.uint64).astype(np.uint32)
    counts[:3] = [np.iinfo(np.uint32).max, (1 << 24) + 1, 1]  # not exact in a float32
    absent = keys[:50] + 1
    absent = absent[~np.isin(absent, keys)]
    q = np.concatenate([keys[rng.integers(0, len(keys), 3000)], keys[:3], absent, [-1], [keys[-1] + 1]])
    want = np.concatenate([counts[np.searchsorted(keys, q[:-len(absent) - 2])], np.zeros(len(absent) + 2)])
    assert np.array_equal(lm._find(keys, counts, q), want)
    assert np.array_equal(lm._find(keys, counts, q[::-1]), want[::-1])
