"""Reading change logs and decisions files that someone edited by hand: a lone surrogate in a
change's wording, a byte-order mark, odd versions and digests."""
import json

import pytest

from conftest import run_module
from repair.changes import Change
from repair.decisions import DecisionsError, apply_all, document, file_entry, parse

TEXT = "The spy company said\nthe big company\n"
CHANGES = [Change(8, 15, "company", "agency", "fake.spin", 0.9), Change(25, 28, "big", "large", "fake.weak", 0.3),
           Change(29, 36, "company", "agency", "fake.spin", 0.9)]
BOM = "\ufeff"


def one_line_error(r, *fragments):
    err = r.stderr.decode()
    assert err.count("\n") == 1 and err.startswith("repair: error: ") and "Traceback" not in err, err
    for f in fragments:
        assert f in err, err


def decisions(*paths, text=TEXT, accepted=True):
    return document([{**file_entry(str(p), text, CHANGES, 0.6),
                      "changes": [{**c.to_dict(), "accepted": accepted} for c in CHANGES]} for p in paths])


@pytest.fixture
def spun(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes(TEXT.encode())
    return p


# --- a lone surrogate in a change's wording (item: "new": "\ud800") -------------------------

def surrogate_log(tmp_path):
    log = tmp_path / "log.json"
    log.write_text(json.dumps({"changes": [{"start": 8, "end": 15, "old": "company", "new": "agency"},
                                           {"start": 29, "end": 36, "old": "company", "new": "\ud800"}]}))
    assert "\\ud800" in log.read_text()
    return log


@pytest.mark.parametrize("command", [
    ["diff", "--unified"], ["review", "-o", "{tmp}/out.txt"], ["report", "--html", "{tmp}/r.html"]])
def test_reading_a_log_with_a_lone_surrogate_is_an_input_error(spun, tmp_path, command):
    log = surrogate_log(tmp_path)
    args = [a.format(tmp=tmp_path) for a in command]
    r = run_module(args[0], str(spun), "--log", str(log), *args[1:], input=b"y\ny\n", fake=True)
    assert r.returncode == 2, r.stderr
    err = r.stderr.decode()
    assert err.startswith(f"repair: error: {log}: not a change log: change 2: \"new\" is not valid text"), err
    assert err.count("\n") == 1
    assert not (tmp_path / "out.txt").exists()


def test_apply_refuses_the_file_with_a_lone_surrogate_and_goes_on(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    for p in (a, b):
        p.write_bytes(TEXT.encode())
    doc = decisions(a, b)
    doc["files"][0]["changes"][2]["new"] = "\ud800"
    d = tmp_path / "d.json"
    d.write_text(json.dumps(doc))
    r = run_module("apply", str(d), "-o", str(tmp_path / "out"))
    assert r.returncode == 2
    lines = r.stderr.decode().splitlines()
    assert lines[0] == (f"repair: error: {d}: file 1 ({a}): change 3: \"new\" is not valid text: it holds a "
                        "lone surrogate (\\ud800 at offset 0); not applied")
    assert lines[1].startswith("repair: apply: 3 changes applied; 1 file written") and "1 failed" in lines[1]
    assert not (tmp_path / "out" / "a.txt").exists()
    assert (tmp_path / "out" / "b.txt").read_bytes() == b"The spy agency said\nthe large agency\n"


def test_parse_is_strict_unless_asked():
    doc = decisions("a.txt", "b.txt")
    doc["files"][1]["changes"][0]["old"] = "\udce9"
    with pytest.raises(DecisionsError, match=r'^d: file 2 \(b.txt\): change 1: "old" is not valid text'):
        parse(json.dumps(doc), "d")
    files = parse(json.dumps(doc), "d", strict=False)
    assert [(f.path, f.problem[:20], len(f.changes)) for f in files] == [("a.txt", "", 3),
                                                                           ("b.txt", "d: file 2 (b.txt): c", 0)]
    errors = []
    assert apply_all(files[1:], out_dir="out", in_place=False, on_error=errors.append) == (0, 0, 1)
    assert errors == [files[1].problem + "; not applied"]


# --- a byte-order mark (Notepad) ------------------------------------------------------------

def test_a_decisions_file_with_a_bom_is_applied(spun, tmp_path):
    d = tmp_path / "d.json"
    d.write_bytes((BOM + json.dumps(decisions(spun))).encode())
    r = run_module("apply", str(d), "-o", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "out" / "a.txt").read_bytes() == b"The spy agency said\nthe large agency\n"
    assert parse(BOM + json.dumps(decisions(spun)), "d") == parse(json.dumps(decisions(spun)), "d")


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_a_change_log_with_a_bom_is_read(spun, tmp_path, suffix):
    log = tmp_path / f"log{suffix}"
    assert run_module("fix", str(spun), "-o", str(tmp_path / "fixed.txt"), "--log", str(log), fake=True).returncode == 0
    log.write_bytes(BOM.encode() + log.read_bytes())
    r = run_module("diff", str(spun), "--log", str(log), "--unified", fake=True)
    assert r.returncode == 0, r.stderr
    assert b"+The spy agency said\n" in r.stdout
    html = tmp_path / "r.html"
    assert run_module("report", str(spun), "--log", str(log), "--html", str(html), fake=True).returncode == 0
    r = run_module("review", str(spun), "--log", str(log), "-o", str(tmp_path / "rev.txt"), input=b"y\ny\n",
                   fake=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "rev.txt").read_bytes() == (tmp_path / "fixed.txt").read_bytes()


# --- the version and the digest ---------------------------------------------------------------

@pytest.mark.parametrize("version, shown", [(True, "true"), (1.0, "1.0"), ("1", '"1"'), (2, "2"), (None, "null")])
def test_only_the_integer_1_is_version_1(version, shown):
    doc = {**decisions("a.txt"), "version": version}
    with pytest.raises(DecisionsError, match=f"^d: unsupported decisions version {shown} \\(expected 1\\)$"):
        parse(json.dumps(doc), "d")
    del doc["version"]
    with pytest.raises(DecisionsError, match='^d: needs a "version"'):
        parse(json.dumps(doc), "d")
    assert parse(json.dumps({**doc, "version": 1}), "d")[0].path == "a.txt"


@pytest.mark.parametrize("digest", ["z" * 64, "0" * 63 + "g", " " + "0" * 63, "0" * 64 + "\n", "0" * 65, 7])
def test_a_sha256_that_is_not_64_hex_digits_is_malformed(spun, tmp_path, digest):
    doc = decisions(spun)
    doc["files"][0]["sha256"] = digest
    with pytest.raises(DecisionsError, match=r'file 1 \(.*a.txt\): needs a "sha256" of 64 hex digits, got '):
        parse(json.dumps(doc), "d")
    d = tmp_path / "d.json"
    d.write_text(json.dumps(doc))
    r = run_module("apply", str(d), "-o", str(tmp_path / "out"))
    assert r.returncode == 2
    one_line_error(r, f"{d}: file 1 ({spun}): needs a \"sha256\" of 64 hex digits")
    assert "changed since the report" not in r.stderr.decode()


def test_an_upper_case_sha256_is_the_same_digest(spun, tmp_path):
    doc = decisions(spun)
    doc["files"][0]["sha256"] = doc["files"][0]["sha256"].upper()
    d = tmp_path / "d.json"
    d.write_text(json.dumps(doc))
    assert run_module("apply", str(d), "-o", str(tmp_path / "out")).returncode == 0


# --- relative paths: relative to where the report was made --------------------------------------

def report_in(folder, *paths):
    """Make a report in ``folder`` of ``paths`` (relative to it); its decisions, as exported."""
    from repair.report import extract_data

    html = folder / "r.html"
    r = run_module("report", *paths, "--html", str(html), fake=True, cwd=folder)
    assert r.returncode == 0, r.stderr
    data = extract_data(html.read_text(encoding="utf-8"))
    return {k: data[k] for k in ("version", "base", "files")}


def test_apply_from_another_folder_finds_the_reports_relative_paths(tmp_path):
    made, elsewhere = tmp_path / "made", tmp_path / "elsewhere"
    (made / "sub").mkdir(parents=True)
    elsewhere.mkdir()
    (made / "sub" / "a.txt").write_bytes(TEXT.encode())
    (elsewhere / "sub").mkdir()
    (elsewhere / "sub" / "a.txt").write_bytes(b"a decoy with the same name\n")
    doc = report_in(made, "sub/a.txt")
    assert doc["base"] == str(made) and doc["files"][0]["path"] == "sub/a.txt"
    d = tmp_path / "d.json"
    d.write_text(json.dumps(doc))
    r = run_module("apply", str(d), "-o", "out", cwd=elsewhere)
    assert r.returncode == 0, r.stderr
    # the report's file, its relative path kept under OUT_DIR (relative to where apply runs)
    assert (elsewhere / "out" / "sub" / "a.txt").read_bytes() == b"The spy agency said\nthe big agency\n"
    r = run_module("apply", str(d), "--in-place", cwd=elsewhere)
    assert r.returncode == 0, r.stderr
    assert (made / "sub" / "a.txt").read_bytes() == b"The spy agency said\nthe big agency\n"
    assert (elsewhere / "sub" / "a.txt").read_bytes() == b"a decoy with the same name\n"
    # the input is gone: the message names where it was looked for
    (made / "sub" / "a.txt").unlink()
    r = run_module("apply", str(d), "-o", "out2", cwd=elsewhere)
    assert r.returncode == 2
    assert r.stderr.decode().splitlines()[0] == f"repair: error: {made}/sub/a.txt: no such file"


def test_old_decisions_without_base_are_relative_to_the_current_folder(tmp_path):
    made, elsewhere = tmp_path / "made", tmp_path / "elsewhere"
    made.mkdir()
    elsewhere.mkdir()
    (made / "a.txt").write_bytes(TEXT.encode())
    doc = report_in(made, "a.txt")
    del doc["base"]
    d = tmp_path / "d.json"
    d.write_text(json.dumps(doc))
    assert run_module("apply", str(d), "-o", "out", cwd=made).returncode == 0
    assert (made / "out" / "a.txt").read_bytes() == b"The spy agency said\nthe big agency\n"
    r = run_module("apply", str(d), "-o", "out", cwd=elsewhere)
    assert r.returncode == 2
    err = r.stderr.decode().splitlines()[0]
    assert err.startswith(f"repair: error: a.txt: no such file (looked for in the current folder {elsewhere}: "
                          "this decisions file does not record the folder the report was made in")


def test_an_absolute_path_ignores_base(spun, tmp_path):
    doc = {**decisions(spun), "base": str(tmp_path / "nowhere")}
    files = parse(json.dumps(doc), "d")
    assert files[0].source == str(spun)
    assert parse(json.dumps({**decisions("a.txt"), "base": "/r"}), "d")[0].source == "/r/a.txt"
    assert parse(json.dumps(decisions("a.txt")), "d")[0].source == "a.txt"


@pytest.mark.parametrize("base", ["relative/folder", "", 3, True])
def test_base_must_be_an_absolute_folder(base):
    with pytest.raises(DecisionsError, match='^d: "base" must be the absolute path of the folder the report '
                                             'was made in, got '):
        parse(json.dumps({**decisions("a.txt"), "base": base}), "d")
