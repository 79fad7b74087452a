"""Tests for ``repair eval`` (repair/evaluate.py and its CLI command), with fake engines only."""
from __future__ import annotations

import io
import json
import random
import re
import sys

import pytest
from conftest import run_module
from hypothesis import given, settings
from hypothesis import strategies as st
from test_cli import assert_one_error_line, invoke

from repair import evaluate as ev
from repair.changes import Change

# --- helpers ------------------------------------------------------------------------------

def word_engine(rules: dict[str, tuple[str, float, str]]):
    """An engine that rewrites whole words: {old: (new, confidence, rule)}; multi-word keys allowed."""
    alternatives = "|".join(sorted(map(re.escape, rules), key=len, reverse=True))
    pattern = re.compile(r"\b(" + alternatives + r")\b") if rules else None

    def engine(text: str) -> list[Change]:
        if pattern is None:
            return []
        return [Change(m.start(), m.end(), m.group(), new, rule, conf)
                for m in pattern.finditer(text) for new, conf, rule in [rules[m.group()]]]
    return engine


def report_for(rows, rules, thresholds=(0.0,), default=0.9):
    pairs = [ev.Pair(o, s, line=i) for i, (o, s) in enumerate(rows, 1)]
    return ev.evaluate(pairs, word_engine(rules), thresholds=thresholds, default=default, source="t")


def row_at(report: ev.Report, t: float) -> ev.Row:
    return next(r for r in report.rows if abs(r.threshold - t) < 1e-9)


def reference_distance(a, b) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


# --- Levenshtein --------------------------------------------------------------------------

@pytest.mark.parametrize("a, b, expected", [
    ([], [], 0),
    ([], ["a", "b"], 2),
    (["a", "b", "c"], [], 3),
    (["a"], ["a"], 0),
    (["a"], ["b"], 1),
    (list("kitten"), list("sitting"), 3),
    (list("flaw"), list("lawn"), 2),
    (["the", "spy", "company"], ["the", "spy", "agency"], 1),
    (["in", "line", "with"], ["according", "to"], 3),
    (["a", "b", "a", "b"], ["b", "a", "b", "a"], 2),
])
def test_levenshtein_small_cases(a, b, expected):
    assert ev.levenshtein(a, b) == expected
    assert ev.levenshtein(b, a) == expected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from("abcd"), max_size=12), st.lists(st.sampled_from("abcd"), max_size=12))
def test_levenshtein_matches_the_textbook_recurrence(a, b):
    assert ev.levenshtein(a, b) == reference_distance(a, b)


def test_levenshtein_long_paragraphs():
    rng = random.Random(4)
    a = [rng.choice("abcdefghij") for _ in range(1500)]
    b = list(a)
    for i in range(0, 1500, 100):  # 15 substitutions, spread out
        b[i] = "X"
    del b[750]  # and one deletion
    assert ev.levenshtein(a, b) == 16
    c, d = a[:400], [rng.choice("abcdefghij") for _ in range(350)]
    assert ev.levenshtein(c, d) == reference_distance(c, d)


def test_tokens_are_case_folded_with_punctuation_kept():
    assert ev.norm_tokens("The Spy’s AGENCY, said.") == ["the", "spy's", "agency", ",", "said", "."]


# --- reversal -----------------------------------------------------------------------------

ORIGINAL = "The spy agency said the troops were sent north."
SPUN = "The spy company said the troopers were despatched north."
RESTORE = {"company": ("agency", 0.9, "r"), "troopers": ("troops", 0.9, "r"),
           "despatched": ("sent", 0.9, "r")}


def test_perfect_repair_reverses_everything():
    r = row_at(report_for([(ORIGINAL, SPUN)], RESTORE), 0.0)
    assert r.dist_spun == 3 and r.dist_repaired == 0
    assert r.reversal == 1.0


def test_no_repair_reverses_nothing():
    r = row_at(report_for([(ORIGINAL, SPUN)], {}), 0.0)
    assert r.dist_repaired == r.dist_spun == 3
    assert r.reversal == 0.0


def test_harmful_repair_is_negative():
    harm = {"said": ("stated", 0.9, "r"), "north": ("northward", 0.9, "r")}
    r = row_at(report_for([(ORIGINAL, SPUN)], harm), 0.0)
    assert r.dist_repaired == 5
    assert r.reversal == pytest.approx(1 - 5 / 3)
    assert r.reversal < 0


def test_reversal_is_pooled_over_pairs_and_clean_pairs_add_nothing_to_the_denominator():
    rows = [(ORIGINAL, SPUN), ("Nothing to undo here.", "Nothing to undo here.")]
    r = row_at(report_for(rows, {"company": ("agency", 0.9, "r")}), 0.0)
    assert (r.dist_spun, r.dist_repaired) == (3, 2)
    assert r.reversal == pytest.approx(1 / 3)


def test_reversal_is_undefined_when_nothing_was_spun():
    r = row_at(report_for([("Same text.", "Same text.")], {}), 0.0)
    assert r.reversal is None
    assert r.to_dict()["reversal"] is None


# --- precision, recall, false edits -------------------------------------------------------

PAIRS = [
    ("The river bank was closed on Monday.", "The stream bank was shut on Monday."),
    ("She bought a fast car yesterday.", "She purchased a quick car yesterday."),
    ("Nothing changed here.", "Nothing changed here."),
]
ENGINE_RULES = {
    "stream": ("river", 0.9, "syn.a"),      # correct
    "shut": ("closed", 0.6, "syn.b"),       # correct
    "purchased": ("got", 0.8, "syn.a"),     # spun place, wrong restoration
    "quick": ("fast", 0.4, "syn.b"),        # correct
    "yesterday": ("today", 0.7, "syn.c"),   # false edit: the spinner left it alone
    "changed": ("altered", 0.5, "syn.c"),   # false edit in a clean pair
}
WORDS = 7 + 6 + 3  # letters-or-digits tokens of the originals


def test_counts_with_every_suggestion_applied():
    report = report_for(PAIRS, ENGINE_RULES)
    assert (report.pairs, report.words, report.edits) == (3, WORDS, 4)
    r = row_at(report, 0.0)
    c = r.counts
    assert (c.applied, c.correct, c.wrong, c.false, c.restored) == (6, 3, 1, 2, 3)
    assert r.precision == pytest.approx(3 / 6)
    assert r.recall == pytest.approx(3 / 4)
    assert r.false_per_1k == pytest.approx(1000 * 2 / WORDS)


def test_counts_at_a_threshold():
    r = row_at(report_for(PAIRS, ENGINE_RULES, thresholds=[0.65]), 0.65)
    c = r.counts
    assert (c.applied, c.correct, c.wrong, c.false, c.restored) == (3, 1, 1, 1, 1)
    assert r.recall == pytest.approx(1 / 4)


def test_per_rule_breakdown_is_at_the_default_threshold():
    report = report_for(PAIRS, ENGINE_RULES, thresholds=[0.0], default=0.55)
    rules = {k: (v.applied, v.correct, v.wrong, v.false) for k, v in report.rules.items()}
    assert rules == {"syn.a": (2, 1, 1, 0), "syn.b": (1, 1, 0, 0), "syn.c": (1, 0, 0, 1)}
    assert next(iter(report.rules)) == "syn.a"  # most applied first


def test_a_multi_word_change_restores_an_unequal_block():
    pair = [("It rained, according to the report.", "It rained, in line with the report.")]
    report = report_for(pair, {"in line with": ("according to", 0.9, "phrase")})
    c = row_at(report, 0.0).counts
    assert (report.edits, c.correct, c.restored) == (1, 1, 1)


@pytest.mark.parametrize("rules", [
    {"line": ("according", 0.9, "r")},          # part of an unequal block: judged on the whole
    {"in line with": ("in accordance", 0.9, "r")},
])
def test_changes_that_do_not_restore_a_block_are_wrong(rules):
    pair = [("It rained, according to the report.", "It rained, in line with the report.")]
    c = row_at(report_for(pair, rules), 0.0).counts
    assert (c.applied, c.correct, c.wrong, c.false, c.restored) == (1, 0, 1, 0, 0)


def test_equal_length_blocks_are_judged_word_by_word():
    pair = [("The intelligence agency said so.", "The spy company said so.")]
    c = row_at(report_for(pair, {"company": ("agency", 0.9, "r")}), 0.0).counts
    assert (c.correct, c.restored) == (1, 0)  # right word, but "spy" is still spun
    both = {"company": ("agency", 0.9, "r"), "spy": ("intelligence", 0.9, "r")}
    c = row_at(report_for(pair, both), 0.0).counts
    assert (c.correct, c.restored) == (2, 1)


def test_case_and_curly_apostrophes_do_not_matter():
    pair = [("The Agency’s report.", "The Company's report.")]
    c = row_at(report_for(pair, {"Company's": ("agency's", 0.9, "r")}), 0.0).counts
    assert (c.correct, c.false) == (1, 0)


def test_an_insertion_that_restores_a_deleted_word_is_correct():
    pair = [("He was very tired.", "He was tired.")]

    def engine(text):
        at = text.index("tired")
        return [Change(at, at, "", "very ", "ins", 0.9)]
    report = ev.evaluate([ev.Pair(*pair[0], line=1)], engine, thresholds=[0.0], default=0.9)
    c = row_at(report, 0.0).counts
    assert (c.correct, c.false, c.wrong) == (1, 0, 0)
    assert report.edits == 0  # an insert block is not a replace block
    assert row_at(report, 0.0).reversal == 1.0


def test_a_change_inside_a_word_is_judged_on_the_whole_word():
    pair = [("The troops left.", "The troopers left.")]

    def engine(text):
        at = text.index("ers")
        return [Change(at, at + 3, "ers", "s", "suffix", 0.9)]
    c = row_at(ev.evaluate([ev.Pair(*pair[0], line=1)], engine, thresholds=[0.0]), 0.0).counts
    assert (c.correct, c.restored) == (1, 1)


# --- thresholds ---------------------------------------------------------------------------

def test_default_thresholds_are_the_grid_plus_the_engine_default():
    assert ev.thresholds_with_default(None, 0.85) == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9]
    assert ev.thresholds_with_default(None, 0.9) == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
    assert ev.thresholds_with_default([0.8, 0.2, 0.5, 0.2], 0.9) == [0.2, 0.5, 0.8]
    report = report_for(PAIRS, ENGINE_RULES, thresholds=None, default=0.85)
    assert [r.threshold for r in report.rows if r.is_default] == [0.85]


def random_pairs(seed: int, n: int = 30):
    rng = random.Random(seed)
    vocab = ["alpha", "beta", "gamma", "delta", "omega", "sigma", "kappa", "theta"]
    swaps = {w: vocab[(i + 1) % len(vocab)] for i, w in enumerate(vocab)}
    rows = []
    for _ in range(n):
        original = [rng.choice(vocab) for _ in range(rng.randint(0, 25))]
        spun = [swaps[w] if rng.random() < 0.3 else w for w in original]
        rows.append((" ".join(original) + ".", " ".join(spun) + "."))
    return rows, vocab


def random_engine(seed: int, vocab):
    """Proposes a random word for every word, with a random confidence: right, wrong or false."""
    def engine(text: str) -> list[Change]:
        rng = random.Random(f"{seed}:{text}")  # deterministic across runs
        return [Change(m.start(), m.end(), m.group(), rng.choice(vocab), rng.choice("xyz"), rng.random())
                for m in re.finditer(r"\w+", text) if rng.random() < 0.6]
    return engine


@pytest.mark.parametrize("seed", range(5))
def test_threshold_table_is_monotonic(seed):
    rows, vocab = random_pairs(seed)
    pairs = [ev.Pair(o, s, line=i) for i, (o, s) in enumerate(rows, 1)]
    grid = [0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0]
    report = ev.evaluate(pairs, random_engine(seed, vocab), thresholds=grid, default=0.5)
    assert [r.threshold for r in report.rows] == grid
    for lo, hi in zip(report.rows, report.rows[1:]):
        for name in ("applied", "correct", "wrong", "false", "restored"):
            assert getattr(hi.counts, name) <= getattr(lo.counts, name), name
    for r in report.rows:
        c = r.counts
        assert c.applied == c.correct + c.wrong + c.false
        assert 0 <= c.restored <= report.edits
        assert r.dist_spun == report.dist_spun
    # every spinner edit stands at one stage, and "restored" is the default row's count
    assert sum(report.stages.values()) == report.edits
    assert report.stages["restored"] == report.default_row.counts.restored


# --- where the spinner's edits stand ------------------------------------------------------

def candidates_engine(rules: dict[str, tuple[tuple[str, float], ...]]):
    """Whole-word changes {old: ((new, confidence), (other candidate, score), ...)}: the first
    candidate is the change, all of them are its ranked candidates."""
    from repair.changes import Candidate

    pattern = re.compile(r"\b(" + "|".join(map(re.escape, rules)) + r")\b")

    def engine(text: str) -> list[Change]:
        return [Change(m.start(), m.end(), m.group(), cands[0][0], "r", cands[0][1],
                       tuple(Candidate(t, p) for t, p in cands))
                for m in pattern.finditer(text) for cands in [rules[m.group()]]]
    return engine


STAGE_PAIRS = [
    ("The river bank was closed on Monday.", "The stream bank was shut on Monday."),
    ("She bought a fast car in spring.", "She purchased a quick car in spring."),
    ("The intelligence agency met again.", "The spy company met again."),
    ("Prices rose sharply today.", "Prices climbed sharply today."),
]
STAGE_RULES = {
    "stream": (("river", 0.9),),                       # restored
    "shut": (("closed", 0.3),),                        # right, below the threshold
    "purchased": (("got", 0.4), ("bought", 0.2)),      # right, ranked lower
    "company": (("agency", 0.9),),                     # part of "spy company" -> "intelligence agency"
    "quick": (("rapid", 0.6), ("speedy", 0.1)),        # no candidate restores "fast"
    "spring": (("summer", 0.9),),                      # a false edit: no stage counts it
}                                                       # "climbed" is touched by nothing


def test_each_spinner_edit_stands_at_the_first_stage_that_holds_for_it():
    pairs = [ev.Pair(o, s, line=i) for i, (o, s) in enumerate(STAGE_PAIRS, 1)]
    report = ev.evaluate(pairs, candidates_engine(STAGE_RULES), thresholds=[0.5], default=0.5)
    assert report.stages == {"restored": 1, "below_threshold": 1, "ranked_lower": 1, "partly_restored": 1,
                             "not_a_candidate": 1, "no_suggestion": 1}
    assert report.stages_rule == "the default threshold 0.50"
    assert report.stages["restored"] == report.default_row.counts.restored
    text = ev.render_text(report)
    assert "Where the 6 spinner edits stand, under the default threshold 0.50:" in text
    assert re.search(r"right, ranked lower\s+1\s+16\.7%", text)
    # at a lower threshold the right change below it is restored too
    low = ev.evaluate(pairs, candidates_engine(STAGE_RULES), thresholds=[0.2], default=0.2)
    assert (low.stages["restored"], low.stages["below_threshold"]) == (2, 0)


def test_lost_edits_are_listed_stage_by_stage_as_written_with_what_was_suggested():
    pairs = [ev.Pair(o, s, line=i) for i, (o, s) in enumerate(STAGE_PAIRS, 1)]
    report = ev.evaluate(pairs, candidates_engine(STAGE_RULES), thresholds=[0.5], default=0.5, examples=1)
    lost = [(x.stage, x.line, x.spun, x.original, x.suggested) for x in report.lost]
    assert lost == [
        ("below_threshold", 1, "shut", "closed", (("shut", "closed", 0.3),)),
        ("ranked_lower", 2, "purchased", "bought", (("purchased", "got", 0.4),)),
        ("partly_restored", 3, "spy company", "intelligence agency", (("company", "agency", 0.9),)),
        ("not_a_candidate", 2, "quick", "fast", (("quick", "rapid", 0.6),)),
        ("no_suggestion", 4, "climbed", "rose", ()),
    ]
    text = ev.render_text(report)
    assert "    line 2: 'purchased' was 'bought'  ['purchased' -> 'got' (0.40)]" in text
    assert "    line 4: 'climbed' was 'rose'" in text
    assert report.to_dict()["lost_edits"][0] == {
        "stage": "below_threshold", "line": 1, "spun": "shut", "original": "closed",
        "suggested": [{"old": "shut", "new": "closed", "confidence": 0.3}]}
    # without examples asked for, none are listed
    assert ev.evaluate(pairs, candidates_engine(STAGE_RULES), thresholds=[0.5], default=0.5).lost == []


def test_lost_edits_keep_the_texts_as_written():
    pair = ev.Pair("The Agency’s men, in short.", "The Company’s men, briefly.", line=7)
    report = ev.evaluate([pair], lambda text: [], thresholds=[0.5], default=0.5, examples=5)
    assert [(x.spun, x.original) for x in report.lost] == [("Company’s", "Agency’s"), ("briefly", "in short")]


def test_cli_lists_lost_edits_on_request(fake_engine_installed, pairs_file, monkeypatch):
    monkeypatch.setattr("repair.pipeline.DEFAULT_THRESHOLD", 0.9)
    r = invoke("eval", str(pairs_file), "--examples", "2")
    assert r.exit_code == 0, r.stderr
    assert "    line 1: 'big' was 'large'  ['big' -> 'large' (0.30)]" in r.stdout.splitlines()
    assert "not restored" not in invoke("eval", str(pairs_file)).stdout
    assert invoke("eval", str(pairs_file), "--examples", "-1").exit_code == 2


def test_a_lower_candidate_that_restores_only_part_of_a_block_is_not_ranked_lower():
    pair = ev.Pair("It rained, according to the report.", "It rained, in line with the report.")
    engine = candidates_engine({"line": (("row", 0.9), ("according", 0.5))})
    report = ev.evaluate([pair], engine, thresholds=[0.5], default=0.5)
    assert report.stages["not_a_candidate"] == 1 and report.stages["ranked_lower"] == 0


def test_a_pair_the_spinner_left_alone_has_no_stages():
    pair = ev.Pair("Nothing changed here.", "Nothing changed here.")
    report = ev.evaluate([pair], candidates_engine({"changed": (("altered", 0.9),)}), thresholds=[0.5], default=0.5)
    assert report.edits == 0 and sum(report.stages.values()) == 0
    assert "spinner edits stand" not in ev.render_text(report)


# --- input --------------------------------------------------------------------------------

def test_parse_pairs_skips_blank_lines_keeps_line_numbers_and_limits():
    data = '\ufeff{"original": "a", "spun": "b"}\n\n{"original": "c", "spun": "d", "x": 1}\r\n{"original": 1}\n'
    pairs = ev.parse_pairs(data, "p.jsonl", limit=2)
    assert [(p.original, p.spun, p.line, p.origin) for p in pairs] == [
        ("a", "b", 1, "p.jsonl:1"), ("c", "d", 3, "p.jsonl:3")]


def test_eval_and_learn_share_one_pair_reader():
    from repair import learn

    assert ev.Pair is learn.Pair
    assert ev.Pair("o", "s") == learn.Pair("o", "s", "", 0)  # positional (original, spun) still works
    with pytest.raises(ev.InputError):  # learn's PairsError is the InputError eval raised before
        ev.parse_pairs("[]", "p.jsonl")
    assert issubclass(learn.PairsError, ValueError)


@pytest.mark.parametrize("data, message", [
    ('{"original": "a", "spun": "b"}\n{"original": "a", "spun": \n',
     "p.jsonl:2: invalid JSON (Expecting value at column 27)"),
    ('{"original": "a"}\n', 'p.jsonl:1: missing field "spun"'),
    ('\n{"spun": "a"}\n', 'p.jsonl:2: missing field "original"'),
    ('{"original": "a", "spun": 3}\n', 'p.jsonl:1: field "spun" must be a string'),
    ('["a", "b"]\n', 'p.jsonl:1: expected an object with "original" and "spun"'),
    ("", "p.jsonl: no pairs (the file is empty)"),
    ("\n \n", "p.jsonl: no pairs (the file is empty)"),
])
def test_parse_pairs_errors(data, message):
    with pytest.raises(ev.InputError) as exc:
        ev.parse_pairs(data, "p.jsonl")
    assert str(exc.value).startswith(message)
    assert "\n" not in str(exc.value)


# --- CLI ----------------------------------------------------------------------------------

CLI_PAIRS = [
    {"original": "The spy agency said the large deal was done.",
     "spun": "The spy company said the big deal was done."},
    {"original": "A clean company report.", "spun": "A clean company report."},
]


@pytest.fixture
def pairs_file(tmp_path):
    p = tmp_path / "pairs.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in CLI_PAIRS), encoding="utf-8")
    return p


def test_cli_text_table(fake_engine_installed, pairs_file, monkeypatch):
    monkeypatch.setattr("repair.pipeline.DEFAULT_THRESHOLD", 0.9)  # the table marks the engine's default
    r = invoke("eval", str(pairs_file))
    assert r.exit_code == 0, r.stderr
    assert r.stderr == ""  # no progress bar when stderr is not a terminal
    lines = r.stdout.splitlines()
    assert lines[0].startswith(f"{pairs_file}: 2 pairs, 13 words, 2 spinner edits")
    table = [ln for ln in lines if re.match(r"^\s*\*?\s*0\.\d0\s", ln)]
    assert len(table) == 9
    assert table[-1].split() == ["*", "0.90", "2", "1", "1", "0.500", "0.500", "76.92", "0.000"]
    assert table[0].split() == ["0.10", "3", "2", "1", "0.667", "1.000", "76.92", "0.500"]
    assert "(* the engine's default threshold)" in lines
    assert any(ln.split() == ["fake.spin", "2", "1", "0.500"] for ln in lines)
    assert lines[-1] == ("Document score (check --score): ROC AUC 1.000 between the 1 spun texts and their "
                         "originals (1 pairs the spinner left unchanged left out).")


def test_cli_json_shape(fake_engine_installed, pairs_file, monkeypatch):
    monkeypatch.setattr("repair.pipeline.DEFAULT_THRESHOLD", 0.9)
    r = invoke("eval", str(pairs_file), "--format", "json", "--thresholds", "0.8,0.2,0.5")
    assert r.exit_code == 0, r.stderr
    obj = json.loads(r.stdout)
    assert set(obj) == {"source", "pairs", "words", "tokens", "spinner_edits", "dist_spun",
                        "default_threshold", "seconds", "thresholds", "rules", "document_score_auc",
                        "document_score_pairs", "document_gate", "spinner_edits_by_stage", "lost_edits"}
    assert obj["lost_edits"] == []  # only with --examples
    # the fake engine scores a text 0.04 when it suggests something: the spun text 0.04, its original 0;
    # the second pair is unchanged by the spinner, so it is left out
    assert (obj["document_score_auc"], obj["document_score_pairs"]) == (1.0, 1)
    # 0.04 is under the document gate's score: the engine's rule is the default threshold
    gate = obj["document_gate"]
    assert (gate["threshold"], gate["applied"], gate["correct"]) == (0.9, 2, 1)
    assert (obj["pairs"], obj["words"], obj["spinner_edits"], obj["dist_spun"]) == (2, 13, 2, 2)
    assert obj["default_threshold"] == 0.9
    assert [t["threshold"] for t in obj["thresholds"]] == [0.2, 0.5, 0.8]
    assert set(obj["thresholds"][0]) == {
        "threshold", "default", "applied", "correct", "wrong", "false_edits", "restored_edits",
        "precision", "recall", "false_per_1k_words", "dist_repaired", "reversal"}
    low = obj["thresholds"][0]
    assert (low["applied"], low["correct"], low["false_edits"], low["reversal"]) == (3, 2, 1, 0.5)
    assert not any(t["default"] for t in obj["thresholds"])
    assert obj["rules"] == [{"rule": "fake.spin", "applied": 2, "correct": 1, "wrong": 0,
                             "false_edits": 1, "precision": 0.5}]
    # "company" -> "agency" at 0.9 is restored; "big" -> "large" is right but at 0.3
    stages = obj["spinner_edits_by_stage"]
    assert stages.pop("rule") == "the engine's default rule (gate)"
    assert stages == {"restored": 1, "below_threshold": 1, "ranked_lower": 0, "partly_restored": 0,
                      "not_a_candidate": 0, "no_suggestion": 0}


def test_cli_limit(fake_engine_installed, pairs_file):
    obj = json.loads(invoke("eval", str(pairs_file), "-f", "json", "--limit", "1").stdout)
    assert obj["pairs"] == 1
    assert invoke("eval", str(pairs_file), "--limit", "0").exit_code == 2


def test_cli_invalid_json_names_the_line(fake_engine_installed, tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text(json.dumps(CLI_PAIRS[0]) + "\n\n{not json}\n", encoding="utf-8")
    r = invoke("eval", str(p))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, f"{p}:3: invalid JSON")
    assert r.stdout == ""


def test_cli_missing_field(fake_engine_installed, tmp_path):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"original": "a b c"}\n', encoding="utf-8")
    r = invoke("eval", str(p))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, f'{p}:1: missing field "spun"')


def test_cli_missing_and_empty_files(fake_engine_installed, tmp_path):
    r = invoke("eval", str(tmp_path / "nope.jsonl"))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, "nope.jsonl: no such file")
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    r = invoke("eval", str(empty))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, "empty.jsonl: no pairs (the file is empty)")


@pytest.mark.parametrize("value", ["0.2,abc", "1.5", ",", "0.5,-0.1"])
def test_cli_bad_thresholds(fake_engine_installed, pairs_file, value):
    r = invoke("eval", str(pairs_file), "--thresholds", value)
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, "--thresholds")


def test_cli_plot_without_matplotlib(fake_engine_installed, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib -> ImportError
    p = tmp_path / "boom.jsonl"  # the engine would raise on "boom": it must not run at all
    p.write_text('{"original": "a boom", "spun": "a boom"}\n', encoding="utf-8")
    out = tmp_path / "curve.png"
    r = invoke("eval", str(p), "--plot", str(out))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, 'pip install "repair[plot]"')
    assert not out.exists()


def test_cli_plot_with_matplotlib(fake_engine_installed, pairs_file, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "curve.png"
    r = invoke("eval", str(pairs_file), "--plot", str(out))
    assert r.exit_code == 0, r.stderr
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_progress_bar_on_a_terminal(monkeypatch):
    from repair import cli

    class Tty(io.StringIO):
        def isatty(self):
            return True

    fake = Tty()
    monkeypatch.setattr(sys, "stderr", fake)
    with cli._eval_progress(3) as tick:
        assert tick is not None
        for _ in range(3):
            tick()
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    with cli._eval_progress(3) as tick:
        assert tick is None


def test_module_eval_in_a_subprocess(pairs_file, tmp_path):
    p = run_module("eval", str(pairs_file), "--format", "json", fake=True)
    assert p.returncode == 0, p.stderr
    assert p.stderr == b""
    assert json.loads(p.stdout)["pairs"] == 2
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"spun": "x"}\n', encoding="utf-8")
    p = run_module("eval", str(bad), fake=True)
    assert p.returncode == 2
    assert p.stderr.decode() == f'repair: error: {bad}:1: missing field "original"\n'


def test_cli_lexicon_reaches_the_engine(pairs_file, tmp_path, monkeypatch):
    import repair.pipeline

    seen = []
    monkeypatch.setattr(repair.pipeline, "_suggest", lambda text, opts: (seen.append(opts.lexicons) or ([], 0.0)))
    lex = tmp_path / "farm.tsv"
    lex.write_text("spun\toriginal\tcount\tweight\tguard\tsource\nfunny cartoon\tcomic strip\t3\t0.75\t\ttest\n",
                   encoding="utf-8")
    r = invoke("eval", str(pairs_file), "--lexicon", str(lex))
    assert r.exit_code == 0, r.stderr
    assert seen and all(s == (str(lex),) for s in seen)


def test_cli_bad_lexicon_is_one_error_line(pairs_file, tmp_path):
    lex = tmp_path / "farm.tsv"
    lex.write_text("not a lexicon\n", encoding="utf-8")
    r = invoke("eval", str(pairs_file), "--lexicon", str(lex))
    assert r.exit_code == 2
    assert r.stderr.startswith("repair: error: ") and "farm.tsv:1" in r.stderr and r.stderr.count("\n") == 1


# --- one pair reader for `repair eval` and `repair learn` ---------------------------------

@pytest.mark.parametrize("content, message", [
    (b'{"original": "a", "spun": "b"}\n\n{"original": "a b"}\n', ':3: missing field "spun"'),
    (b'{"spun": "a"}\n', ':1: missing field "original"'),
    (b'{"original": "a", "spun": "b"}\n{"original": "a",\n',
     ":2: invalid JSON (Expecting property name enclosed in double quotes at column 18)"),
    (b'["a", "b"]\n', ':1: expected an object with "original" and "spun"'),
    (b'"just a string"\n', ':1: expected an object with "original" and "spun"'),
    (b'{"original": "a", "spun": 3}\n', ':1: field "spun" must be a string'),
    (b'{"original": null, "spun": "b"}\n', ':1: field "original" must be a string'),
    (b'\xef\xbb\xbf{"original": "a"}\n', ':1: missing field "spun"'),  # BOM stripped, line kept
    (b"\n \n", ": no pairs (the file is empty)"),
    (b'{"original": "caf\xe9", "spun": "b"}\n', ": invalid UTF-8 at byte offset 17"),
    (b'{"original": "a\x00", "spun": "b"}\n', ": binary file (NUL byte at offset 15)"),
])
def test_eval_and_learn_report_a_bad_pairs_file_the_same_way(fake_engine_installed, tmp_path,
                                                             content, message):
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(content)
    out = tmp_path / "lex.tsv"
    evaluated = invoke("eval", str(bad))
    learned = invoke("learn", str(bad), "-o", str(out))
    assert (evaluated.exit_code, learned.exit_code) == (2, 2)
    assert evaluated.stderr == learned.stderr == f"repair: error: {bad}{message}\n"
    assert evaluated.stdout == learned.stdout == ""
    assert not out.exists()


def test_eval_and_learn_report_a_missing_file_the_same_way(fake_engine_installed, tmp_path):
    missing = tmp_path / "nope.jsonl"
    evaluated = invoke("eval", str(missing))
    learned = invoke("learn", str(missing), "-o", str(tmp_path / "lex.tsv"))
    assert evaluated.stderr == learned.stderr == f"repair: error: {missing}: no such file\n"


def test_eval_reads_pairs_from_stdin_and_names_it_in_errors(fake_engine_installed):
    good = "".join(json.dumps(r) + "\n" for r in CLI_PAIRS)
    r = invoke("eval", "-", "-f", "json", input=good.encode())
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["pairs"] == 2
    r = invoke("eval", "-", input=b'{"original": "a"}\n')
    assert r.exit_code == 2
    assert r.stderr == 'repair: error: <stdin>:1: missing field "spun"\n'


@pytest.mark.parametrize("positive, negative, auc", [
    ([0.9, 0.8], [0.1, 0.2], 1.0),  # every spun text above every original
    ([0.1], [0.9], 0.0),
    ([0.5, 0.5], [0.5, 0.5], 0.5),  # ties count half
    ([0.3, 0.7], [0.5], 0.5),
    ([0.6, 0.2, 0.9], [0.2, 0.4], (2 + 0.5 + 2) / 6),
    ([], [0.1], None),
])
def test_roc_auc(positive, negative, auc):
    assert ev.roc_auc(positive, negative) == (pytest.approx(auc) if auc is not None else None)


def test_document_score_auc_leaves_out_pairs_the_spinner_did_not_change():
    pairs = [ev.Pair("the agency", "the company"), ev.Pair("a firm", "a firm")]
    scores = {"the company": 0.8, "the agency": 0.1, "a firm": 0.9}  # the unchanged pair would tie
    report = ev.evaluate(pairs, engine=lambda text: [], scorer=scores.__getitem__, thresholds=[0.5], default=0.5)
    assert (report.score_auc, report.score_pairs) == (1.0, 1)
    assert ev.evaluate(pairs, engine=lambda text: [], thresholds=[0.5], default=0.5).score_auc is None


def test_gate_row_takes_each_texts_threshold_from_its_spin_score():
    from repair.changes import Change
    from repair.pipeline import SPUN_SCORE, SPUN_THRESHOLD

    pairs = [ev.Pair("the agency", "the company"), ev.Pair("an agency", "an company")]
    confidence = SPUN_THRESHOLD + 0.05  # under the default threshold, over the gate's

    def engine(text):
        start = text.index("company")
        return [Change(start, start + 7, "company", "agency", "r", confidence)]

    scores = {"the company": SPUN_SCORE, "an company": SPUN_SCORE / 2, "the agency": 0.0, "an agency": 0.0}
    report = ev.evaluate(pairs, engine=engine, scorer=scores.__getitem__, thresholds=[0.9], default=0.9, gate=True)
    # only the text that reads as spun gets the lower threshold
    assert (report.gated.counts.applied, report.gated.counts.correct) == (1, 1)
    assert report.rows[0].counts.applied == 0
    assert "gate" in ev.render_text(report)
    # without scores there is nothing to gate on
    assert ev.evaluate(pairs, engine=engine, thresholds=[0.9], default=0.9, gate=True).gated is None


def test_one_pass_serves_the_engine_and_the_scorer_with_one_call_per_text():
    calls = []

    def run(text):
        calls.append(text)
        return [Change(0, 1, text[0], "X", "r", 0.5)], float(len(text))

    engine, scorer = ev.one_pass(run)
    assert engine("ab")[0].new == "X" and scorer("ab") == 2.0
    assert scorer("abc") == 3.0 and engine("abc")[0].old == "a"
    assert calls == ["ab", "abc"]
    engine("ab").clear()  # a caller's list is its own
    assert len(engine("ab")) == 1
