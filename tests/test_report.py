"""repair report (the page and its embedded data) and repair apply (decisions files)."""
import json
import os

import pytest

from conftest import run_module
from repair.changes import Candidate, Change
from repair.decisions import (DecisionsError, apply_all, document, file_entry, output_paths, parse,
                              sha256_text)
from repair.report import embed_json, extract_data, render_html, view

TEXT = "The spy company said\nthe big company\ncaf\u00e9 \U0001F600 company"
CHANGES = [Change(8, 15, "company", "agency", "fake.spin", 0.9, (Candidate("agency", 0.9),), "spun"),
           Change(25, 28, "big", "large", "fake.weak", 0.3),
           Change(29, 36, "company", "agency", "fake.spin", 0.9),
           Change(44, 51, "company", "agency", "fake.spin", 0.9)]


def test_embed_json_cannot_end_its_script_element_and_reads_back():
    nasty = {"t": "</script><script>alert(1)</script> <!-- & \u2028\u2029 >", "k": ["<img src=x onerror=alert(1)>"]}
    embedded = embed_json(nasty)
    for bad in ("<", ">", "&", "\u2028", "\u2029"):
        assert bad not in embedded
    assert json.loads(embedded) == nasty


def test_view_puts_a_deleted_line_on_its_own_line_number():
    text = "Title\nUpdated\nBody\n"
    assert view(text, [Change(5, 13, "\nUpdated", "", "artifact.furniture", 1.0)])["lines"] == [2]


def test_view_segments_are_code_point_exact():
    v = view(TEXT, CHANGES)
    rebuilt = "".join(s if isinstance(s, str) else CHANGES[s].old for s in v["segments"])
    assert rebuilt == TEXT
    assert v["lines"] == [1, 2, 2, 3]
    assert [s for s in v["segments"] if not isinstance(s, str)] == [0, 1, 2, 3]


def test_page_carries_the_decisions_with_defaults_at_the_threshold():
    entry = file_entry("a.txt", TEXT, CHANGES, 0.6)
    page = render_html([entry], [view(TEXT, CHANGES)], threshold=0.6)
    data = extract_data(page)
    assert data["version"] == 1 and data["threshold"] == 0.6
    assert data["files"] == [entry]
    assert [c["accepted"] for c in data["files"][0]["changes"]] == [True, False, True, True]
    assert data["files"][0]["sha256"] == sha256_text(TEXT)
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page  # nothing remote
    assert page.count("<script") == 2 and "innerHTML" not in page


def test_page_escapes_hostile_text():
    text = "<script>document.title='x'</script></script><img src=x onerror=alert(1)> company"
    ch = [Change(text.index("company"), len(text), "company", "</script><b>", "<i>rule", 0.9,
                 (Candidate("<svg onload=alert(1)>", 0.5),), "</script><script>alert(2)</script>")]
    page = render_html([file_entry("<p>a.txt", text, ch, 0.6)], [view(text, ch)], threshold=0.6)
    assert page.count("</script>") == 2  # the data element's and the code's own
    assert "<img" not in page and "<svg" not in page and "<b>" not in page
    assert extract_data(page)["views"][0]["segments"][0] == text[:text.index("company")]


# --- decisions files ---------------------------------------------------------------------------

def decisions_for(path, text, accepted):
    entry = file_entry(str(path), text, CHANGES, 0.6)
    for c, ok in zip(entry["changes"], accepted):
        c["accepted"] = ok
    return document([entry])


@pytest.mark.parametrize("data, fragment", [
    ("nope", "not JSON"),
    ("[]", "not a decisions file"),
    ('{"version": 2, "files": []}', "unsupported decisions version 2"),
    ('{"version": 1, "files": [{"sha256": "00"}]}', 'needs a "path"'),
    ('{"version": 1, "files": [{"path": "a", "sha256": "00"}]}', "64 hex digits"),
    ('{"version": 1, "files": [{"path": "a", "sha256": "' + "0" * 64 + '", "changes": [{"start": 0}]}]}',
     'change 1 needs "accepted"'),
    ('{"version": 1, "files": [{"path": "a", "sha256": "' + "0" * 64 + '", "changes": [{"accepted": true}]}]}',
     'change 1: missing "start", "end", "old", "new"'),
    ('{"version": 1, "files": [{"path": "a", "sha256": "' + "0" * 64 + '", "changes": [{"accepted": true, '
     '"start": 1e400, "end": 1, "old": "a", "new": "b"}]}]}', 'change 1: "start" must be a whole number'),
])
def test_parse_errors_name_the_problem(data, fragment):
    with pytest.raises(DecisionsError, match="^d.json: ") as exc:
        parse(data, "d.json")
    assert fragment in str(exc.value)


def test_output_paths(tmp_path):
    def fd(path):
        return parse(json.dumps({"version": 1, "files": [{"path": path, "sha256": "0" * 64}]}), "d")[0]

    assert output_paths([fd("a/b.txt"), fd("./c.txt"), fd("/abs/d.txt"), fd("../e.txt")], "out") == [
        os.path.join("out", "a", "b.txt"), os.path.join("out", "c.txt"), os.path.join("out", "d.txt"),
        os.path.join("out", "e.txt")]
    with pytest.raises(DecisionsError, match="would both be written to"):
        output_paths([fd("x/d.txt"), fd("x/./d.txt")], "out")


def test_apply_all_only_accepted_and_refuses_changed_inputs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    a, b = tmp_path / "sub" / "a.txt", tmp_path / "b.txt"
    a.write_text(TEXT, encoding="utf-8")
    b.write_text(TEXT, encoding="utf-8")
    doc = decisions_for("sub/a.txt", TEXT, [True, True, False, False])
    doc["files"] += decisions_for("b.txt", TEXT, [False] * 4)["files"]
    files = parse(json.dumps(doc), "d.json")
    b.write_text(TEXT + "edited later", encoding="utf-8")
    errors = []
    assert apply_all(files, out_dir="out", in_place=False, on_error=errors.append) == (1, 2, 1)
    assert (tmp_path / "out" / "sub" / "a.txt").read_text(encoding="utf-8") == TEXT.replace(
        "spy company", "spy agency").replace("big", "large")
    assert errors == ["b.txt: changed since the report (sha256 differs); not applied"]
    assert not (tmp_path / "out" / "b.txt").exists()
    with pytest.raises(DecisionsError, match="is the input sub/a.txt; use --in-place"):
        apply_all(files[:1], out_dir=".", in_place=False, on_error=errors.append)


def test_command_apply(tmp_path):
    a = tmp_path / "a.txt"
    a.write_bytes(TEXT.encode())
    d = tmp_path / "d.json"
    d.write_text(json.dumps(decisions_for(a, TEXT, [False, True, False, True])))
    r = run_module("apply", str(d), "-o", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    assert r.stderr == b"repair: apply: 2 changes applied; 1 file written under " + str(tmp_path / "out").encode() + b"\n"
    # an absolute input path keeps only its name under OUT_DIR
    assert (tmp_path / "out" / "a.txt").read_bytes().decode() == TEXT.replace("big", "large").replace(
        "\U0001F600 company", "\U0001F600 agency")
    assert a.read_bytes().decode() == TEXT
    r = run_module("apply", str(d), "--in-place")
    assert r.returncode == 0, r.stderr
    assert a.read_bytes().decode() == (tmp_path / "out" / "a.txt").read_bytes().decode()
    r = run_module("apply", str(d), "--in-place")  # the input has changed now
    assert r.returncode == 2
    assert r.stderr.decode().splitlines()[0] == f"repair: error: {a}: changed since the report (sha256 differs); not applied"


@pytest.mark.parametrize("args, fragment", [
    ([], "give either --output-dir OUT_DIR or --in-place"),
    (["--in-place", "-o", "x"], "cannot be used together"),
])
def test_command_apply_usage(tmp_path, args, fragment):
    d = tmp_path / "d.json"
    d.write_text('{"version": 1, "files": []}')
    r = run_module("apply", str(d), *args)
    assert r.returncode == 2 and fragment in r.stderr.decode() and r.stderr.count(b"\n") == 1
    d.write_text("{")
    r = run_module("apply", str(d), "--in-place")
    assert r.returncode == 2 and r.stderr.decode().startswith(f"repair: error: {d}: not JSON")


# --- the report command -----------------------------------------------------------------------

def test_command_report_then_apply_the_defaults(tmp_path):
    a = tmp_path / "a.txt"
    a.write_bytes(TEXT.encode())
    html = tmp_path / "r.html"
    r = run_module("report", str(a), "--html", str(html), fake=True)
    assert r.returncode == 0, r.stderr
    data = extract_data(html.read_text(encoding="utf-8"))
    (entry,) = data["files"]
    # below the threshold down to half of it: shown, not accepted
    assert [(c["new"], c["accepted"]) for c in entry["changes"]] == [
        ("agency", True), ("large", False), ("agency", True), ("agency", True)]
    d = tmp_path / "d.json"
    d.write_text(json.dumps({"version": data["version"], "files": data["files"]}))
    assert run_module("apply", str(d), "-o", str(tmp_path / "out")).returncode == 0
    fixed = run_module("fix", str(a), fake=True).stdout
    assert (tmp_path / "out" / "a.txt").read_bytes() == fixed
    r = run_module("report", str(a), "--html", str(html), "--floor", "0.5", fake=True)
    assert len(extract_data(html.read_text(encoding="utf-8"))["files"][0]["changes"]) == 3


def test_command_report_from_logs_and_errors(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_bytes(TEXT.encode())
    b.write_bytes(b"nothing here\n")
    log = tmp_path / "a.json"
    log.write_text(json.dumps({"changes": [c.to_dict() for c in CHANGES]}))
    empty = tmp_path / "b.json"
    empty.write_text('{"changes": []}')
    html = tmp_path / "r.html"
    r = run_module("report", str(a), str(b), "--log", str(log), "--log", str(empty), "--html", str(html))
    assert r.returncode == 0, r.stderr
    files = extract_data(html.read_text(encoding="utf-8"))["files"]
    assert [len(f["changes"]) for f in files] == [4, 0]
    r = run_module("report", str(a), str(tmp_path / "missing.txt"), "--html", str(html), fake=True)
    assert r.returncode == 2 and b"missing.txt: no such file" in r.stderr
    assert [f["path"] for f in extract_data(html.read_text(encoding="utf-8"))["files"]] == [str(a)]
    for args, fragment in ([[str(a), "--log", str(log), "--log", str(log)], "one --log per PATH"],
                           [["-"], "needs file paths"], [[str(a), "--html", str(a)], "is an input file"]):
        r = run_module("report", *args, *(["--html", str(html)] if "--html" not in args else []), fake=True)
        assert r.returncode == 2 and fragment in r.stderr.decode() and r.stderr.count(b"\n") == 1


def test_command_report_from_a_shuffled_log_shows_both_sides_right(tmp_path):
    a, log, html = tmp_path / "a.txt", tmp_path / "a.jsonl", tmp_path / "r.html"
    a.write_bytes(TEXT.encode())
    shuffled = [CHANGES[2], CHANGES[0], CHANGES[3], CHANGES[1]]
    log.write_text("".join(json.dumps(c.to_dict()) + "\n" for c in shuffled))
    r = run_module("report", str(a), "--log", str(log), "--html", str(html))
    assert r.returncode == 0, r.stderr
    data = extract_data(html.read_text(encoding="utf-8"))
    (entry,), (v,) = data["files"], data["views"]

    def side(field):
        return "".join(s if isinstance(s, str) else entry["changes"][s][field] for s in v["segments"])

    assert side("old") == TEXT
    assert side("new") == "The spy agency said\nthe large agency\ncaf\u00e9 \U0001F600 agency"
    assert [c["start"] for c in entry["changes"]] == [8, 25, 29, 44] and v["lines"] == [1, 2, 2, 3]


def test_view_refuses_changes_out_of_text_order():
    with pytest.raises(ValueError, match="text order"):
        view(TEXT, [CHANGES[1], CHANGES[0]])


@pytest.mark.parametrize("content, fragment", [
    ("[1]", "change 1: expected a change (a JSON object), got 1"),
    ('{"a": 2}', 'expected a list of changes or an object with "changes"'),
    ('[{"start": "x"}]', 'change 1: missing "end", "old", "new"'),
])
def test_command_report_log_that_is_not_a_list_of_changes_is_one_line(tmp_path, content, fragment):
    a, log, html = tmp_path / "a.txt", tmp_path / "a.json", tmp_path / "r.html"
    a.write_bytes(TEXT.encode())
    log.write_text(content)
    r = run_module("report", str(a), "--log", str(log), "--html", str(html))
    err = r.stderr.decode()
    assert r.returncode == 2 and err.count("\n") == 1, err
    assert err.startswith(f"repair: error: {log}: not a change log: ") and fragment in err


def test_command_apply_decisions_with_a_broken_change_is_one_line(tmp_path):
    a, d = tmp_path / "a.txt", tmp_path / "d.json"
    a.write_bytes(TEXT.encode())
    doc = decisions_for(a, TEXT, [True] * 4)
    doc["files"][0]["changes"][1]["start"] = float("inf")  # written as Infinity, which JSON readers accept
    d.write_text(json.dumps(doc))
    r = run_module("apply", str(d), "-o", str(tmp_path / "out"))
    error, summary = r.stderr.decode().splitlines()  # that file is refused (the others would go on)
    assert r.returncode == 2
    assert error.startswith(f"repair: error: {d}: file 1 ({a}): change 2: ") and '"start" must be a whole number' in error
    assert summary.startswith("repair: apply: 0 changes applied; 0 files written") and summary.endswith("; 1 failed")
    assert not (tmp_path / "out").exists()


def test_command_report_ticks_each_file_at_its_own_threshold(tmp_path, monkeypatch):
    from test_cli import invoke

    from repair import pipeline

    middle = (pipeline.SPUN_THRESHOLD + pipeline.DEFAULT_THRESHOLD) / 2

    def engine(text, opts):  # "spun" files read as spun, the others not
        score = pipeline.SPUN_SCORE if text.startswith("spun") else 0.0
        return [Change(5, 12, "company", "agency", "fake.spin", middle)], score

    monkeypatch.setattr(pipeline, "_suggest", engine)
    spun, plain = tmp_path / "spun.txt", tmp_path / "plain.txt"
    spun.write_text("spun company")
    plain.write_text("also company")
    html = tmp_path / "r.html"
    assert invoke("report", str(spun), str(plain), "--html", str(html)).exit_code == 0
    data = extract_data(html.read_text(encoding="utf-8"))
    assert [[c["accepted"] for c in f["changes"]] for f in data["files"]] == [[True], [False]]
    assert (data["threshold"], data["spun_threshold"]) == (pipeline.DEFAULT_THRESHOLD, pipeline.SPUN_THRESHOLD)
    # a threshold given holds for both
    assert invoke("report", str(spun), str(plain), "--html", str(html), "-c", str(pipeline.DEFAULT_THRESHOLD)).exit_code == 0
    data = extract_data(html.read_text(encoding="utf-8"))
    assert [[c["accepted"] for c in f["changes"]] for f in data["files"]] == [[False], [False]]
    assert data["spun_threshold"] is None


def test_command_report_from_the_log_of_a_spun_text_starts_with_what_fix_applied(tmp_path, monkeypatch):
    from test_cli import invoke

    from repair import pipeline

    low = pipeline.SPUN_THRESHOLD
    monkeypatch.setattr(pipeline, "_suggest",
                        lambda text, opts: ([Change(5, 12, "company", "agency", "fake.spin", low)], 1.0))
    doc, log, html = tmp_path / "a.txt", tmp_path / "a.json", tmp_path / "r.html"
    doc.write_text("spun company")
    assert invoke("fix", str(doc), "--log", str(log), "-o", str(tmp_path / "out.txt")).exit_code == 0
    assert invoke("report", str(doc), "--log", str(log), "--html", str(html)).exit_code == 0
    (entry,) = extract_data(html.read_text(encoding="utf-8"))["files"]
    assert [c["accepted"] for c in entry["changes"]] == [True]
