import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from repair.render import render_jsonl
from repair.changes import (Candidate, Change, ChangeError, apply_changes, changes_from_json, log_entries,
                            changes_to_json, output_spans, revert_changes)

TEXT = "The spy company said the big company\r\nwas fine."


def ch(start, end, new, text=TEXT, conf=0.9, **kw):
    return Change(start, end, text[start:end], new, kw.pop("rule", "test"), conf, **kw)


def test_apply_and_revert_simple():
    changes = [ch(8, 15, "agency"), ch(29, 36, "agency")]
    out = apply_changes(TEXT, changes)
    assert out == "The spy agency said the big agency\r\nwas fine."
    assert revert_changes(out, changes) == TEXT


def test_apply_is_order_independent():
    changes = [ch(8, 15, "agency"), ch(0, 3, "A"), ch(29, 36, "firm")]
    assert apply_changes(TEXT, changes) == apply_changes(TEXT, list(reversed(changes)))


def test_insertion_and_deletion():
    changes = [ch(3, 3, " secret"), ch(15, 20, "")]
    out = apply_changes(TEXT, changes)
    assert out == "The secret spy company the big company\r\nwas fine."
    assert revert_changes(out, changes) == TEXT


def test_empty_log_is_identity():
    assert apply_changes(TEXT, []) == TEXT
    assert revert_changes(TEXT, []) == TEXT


@pytest.mark.parametrize("a,b", [((4, 15), (8, 20)), ((8, 15), (8, 15)), ((8, 15), (10, 12)),
                                 ((5, 5), (5, 5))])
def test_overlapping_changes_raise(a, b):
    with pytest.raises(ChangeError, match="overlapping"):
        apply_changes(TEXT, [ch(*a, "x"), ch(*b, "y")])


def test_mismatched_old_raises():
    with pytest.raises(ChangeError, match="expects"):
        apply_changes(TEXT, [Change(8, 15, "agency", "company", "test", 0.9)])


def test_out_of_range_raises():
    with pytest.raises(ChangeError):
        apply_changes("short", [Change(3, 10, "rt", "x", "test", 0.9)])


def test_revert_on_wrong_output_raises():
    changes = [ch(8, 15, "agency")]
    with pytest.raises(ChangeError):
        revert_changes(TEXT, changes)


def test_output_spans():
    changes = [ch(29, 36, "agency"), ch(8, 15, "agency")]
    out = apply_changes(TEXT, changes)
    for c, s, e in output_spans(changes):
        assert out[s:e] == c.new


def _sample_changes():
    return [ch(8, 15, "agency", conf=0.93, candidates=(Candidate("agency", 0.93), Candidate("company", 0.07)),
               reason="spy agency is the usual phrase", rule="spin.thesaurus"),
            ch(24, 27, "large", conf=0.5),
            ch(36, 38, "\n\u2028é\U0001F600", conf=1.0)]


def test_json_round_trip():
    changes = _sample_changes()
    data = changes_to_json(changes, path="a.txt", version="0.1.0")
    obj = json.loads(data)
    assert obj["path"] == "a.txt" and obj["version"] == "0.1.0"
    assert changes_from_json(data) == changes


def test_bare_list_and_jsonl_round_trip():
    changes = _sample_changes()
    assert changes_from_json(json.dumps([c.to_dict() for c in changes])) == changes
    assert changes_from_json(render_jsonl("a.txt", TEXT, changes)) == changes
    assert changes_from_json("") == []


def test_jsonl_lines_escape_unicode_line_breaks():
    line = render_jsonl("a.txt", TEXT, _sample_changes())
    assert len(line.splitlines()) == 3
    assert "\u2028" not in line and "\\u2028" in line


def test_jsonl_reader_accepts_raw_unicode_line_separators():
    changes = _sample_changes()
    jsonl = "".join(json.dumps(c.to_dict(), ensure_ascii=False) + "\n" for c in changes)
    assert changes_from_json(jsonl) == changes


@pytest.mark.parametrize("bad", ['{"changes": [{"start": 1}]}', "{not json", '"a string"',
                                 '{"changes": [{"start": "x", "end": 2, "old": "a", "new": "b"}]}'])
def test_malformed_logs_raise(bad):
    with pytest.raises(ChangeError):
        changes_from_json(bad)


@pytest.mark.parametrize("bad, message", [
    ("[1]", "change 1: expected a change (a JSON object), got 1"),
    ('{"a": 2}', 'expected a list of changes or an object with "changes", got an object without either'),
    ('[{"start": "x"}]', 'change 1: missing "end", "old", "new"'),
    ('{"changes": [{"start": 0, "end": 1, "old": "T", "new": "t"}, null]}', "change 2: expected a change"),
    ('{"changes": 5}', '"changes" must be a list of changes, got 5'),
    ("[[0, 1]]", "change 1: expected a change (a JSON object), got a list"),
    ('[{"start": "0", "end": 1, "old": "T", "new": "t"}]', 'change 1: "start" must be a whole number, got a string'),
    ('[{"start": 1e400, "end": 1, "old": "T", "new": "t"}]', '"start" must be a whole number, got Infinity'),
    ('[{"start": true, "end": 1, "old": "T", "new": "t"}]', '"start" must be a whole number, got true'),
    ('[{"start": 2, "end": 1, "old": "T", "new": "t"}]', "must satisfy 0 <= start <= end, got 2 and 1"),
    ('[{"start": 0, "end": 1, "old": null, "new": "t"}]', '"old" must be a string, got null'),
    ('[{"start": 0, "end": 1, "old": "T", "new": "t", "confidence": NaN}]', '"confidence" must be a finite number'),
    ('[{"start": 0, "end": 1, "old": "T", "new": "t", "confidence": 1.5}]', '"confidence" must lie in 0..1, got 1.5'),
    ('[{"start": 0, "end": 1, "old": "T", "new": "t", "confidence": -0.1}]', '"confidence" must lie in 0..1'),
    ('[{"start": 0, "end": 1, "old": "T", "new": "t", "candidates": [[1]]}]', "[text, score] pairs"),
    ('[{"start": 0, "end": 1, "old": "T", "new": "t", "rule": 7}]', '"rule" must be a string, got 7'),
    ('{"start": 0, "end": 1, "old": "T", "new": "t"}\n\n[2]\n', "line 3: expected a change (a JSON object), got a list"),
    ('{"start": 0, "end": 1, "old": "T", "new": "t"}\n{x\n', "neither JSON nor JSONL: line 2, column 2"),
])
def test_log_that_is_not_a_list_of_changes_is_one_change_error_naming_the_entry(bad, message):
    with pytest.raises(ChangeError) as exc:
        changes_from_json(bad)
    assert message in str(exc.value) and "\n" not in str(exc.value)


def test_single_line_jsonl_log():
    changes = _sample_changes()[:1]
    assert changes_from_json(render_jsonl("a.txt", TEXT, changes)) == changes


@st.composite
def text_and_changes(draw):
    text = draw(st.text(max_size=60))
    points = sorted(draw(st.lists(st.integers(0, len(text)), max_size=10)))
    changes, last_insertion = [], None
    for start, end in zip(points[::2], points[1::2]):
        if start == end:
            if last_insertion == start:  # two insertions at one point are ambiguous: skip
                continue
            last_insertion = start
        changes.append(Change(start, end, text[start:end], draw(st.text(max_size=8)), "prop",
                              draw(st.floats(0, 1))))
    return text, changes, draw(st.randoms(use_true_random=False))


@settings(max_examples=300, deadline=None)
@given(text_and_changes())
def test_apply_then_revert_gives_input_back(case):
    text, changes, rnd = case
    shuffled = list(changes)
    rnd.shuffle(shuffled)
    out = apply_changes(text, shuffled)
    # apply equals splicing by hand, last change first so earlier offsets stay valid
    manual = text
    for c in sorted(changes, key=lambda c: (c.start, c.end), reverse=True):
        manual = manual[:c.start] + c.new + manual[c.end:]
    assert out == manual
    assert revert_changes(out, shuffled) == text
    # and the log survives serialisation
    assert apply_changes(text, changes_from_json(changes_to_json(changes))) == out
    jsonl = render_jsonl("p", text, changes)
    assert jsonl.count("\n") == len(jsonl.splitlines()) == len(changes)
    read_back = [Change.from_dict(json.loads(line)) for line in jsonl.split("\n") if line]
    assert apply_changes(text, read_back) == out


def test_log_entries_keep_each_changes_file():
    a, b = Change(0, 1, "x", "y", "r", 0.5), Change(2, 3, "z", "w", "r", 0.5)
    jsonl = render_jsonl("a.txt", "", [a]) + render_jsonl("b.txt", "", [b])
    assert log_entries(jsonl) == [("a.txt", a), ("b.txt", b)]
    files = json.dumps([{"path": "a.txt", "changes": [a.to_dict()]}, {"path": "b.txt", "changes": [b.to_dict()]}])
    assert log_entries(files) == [("a.txt", a), ("b.txt", b)]
    assert changes_from_json(files) == [a, b]
    assert log_entries(json.dumps({"changes": [a.to_dict()]})) == [(None, a)]  # a log of one file, unnamed
    assert log_entries(json.dumps([a.to_dict()])) == [(None, a)]


@pytest.mark.parametrize("bad, fragment", [
    (json.dumps([{"path": 3, "changes": []}]), 'file 1, "path" must be a string'),
    (json.dumps([{"path": "a", "changes": {}}]), 'file 1, "changes" must be a list'),
    (json.dumps([{"path": "a", "changes": [{"start": 0}]}]), 'file 1, change 1: missing "end"'),
    ('{"path": 1, "start": 0, "end": 0, "old": "", "new": ""}\n\n', 'change 1: "path" must be a string'),
])
def test_log_entries_name_what_is_wrong(bad, fragment):
    with pytest.raises(ChangeError, match=re.escape(fragment)):
        log_entries(bad)


@pytest.mark.parametrize("entry, fragment", [
    ({"start": 0, "end": 1, "old": "T", "new": "\ud800"}, '"new" is not valid text: it holds a lone surrogate '
                                                            '(\\ud800 at offset 0)'),
    ({"start": 0, "end": 1, "old": "\udce9", "new": "x"}, '"old" is not valid text'),
    ({"start": 0, "end": 1, "old": "T", "new": "x", "candidates": [["x", 0.5], ["a\udfff", 0.1]]},
     '"candidates" 2 is not valid text: it holds a lone surrogate (\\udfff at offset 1)'),
    ({"start": 0, "end": 1, "old": "T", "new": "x", "reason": "r\ud800"}, '"reason" is not valid text'),
])
def test_a_lone_surrogate_in_a_changes_wording_is_a_malformed_entry(entry, fragment):
    # JSON spells it "\ud800"; no text holds one and no UTF-8 file can be written with it
    data = json.dumps({"changes": [{"start": 4, "end": 5, "old": "s", "new": "S"}, entry]})
    assert "\\ud" in data
    with pytest.raises(ChangeError, match="^change 2: ") as exc:
        log_entries(data)
    assert fragment in str(exc.value)
    with pytest.raises(ChangeError, match="^line 1: "):
        log_entries(json.dumps(entry) + "\n" + json.dumps(entry) + "\n")


def test_a_lone_surrogate_in_a_path_is_a_file_name():
    # a file name that is not UTF-8 (Python's surrogateescape) is written so, and read back as itself
    path = "caf\udce9.txt"
    ((got, change),) = log_entries(json.dumps({"path": path, "changes": [{"start": 0, "end": 1, "old": "T",
                                                                           "new": "t"}]}))
    assert got == path and change.new == "t"


@pytest.mark.parametrize("body", [
    changes_to_json([ch(8, 15, "agency")]),
    render_jsonl("a.txt", TEXT, [ch(8, 15, "agency"), ch(29, 36, "firm")]),
    json.dumps([{"start": 8, "end": 15, "old": "company", "new": "agency"}]),
])
def test_a_leading_byte_order_mark_is_passed_over(body):
    assert log_entries("\ufeff" + body) == log_entries(body) != []
    assert log_entries("\ufeff") == []
