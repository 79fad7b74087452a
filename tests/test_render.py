import json
import os
import shutil
import subprocess

import pytest

from repair.changes import Candidate, Change
from repair.render import (LineIndex, json_text, render_json, render_json_many, render_jsonl, render_text,
                           unified_diff)


def test_line_index_counts_code_points_and_crlf_once():
    text = "\ufeffab\r\ncaf\u00e9 \U0001F600 x\nlast"
    idx = LineIndex(text)
    assert idx.position(0) == (1, 1)  # the BOM itself
    assert idx.position(1) == (1, 1)  # "a": the BOM is not a column
    assert idx.position(2) == (1, 2)
    assert idx.position(5) == (2, 1)  # after \r\n
    x = text.index("x")
    assert idx.position(x) == (2, 8)  # café + space + emoji + space: one column each
    assert idx.position(text.index("last")) == (3, 1)


def _changes(text):
    s = text.index("company")
    return [Change(s, s + 7, "company", "agency", "spin.thesaurus", 0.934,
                   (Candidate("agency", 0.934), Candidate("company", 0.066)), "spy agency")]


def test_render_text():
    text = "line one\r\nThe spy company\n"
    assert render_text("a.txt", text, _changes(text)) == \
        'a.txt:2:9: "company" -> "agency" (0.93) spin.thesaurus\n'
    assert render_text("a.txt", text, []) == ""


def test_render_text_quotes_awkward_wording():
    c = Change(0, 2, 'a"\n', 'b\\', "r", 1.0)
    line = render_text("p", 'a"\n', [c])
    assert line == 'p:1:1: "a\\"\\n" -> "b\\\\" (1.00) r\n'


def test_render_json_and_jsonl():
    text = "The spy company"
    obj = json.loads(render_json("a.txt", text, _changes(text)))
    assert obj == {"path": "a.txt", "changes": [_changes(text)[0].to_dict()]}
    lines = render_jsonl("a.txt", text, _changes(text) * 2).splitlines()
    assert len(lines) == 2
    assert json.loads(lines[0]) == {"path": "a.txt", **_changes(text)[0].to_dict()}
    assert json.loads(render_json_many([("a", []), ("b", [])])) == [
        {"path": "a", "changes": []}, {"path": "b", "changes": []}]


def test_diff_keeps_crlf_and_marks_missing_newline():
    old = "one\r\ntwo company\r\nthree company"
    new = "one\r\ntwo agency\r\nthree agency"
    d = unified_diff("x.txt", old, new)
    assert d.startswith("--- a/x.txt\n+++ b/x.txt\n@@ -1,3 +1,3 @@\n")
    assert " one\r\n-two company\r\n-three company\n\\ No newline at end of file\n" in d
    assert d.endswith("+two agency\r\n+three agency\n\\ No newline at end of file\n")


def test_diff_of_equal_texts_is_empty():
    assert unified_diff("x", "same\n", "same\n") == ""


def test_diff_splits_only_at_newline():
    d = unified_diff("x", "a\u2028b\x0cc\rd\n", "a\u2028B\x0cc\rd\n")
    assert d.count("\n@@") == 1 and "-a\u2028b\x0cc\rd\n+a\u2028B\x0cc\rd\n" in d


@pytest.mark.skipif(shutil.which("patch") is None, reason="needs patch(1)")
@pytest.mark.parametrize("old,new", [
    ("one\r\ntwo company\r\nthree company", "one\r\ntwo agency\r\nthree agency"),
    ("a\nb\nc company\n", "a\nb\nc agency\n"),
    ("\ufeffcompany\n" + "x\n" * 20 + "company", "\ufeffagency\n" + "x\n" * 20 + "agency"),
])
def test_diff_applies_with_patch(tmp_path, old, new):
    (tmp_path / "x.txt").write_bytes(old.encode())
    diff = unified_diff("x.txt", old, new)
    proc = subprocess.run(["patch", "-p1", "--binary", "-s"], input=diff.encode(), cwd=tmp_path,
                          capture_output=True)
    assert proc.returncode == 0, proc.stderr + proc.stdout
    assert (tmp_path / "x.txt").read_bytes() == new.encode()


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
@pytest.mark.parametrize("name", ["two\nlines.txt", 'a "quoted" \\ name.txt', "tab\there.txt",
                                  os.fsdecode(b"caf\xe9.txt")])
def test_diff_header_quotes_a_name_that_would_break_it(tmp_path, name):
    """git's C-quoted header ("a/two\\nlines.txt"): one line, and git apply finds the file."""
    if name != os.fsdecode(os.fsencode(name)):
        pytest.skip("file names are not bytes here")
    old, new = "a\nb company\n", "a\nb agency\n"
    (tmp_path / name).write_bytes(old.encode())
    diff = unified_diff(name, old, new)
    head = diff.split("\n")[:2]
    assert head[0].startswith('--- "a/') and head[1].startswith('+++ "b/') and head[0].endswith('"')
    proc = subprocess.run(["git", "apply", "--unsafe-paths", "-"], input=diff.encode("utf-8"), cwd=tmp_path,
                          capture_output=True)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / name).read_bytes() == new.encode()


def test_json_text_is_the_one_json_document_form():
    obj = {"path": "caf\u00e9.txt", "n": [1, 2]}
    assert json_text(obj) == '{\n "path": "caf\u00e9.txt",\n "n": [\n  1,\n  2\n ]\n}\n'
    assert json.loads(json_text(obj)) == obj
    changes = [Change(0, 1, "a", "b", "r", 0.5)]
    assert render_json("p", "a", changes) == json_text({"path": "p", "changes": [changes[0].to_dict()]})
    assert render_json_many([("p", changes)]) == json_text([{"path": "p", "changes": [changes[0].to_dict()]}])
