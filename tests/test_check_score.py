"""check --score in its formats, and file names in line-oriented output (concise, full, the
score's PATH<TAB>score): a tab, line end or backslash in a name is escaped, so one line is one
record and a tab separates the score."""
import json
import os

import pytest

from conftest import run_module
from repair.changes import Change
from repair.formats import Report, ScoreReport
from repair.pipeline import DEFAULT_THRESHOLD
from repair.render import line_name

TEXT = "The spy company said\n"
ODD = ["tab\there.txt", "new\nline.txt", "cr\rhere.txt", "back\\slash.txt"]


@pytest.mark.parametrize("name, shown", [
    ("plain name.txt", "plain name.txt"),
    ("a\tb.txt", "a\\tb.txt"),
    ("a\nb\r\nc.txt", "a\\nb\\r\\nc.txt"),
    ("back\\slash.txt", "back\\\\slash.txt"),
    ("lit\\n.txt", "lit\\\\n.txt"),  # a backslash and an n, not a line feed: told apart
    ("caf\udce9.txt", "caf\\udce9.txt"),
    ("caf\u00e9 \U0001F600.txt", "caf\u00e9 \U0001F600.txt"),
])
def test_line_name(name, shown):
    assert line_name(name) == shown
    assert "\n" not in line_name(name) and "\t" not in line_name(name)


@pytest.mark.parametrize("fmt", ["concise", "full"])
def test_concise_and_full_escape_the_name(fmt):
    c = Change(8, 15, "company", "agency", "fake.spin", 0.9)
    out = Report(fmt).add("a\nb\t.txt", TEXT, [c])
    assert out.splitlines()[0] == 'a\\nb\\t.txt:1:9: "company" -> "agency" (0.90) fake.spin'


def odd_files(tmp_path):
    paths = []
    for name in ODD:
        p = tmp_path / name
        p.write_bytes(TEXT.encode())
        paths.append(str(p))
    return paths


def test_check_score_tsv_is_one_line_of_two_fields_per_file(tmp_path):
    paths = odd_files(tmp_path)
    r = run_module("check", "--score", *paths, fake=True)
    assert r.returncode == 1, r.stderr
    rows = [line.split(b"\t") for line in r.stdout.split(b"\n")[:-1]]
    assert [len(row) for row in rows] == [2] * len(ODD)
    assert [row[0].decode() for row in rows] == [line_name(p) for p in paths]
    assert {row[1] for row in rows} == {b"0.0400"}


def test_check_concise_lines_are_one_per_change_whatever_the_name(tmp_path):
    paths = odd_files(tmp_path)
    r = run_module("check", *paths, fake=True)
    assert r.returncode == 1, r.stderr
    lines = r.stdout.decode().splitlines()
    assert lines == [f'{line_name(p)}:1:9: "company" -> "agency" (0.90) fake.spin' for p in paths]


@pytest.mark.parametrize("many", [False, True])
def test_check_score_json_is_the_file_object_without_changes(tmp_path, many):
    a, b = tmp_path / "a.txt", tmp_path / "b\tc.txt"
    a.write_bytes(TEXT.encode())
    b.write_bytes(b"nothing spun here\n")
    paths = [str(a), str(b)] if many else [str(a)]
    r = run_module("check", "--score", "-f", "json", *paths, fake=True)
    assert r.returncode == 1, r.stderr
    got = json.loads(r.stdout)
    objects = got if many else [got]
    assert isinstance(got, list) == many
    full = json.loads(run_module("check", "-f", "json", *paths, fake=True).stdout)
    full = full if many else [full]
    for obj, file in zip(objects, full):
        assert list(obj) == ["path", "spin_score", "threshold", "words"]
        # the same path, spin score and threshold as check --format json gives the file
        assert {k: file[k] for k in ("path", "spin_score", "threshold")} == {k: obj[k] for k in
                                                                              ("path", "spin_score", "threshold")}
    assert [o["words"] for o in objects] == ([4, 3] if many else [4])
    assert [o["spin_score"] for o in objects] == ([0.04, 0.0] if many else [0.04])


def test_check_score_jsonl_is_one_object_a_line(tmp_path):
    paths = odd_files(tmp_path)
    r = run_module("check", "--score", "--format", "jsonl", *paths, fake=True)
    assert r.returncode == 1, r.stderr
    rows = [json.loads(line) for line in r.stdout.decode().splitlines()]
    assert [row["path"] for row in rows] == paths
    assert all(row["spin_score"] == 0.04 and row["words"] == 4 for row in rows)


def test_check_score_of_standard_input(tmp_path):
    r = run_module("check", "--score", "-f", "jsonl", "-", input=TEXT.encode(), fake=True)
    assert json.loads(r.stdout) == {"path": "<stdin>", "spin_score": 0.04, "threshold": DEFAULT_THRESHOLD, "words": 4}


@pytest.mark.parametrize("fmt", ["full", "sarif", "github", "languagetool"])
def test_check_score_refuses_formats_of_changes(tmp_path, fmt):
    a = tmp_path / "a.txt"
    a.write_bytes(TEXT.encode())
    r = run_module("check", "--score", "-f", fmt, str(a), str(tmp_path / "missing.txt"), fake=True)
    assert r.returncode == 2 and r.stdout == b""
    assert r.stderr.decode() == (f"repair: error: --score prints a score per file, as concise (PATH<TAB>score), "
                                 f"json or jsonl; --format {fmt} lists changes\n")


def test_score_report_refuses_other_formats():
    with pytest.raises(ValueError, match="--score"):
        ScoreReport("sarif")
    assert ScoreReport("text").add("a\tb", 0.5, 0.4, 3) == "a\\tb\t0.5000\n"


@pytest.mark.skipif(os.sep != "/", reason="a backslash is a folder separator on Windows")
def test_a_backslash_is_escaped_where_it_is_part_of_a_name():
    assert line_name("dir/a\\b") == "dir/a\\\\b"
