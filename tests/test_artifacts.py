"""repair/artifacts.py: scrape and translation artifacts as change-log entries.

The cases in tests/cases/artifacts.json are data, in the style of ftfy's and proselint's test
cases: each names the rule it is about, a text, the repaired text expected (equal to the text
for a should-keep case) and a note. Every rule has both kinds. The properties below hold for
any text: the log applies and reverts exactly, changes never overlap, and repairing twice
changes nothing more than repairing once.
"""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from repair import apply_changes, artifacts, revert_changes
from repair.artifacts import RULES, find_artifacts, select_rules

ROOT = Path(__file__).resolve().parent.parent
CASES = json.loads((ROOT / "tests" / "cases" / "artifacts.json").read_text(encoding="utf-8"))
ALL = sorted(RULES)


def seed_text(prefix: str) -> str:
    (path,) = (ROOT / "seeds").glob(f"{prefix}_*.txt")
    return path.read_bytes().decode("utf-8")


def check_log(text, changes):
    """The log's own invariants; returns the repaired text."""
    for a, b in zip(changes, changes[1:]):
        assert a.end <= b.start and (a.start, a.end) != (b.start, b.end), (a, b)
    for c in changes:
        assert text[c.start:c.end] == c.old
        assert c.old != c.new
        assert c.rule in RULES
        assert 0.0 <= c.confidence <= 1.0
        assert c.reason
        assert [x.text for x in c.candidates] in ([], [c.new])
    out = apply_changes(text, changes)
    assert revert_changes(out, changes) == text
    return out


def fix(text, select=None):
    return apply_changes(text, find_artifacts(text, select=select))


# ---------------------------------------------------------------------------------------------
# The rule table

def test_rule_table():
    assert set(RULES) == {"artifact.duplicate-line", "artifact.glued-credit", "artifact.mojibake",
                          "artifact.entity", "artifact.space", "artifact.furniture", "artifact.fused-word",
                          "artifact.split-word"}
    for rid, rule in RULES.items():
        assert rule.id == rid
        assert rule.description and "\n" not in rule.description
        assert isinstance(rule.default, bool) and callable(rule.find)
    assert not RULES["artifact.fused-word"].default and not RULES["artifact.split-word"].default
    assert not RULES["artifact.space"].default


def test_select_and_ignore():
    def ids(rules):
        return [r.id for r in rules]

    assert ids(select_rules()) == [rid for rid in RULES if RULES[rid].default]
    assert sorted(ids(select_rules(["artifact"]))) == ALL
    assert ids(select_rules("artifact.entity")) == ["artifact.entity"]
    assert ids(select_rules(["artifact"], ignore=["artifact.fused-word", "artifact.space"])) == \
        [rid for rid in RULES if rid not in ("artifact.fused-word", "artifact.space")]
    assert "artifact.mojibake" not in ids(select_rules(ignore="artifact.mojibake"))
    assert select_rules([]) == []
    for bad in (["artifact.nope"], ["artifact.dup"], ["spin"]):
        with pytest.raises(ValueError, match="unknown artifact rule"):
            select_rules(bad)
    with pytest.raises(ValueError):
        select_rules(ignore=["nonsense"])


def test_overlaps_resolved_earlier_start_then_longer(monkeypatch):
    text = "abcdefghij"

    def rule(rid, spans):  # fires on the test text only, not again on the repaired text
        return artifacts.Rule(rid, "test", True, lambda t: [
            artifacts.Change(s, e, t[s:e], "X", rid, 0.5, (), "test") for s, e in spans if t == text])

    monkeypatch.setattr(artifacts, "RULES", {"t.a": rule("t.a", [(2, 4), (6, 7)]),
                                             "t.b": rule("t.b", [(1, 3), (2, 6), (8, 10)]),
                                             "t.c": rule("t.c", [(6, 9)])})
    got = [(c.start, c.end, c.rule) for c in find_artifacts(text)]
    assert got == [(1, 3, "t.b"), (6, 9, "t.c")]  # (2,6) and (2,4) overlap (1,3); (6,9) beats (6,7), (8,10)
    assert find_artifacts(text) == find_artifacts(text)


# ---------------------------------------------------------------------------------------------
# The case file

def test_case_file_has_fix_and_keep_cases_for_every_rule():
    assert len(CASES) >= 70
    for rid in RULES:
        mine = [c for c in CASES if c["rule"] == rid]
        assert any(c["text"] != c["expect"] for c in mine), f"{rid}: no should-fix case"
        assert any(c["text"] == c["expect"] for c in mine), f"{rid}: no should-keep case"
    for c in CASES:
        assert set(c) == {"rule", "text", "expect", "note"} and c["note"], c
    assert len({(c["rule"], c["text"]) for c in CASES}) == len(CASES)


def _case_id(case):
    kind = "fix" if case["text"] != case["expect"] else "keep"
    return f'{case["rule"].removeprefix("artifact.")}-{kind}-{case["note"][:40]}'


@pytest.mark.parametrize("mode", ["all", "default"])
@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_case(case, mode):
    text, rule = case["text"], case["rule"]
    active = mode == "all" or RULES[rule].default
    changes = find_artifacts(text, select=ALL if mode == "all" else None)
    assert check_log(text, changes) == (case["expect"] if active else text), case["note"]
    if active and case["expect"] != text:
        assert any(c.rule == rule for c in changes), case["note"]


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_case_rule_alone(case):
    """The case's own rule fires on each should-fix case and never on a should-keep case."""
    changes = find_artifacts(case["text"], select=[case["rule"]])
    check_log(case["text"], changes)
    assert bool(changes) == (case["text"] != case["expect"]), case["note"]


# ---------------------------------------------------------------------------------------------
# Seeds: clean prose untouched, seed 003's artifacts repaired and nothing else

@pytest.mark.parametrize("select", [None, ALL], ids=["default", "all"])
def test_clean_seed_000_is_byte_identical(select):
    text = seed_text("000")
    assert find_artifacts(text, select=select) == []


def _body_lines(text, words=12):
    """Lines long enough to be sentences of the article body."""
    return [ln for ln in text.split("\n") if len(ln.split()) > words]


def test_seed_003_header_caption_and_credit_repaired_body_untouched():
    text = seed_text("003")
    changes = find_artifacts(text)
    out = check_log(text, changes)
    assert "NEWS\nNEWS" not in out and out.startswith("NEWS\n")
    assert "soldiersAP" not in out
    assert out.count("meets soldiers\n") == 1
    assert {c.rule for c in changes} >= {"artifact.duplicate-line"}
    assert any("credit" in c.reason and "AP" in c.reason for c in changes)
    # every change sits in short (header, caption, furniture) lines: no body sentence is touched
    lines, pos = [], 0
    for line in text.split("\n"):
        lines.append((pos, pos + len(line), line))
        pos += len(line) + 1
    for c in changes:
        touched = [line for s, e, line in lines if s < c.end and c.start <= e]
        assert touched and all(len(line.split()) <= 12 for line in touched), (c, touched)
    assert _body_lines(out) == _body_lines(text)
    # the sentence that recurs far apart in the article is not a duplicate line
    assert out.count("According to South Korean officials, around 11,000") == 2


def test_seed_003_with_every_rule_changes_no_body_line():
    text = seed_text("003")
    out = check_log(text, find_artifacts(text, select=ALL))
    assert _body_lines(out) == _body_lines(text)


# ---------------------------------------------------------------------------------------------
# Edge cases

@pytest.mark.parametrize("text", ["", " ", "\n", "\r\n\r\n", "\ufeff", "\ufeff\n", "NEWS", "\ufeffNEWS\r\nNEWS",
                                  "NEWS\r\nNEWS\r\n", "a\rb\rb", "&amp;", "Updated", "\n\nUpdated\n\n"])
def test_edge_texts(text):
    for select in (None, ALL):
        check_log(text, find_artifacts(text, select=select))


def test_crlf_bom_and_no_final_newline_are_kept():
    text = "\ufeffNEWS\r\nNEWS\r\n\r\nUpdated\r\n\r\nPrices rose &amp; fell by " + "Â£" + "5\r\nA caption\r\nA captionAP"
    out = check_log(text, find_artifacts(text))
    assert out == "\ufeffNEWS\r\n\r\nPrices rose & fell by £5\r\nA caption"


def test_five_megabytes():
    """Speed sanity (not timed): a 5 MB text of repeated articles gets the same repairs in every copy."""
    unit = seed_text("003").rstrip("\n") + "\n\n" + seed_text("000").rstrip("\n") + "\n\nPrices: Â£5 &amp; up\n\n"
    copies = 5_000_000 // len(unit) + 1
    text = unit * copies
    per_copy = len(find_artifacts(unit))
    changes = find_artifacts(text)
    assert len(changes) == per_copy * copies
    assert check_log(text, changes) == fix(unit) * copies


def test_heavy_libraries_load_lazily():
    code = ("import sys, repair.artifacts as a; "
            "a.find_artifacts('NEWS\\nNEWS\\nTom &amp; Jerry\\nUpdated\\n'); "
            "print(sorted(m for m in ('ftfy', 'wordfreq', 'symspellpy') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"


def test_symspell_dictionary_loaded_once():
    assert artifacts._symspell() is artifacts._symspell()


# ---------------------------------------------------------------------------------------------
# Properties

FRAGMENTS = [
    "NEWS", "\n", "\r\n", "\n\n", " ", "  ", "\t", "    ", "soldiers", "troops", "AP", "Reuters", "Getty Images",
    "Updated", "Advertisement", "Share", "Image caption", "Â£", "â€™", "â€", "£", "’", "é", "Ã", "©", "\x93",
    "&amp;", "&quot;", "&#39;", "&#38;", "amp;", "quot;", "&", ";", "#", ",", ".", " ,", " .", "(", ")", " ?",
    "the", "government", "thegovernment", "primeminister", "govern-", "ment", "-", "\ufeff", "“", "”",
    "A caption", "The minister said", "http://x.com/?a=1", "=", "`", "|", "Yeah", "ceremony", "{", "}",
    "- ", "McDonald", "iPhone",
]
scraped = st.lists(st.sampled_from(FRAGMENTS), max_size=40).map("".join)
any_text = st.one_of(st.text(max_size=200), scraped,
                     st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=5)), max_size=30).map("".join))
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(any_text)
def test_every_rule_log_applies_and_reverts(text):
    check_log(text, find_artifacts(text, select=ALL))


@SETTINGS
@given(any_text)
def test_repair_is_idempotent(text):
    for select in (None, ALL):
        once = fix(text, select)
        assert fix(once, select) == once


@SETTINGS
@given(any_text)
def test_each_rule_alone_applies_and_reverts(text):
    for rid in ALL:
        check_log(text, find_artifacts(text, select=[rid]))


@pytest.mark.parametrize("text, expect", [
    ("A boy waves a flag\nUpdated\nA boy waves a flag\nBody text.", "A boy waves a flag\nBody text."),
    ("A boy waves a flag\n\nAdvertisement\n\nA boy waves a flag", "A boy waves a flag"),
    ("Tom &amp; Jerry meet\nTom & Jerry meet\n", "Tom & Jerry meet\n"),
    ("Prices in " + "Â£" + "s rise\nPrices in £s rise\n", "Prices in £s rise\n"),
])
def test_a_repair_that_uncovers_another_is_done_in_the_same_log(text, expect):
    """Rules run again on their output: the log still applies to the input in one step."""
    changes = find_artifacts(text)
    assert check_log(text, changes) == expect
    assert find_artifacts(expect) == []


def test_mojibake_on_a_long_line_is_found_as_on_short_lines():
    """A scraped page on one line is fixed a part at a time (cut at spaces between ASCII
    characters), with the same changes as the page split into lines."""
    from repair.artifacts import _SEGMENT, find_mojibake

    sentence = "The officials said the bridge would reopen in spring. "
    one_line = "It wasnâ€™t. " + sentence * (3 * _SEGMENT // len(sentence)) + "It wasnâ€™t the â€œendâ€\x9d.\n"
    many = one_line.replace(" The officials", "\nThe officials")
    assert len(many) == len(one_line)  # same offsets: only spaces became line feeds
    long_changes = [(c.start, c.end, c.old, c.new) for c in find_mojibake(one_line)]
    assert long_changes == [(c.start, c.end, c.old, c.new) for c in find_mojibake(many)]
    assert [x[3] for x in long_changes] == ["\u2019", "\u2019", "\u201c", "\u201d"]
