import json
import os
import stat
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from conftest import _env, run_module
from repair import __version__, pipeline
from repair.changes import apply_changes, changes_from_json
from repair.cli import app

SPUN = "\ufeffThe spy company said\r\nthe big company\r\ncaf\u00e9 company"  # BOM, CRLF, no final newline
FIXED = "\ufeffThe spy agency said\r\nthe big agency\r\ncaf\u00e9 agency"
CLEAN = "Nothing to see here.\n"


def runner():
    try:
        return CliRunner(mix_stderr=False)  # click < 8.2
    except TypeError:
        return CliRunner()


def invoke(*args, input=None):
    return runner().invoke(app, list(args), input=input)


@pytest.fixture
def spun(tmp_path):
    p = tmp_path / "spun.txt"
    p.write_bytes(SPUN.encode())
    return p


@pytest.fixture
def clean(tmp_path):
    p = tmp_path / "clean.txt"
    p.write_bytes(CLEAN.encode())
    return p


def assert_one_error_line(stderr: str, *fragments):
    assert stderr.endswith("\n") and stderr.count("\n") == 1, stderr
    assert stderr.startswith("repair: error: "), stderr
    assert "Traceback" not in stderr
    for f in fragments:
        assert f in stderr


# --- check -----------------------------------------------------------------------------

def test_check_exit_codes(fake_engine_installed, spun, clean, tmp_path):
    assert invoke("check", str(clean)).exit_code == 0
    r = invoke("check", str(spun))
    assert r.exit_code == 1
    assert r.stdout.splitlines() == [f'{spun}:1:9: "company" -> "agency" (0.90) fake.spin',
                                     f'{spun}:2:9: "company" -> "agency" (0.90) fake.spin',
                                     f'{spun}:3:6: "company" -> "agency" (0.90) fake.spin']
    r = invoke("check", str(tmp_path / "missing.txt"))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, "missing.txt: no such file")
    assert invoke("check", "--min-confidence", "1.5", str(spun)).exit_code == 2
    assert invoke("check", "--format", "xml", str(spun)).exit_code == 2
    assert invoke("check").exit_code == 2


def test_check_threshold(fake_engine_installed, tmp_path):
    p = tmp_path / "big.txt"
    p.write_text("a big deal")
    assert invoke("check", str(p)).exit_code == 0  # 0.3 < default 0.5
    r = invoke("check", str(p), "--min-confidence", "0.3")  # at the threshold counts
    assert r.exit_code == 1 and '"big" -> "large" (0.30) fake.weak' in r.stdout
    assert invoke("check", str(p), "-c", "0.31").exit_code == 0


def test_check_default_threshold_is_the_pipelines(fake_engine_installed, monkeypatch, tmp_path):
    from repair import pipeline
    from repair.changes import Change

    p = tmp_path / "t.txt"
    p.write_text("abc")
    at = pipeline.DEFAULT_THRESHOLD
    monkeypatch.setattr(pipeline, "_suggest", lambda t, o: ([Change(0, 1, "a", "b", "r", at)], 0.01))
    assert invoke("check", str(p)).exit_code == 1
    monkeypatch.setattr(pipeline, "_suggest",
                        lambda t, o: ([Change(0, 1, "a", "b", "r", at - 1e-9)], 0.01))
    assert invoke("check", str(p)).exit_code == 0


def test_a_text_that_reads_as_spun_gets_the_gates_lower_threshold(fake_engine_installed, monkeypatch, tmp_path):
    from repair import pipeline
    from repair.changes import Change

    p = tmp_path / "t.txt"
    p.write_text("abc")
    low = pipeline.SPUN_THRESHOLD

    def engine(score):
        return lambda t, o: ([Change(0, 1, "a", "b", "r", low)], score)

    monkeypatch.setattr(pipeline, "_suggest", engine(pipeline.SPUN_SCORE))
    r = invoke("fix", str(p))
    assert (r.exit_code, r.stdout) == (0, "bbc")
    assert invoke("check", str(p)).exit_code == 1
    log = tmp_path / "log.json"
    assert invoke("fix", str(p), "--log", str(log)).exit_code == 0
    assert json.loads(log.read_text())["min_confidence"] == low  # the threshold this text got
    # a threshold the user gives holds in every text, spun or not
    assert invoke("fix", str(p), "-c", str(pipeline.DEFAULT_THRESHOLD)).stdout == "abc"
    assert invoke("check", str(p), "-c", str(pipeline.DEFAULT_THRESHOLD)).exit_code == 0
    # just under the gate's score: the default threshold
    monkeypatch.setattr(pipeline, "_suggest", engine(pipeline.SPUN_SCORE - 1e-6))
    assert invoke("fix", str(p)).stdout == "abc"
    assert invoke("check", str(p)).exit_code == 0


def test_check_json_and_jsonl(fake_engine_installed, spun, clean):
    r = invoke("check", "--format", "json", str(spun))
    assert r.exit_code == 1
    obj = json.loads(r.stdout)
    assert obj["path"] == str(spun) and len(obj["changes"]) == 3
    # the text's spin score and the threshold it got (the fake engine's score is under the gate's)
    assert (obj["spin_score"], obj["threshold"]) == (0.04, pipeline.DEFAULT_THRESHOLD)
    assert apply_changes(SPUN, changes_from_json(r.stdout)) == FIXED

    r = invoke("check", "-f", "jsonl", str(spun), str(clean))
    assert r.exit_code == 1
    rows = [json.loads(line) for line in r.stdout.splitlines()]
    assert [row["path"] for row in rows] == [str(spun)] * 3
    assert {row["new"] for row in rows} == {"agency"}

    r = invoke("check", "-f", "json", str(spun), str(clean))
    files = json.loads(r.stdout)
    assert [f["path"] for f in files] == [str(spun), str(clean)]
    assert [len(f["changes"]) for f in files] == [3, 0]
    assert [f["spin_score"] for f in files] == [0.04, 0.0]


def test_check_several_files_keeps_going_after_an_error(fake_engine_installed, spun, tmp_path):
    r = invoke("check", str(tmp_path / "missing.txt"), str(spun))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, "no such file")
    assert len(r.stdout.splitlines()) == 3


def test_check_stdin(fake_engine_installed):
    r = invoke("check", "-", input="the company\n".encode())
    assert r.exit_code == 1 and r.stdout.startswith("<stdin>:1:5:")
    assert invoke("check", "-", input=b"").exit_code == 0


# --- fix -------------------------------------------------------------------------------

def test_fix_to_stdout_is_byte_exact(fake_engine_installed, spun):
    r = invoke("fix", str(spun))
    assert r.exit_code == 0
    assert r.stdout_bytes == FIXED.encode()


def test_fix_stdin_to_stdout(fake_engine_installed):
    r = invoke("fix", "-", input=SPUN.encode())
    assert r.exit_code == 0 and r.stdout_bytes == FIXED.encode()


def test_fix_nothing_to_do_exits_0(fake_engine_installed, clean):
    r = invoke("fix", str(clean))
    assert r.exit_code == 0 and r.stdout_bytes == CLEAN.encode()


def test_fix_empty_input(fake_engine_installed, tmp_path):
    p = tmp_path / "empty.txt"
    p.write_bytes(b"")
    for args, inp in ((["fix", str(p)], None), (["fix", "-"], b"")):
        r = invoke(*args, input=inp)
        assert r.exit_code == 0 and r.stdout_bytes == b""
    out = tmp_path / "out.txt"
    assert invoke("fix", str(p), "-o", str(out)).exit_code == 0
    assert out.read_bytes() == b""


def test_fix_output_file(fake_engine_installed, spun, tmp_path):
    out = tmp_path / "out.txt"
    r = invoke("fix", str(spun), "-o", str(out))
    assert r.exit_code == 0 and r.stdout_bytes == b""
    assert out.read_bytes() == FIXED.encode()
    assert spun.read_bytes() == SPUN.encode()
    assert sorted(os.listdir(tmp_path)) == ["out.txt", "spun.txt"]
    r = invoke("fix", str(spun), "-o", "-")
    assert r.stdout_bytes == FIXED.encode()


def test_fix_output_write_error(fake_engine_installed, spun, tmp_path):
    r = invoke("fix", str(spun), "-o", str(tmp_path / "no" / "dir" / "out.txt"))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, "out.txt: cannot write")


def test_in_place_refuses_stdin(fake_engine_installed):
    r = invoke("fix", "-", "--in-place", input=SPUN.encode())
    assert r.exit_code == 2 and r.stdout_bytes == b""
    assert_one_error_line(r.stderr, "--in-place")


@pytest.mark.parametrize("args", [["--in-place", "-o", "x.txt"], ["--backup"], ["--diff", "-o", "x"],
                                  ["--diff", "--in-place"], ["--diff", "--log", "x.json"]])
def test_conflicting_options(fake_engine_installed, spun, args):
    r = invoke("fix", str(spun), *args)
    assert r.exit_code == 2
    assert_one_error_line(r.stderr)
    assert spun.read_bytes() == SPUN.encode()


def test_in_place_with_backup(fake_engine_installed, spun, tmp_path):
    spun.chmod(0o640)
    r = invoke("fix", str(spun), "--in-place", "--backup")
    assert r.exit_code == 0 and r.stdout_bytes == b""
    assert spun.read_bytes() == FIXED.encode()
    assert stat.S_IMODE(spun.stat().st_mode) == 0o640
    bak = tmp_path / "spun.txt.bak"
    assert bak.read_bytes() == SPUN.encode()
    assert sorted(os.listdir(tmp_path)) == ["spun.txt", "spun.txt.bak"]


def assert_in_place_backup_keeps_mode_and_owner(target, src):
    """``fix TARGET --in-place --backup`` (umask 022) with ``src``, a file under it holding SPUN,
    made private (0o600) and, where we may (as root), given another owner: ``src`` and its
    ``.bak`` copy keep both (the copy is not world-readable as 0o644)."""
    src.chmod(0o600)
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if as_root:
        os.chown(src, 12345, 23456)
    old = os.umask(0o022)
    try:
        r = invoke("fix", str(target), "--in-place", "--backup")
    finally:
        os.umask(old)
    assert r.exit_code == 0, r.stderr
    bak = src.with_name(src.name + ".bak")
    assert bak.read_bytes() == SPUN.encode() and src.read_bytes() == FIXED.encode()
    for p in (src, bak):
        assert stat.S_IMODE(p.stat().st_mode) == 0o600
        if as_root:  # the owner part needs root to set another user
            assert (p.stat().st_uid, p.stat().st_gid) == (12345, 23456)


def test_in_place_backup_keeps_the_originals_mode_and_owner(fake_engine_installed, spun):
    assert_in_place_backup_keeps_mode_and_owner(spun, spun)


def test_in_place_without_changes_leaves_the_file_alone(fake_engine_installed, clean, tmp_path):
    before = clean.stat()
    r = invoke("fix", str(clean), "-i", "--backup")
    assert r.exit_code == 0
    after = clean.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert os.listdir(tmp_path) == ["clean.txt"]


def test_log_json(fake_engine_installed, spun, tmp_path):
    out, log = tmp_path / "out.txt", tmp_path / "changes.json"
    r = invoke("fix", str(spun), "-o", str(out), "--log", str(log))
    assert r.exit_code == 0
    obj = json.loads(log.read_text(encoding="utf-8"))
    assert obj["path"] == str(spun) and obj["version"] == __version__ and obj["tool"] == "repair"
    assert len(obj["changes"]) == 3
    changes = changes_from_json(log.read_text(encoding="utf-8"))
    assert apply_changes(SPUN, changes).encode() == out.read_bytes()


def test_log_jsonl(fake_engine_installed, spun, tmp_path):
    out, log = tmp_path / "out.txt", tmp_path / "changes.jsonl"
    assert invoke("fix", str(spun), "-o", str(out), "--log", str(log)).exit_code == 0
    rows = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 3
    assert all(row["path"] == str(spun) and row["version"] == __version__ for row in rows)
    changes = changes_from_json(log.read_text(encoding="utf-8"))
    assert apply_changes(SPUN, changes).encode() == out.read_bytes()


def test_log_with_in_place_reverts(fake_engine_installed, spun, tmp_path):
    from repair.changes import revert_changes

    log = tmp_path / "log.json"
    assert invoke("fix", str(spun), "--in-place", "--log", str(log)).exit_code == 0
    changes = changes_from_json(log.read_text(encoding="utf-8"))
    assert revert_changes(spun.read_bytes().decode(), changes).encode() == SPUN.encode()


def test_log_is_written_even_without_changes(fake_engine_installed, clean, tmp_path):
    log = tmp_path / "log.json"
    assert invoke("fix", str(clean), "--log", str(log)).exit_code == 0
    assert json.loads(log.read_text())["changes"] == []


def test_diff_prints_a_diff_and_writes_nothing(fake_engine_installed, spun, tmp_path):
    r = invoke("fix", str(spun), "--diff")
    assert r.exit_code == 0
    d = r.stdout_bytes.decode()
    label = str(spun).lstrip("/")
    assert d.startswith(f"--- a/{label}\n+++ b/{label}\n@@ -1,3 +1,3 @@\n")
    assert "-\ufeffThe spy company said\r\n-the big company\r\n" in d
    assert d.endswith("+caf\u00e9 agency\n\\ No newline at end of file\n")
    assert sorted(os.listdir(tmp_path)) == ["spun.txt"]
    assert spun.read_bytes() == SPUN.encode()


def test_min_confidence_applies_to_fix(fake_engine_installed, tmp_path):
    p = tmp_path / "big.txt"
    p.write_text("a big company")
    assert invoke("fix", str(p)).stdout == "a big agency"
    assert invoke("fix", str(p), "--min-confidence", "0.2").stdout == "a large agency"
    assert invoke("fix", str(p), "--min-confidence", "0.95").stdout == "a big company"


# --- writes that would land on an input or on each other, writes bound to fail ------------

@pytest.mark.parametrize("args, fragment", [
    (["--log", "{spun}"], "--log {spun}: is the input file"),
    (["--in-place", "--log", "{spun}"], "--log {spun}: is the input file"),
    (["-o", "{tmp}/x.txt", "--log", "{tmp}/x.txt"], "--log {tmp}/x.txt: is the --output file"),
    (["-o", "{tmp}/x.txt", "--log", "{tmp}/sub/../x.txt"], "is the --output file"),
    (["-o", "{spun}"], "--output {spun}: is the input file; use --in-place to rewrite it"),
    (["-o", "{tmp}/link.txt"], "is the input file"),  # a symlink to the input
    (["--in-place", "--backup", "--log", "{spun}.bak"], "--log {spun}.bak: is the --backup copy"),
])
def test_fix_refuses_writes_over_its_input_or_each_other(fake_engine_installed, spun, tmp_path, args, fragment):
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.txt").symlink_to(spun)
    before = sorted(os.listdir(tmp_path))
    args = [a.format(spun=spun, tmp=tmp_path) for a in args]
    r = invoke("fix", str(spun), *args)
    assert r.exit_code == 2 and r.stdout_bytes == b""
    assert_one_error_line(r.stderr, fragment.format(spun=spun, tmp=tmp_path))
    assert spun.read_bytes() == SPUN.encode()
    assert sorted(os.listdir(tmp_path)) == before


def test_fix_log_from_stdin_and_devices_are_not_collisions(fake_engine_installed, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    log = tmp_path / "log.json"
    r = invoke("fix", "-", "--log", str(log), input=SPUN.encode())  # "-" is no file to collide with
    assert r.exit_code == 0 and r.stdout_bytes == FIXED.encode()
    assert json.loads(log.read_text())["path"] == "<stdin>"
    if stat.S_ISCHR(os.stat(os.devnull).st_mode):  # written into, not replaced: nothing is lost
        r = invoke("fix", "-", "-o", os.devnull, "--log", os.devnull, input=SPUN.encode())
        assert r.exit_code == 0, r.stderr
        assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["log.json"]


@pytest.mark.parametrize("bad", ["output", "log"])
def test_fix_writes_nothing_when_one_write_is_doomed(fake_engine_installed, spun, tmp_path, bad):
    out, log = tmp_path / "out.txt", tmp_path / "log.json"
    doomed = tmp_path / "nodir" / "y.txt"
    args = ["-o", str(doomed if bad == "output" else out), "--log", str(log if bad == "output" else doomed)]
    r = invoke("fix", str(spun), *args)
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, f"{doomed}: cannot write: folder {doomed.parent} does not exist")
    assert sorted(os.listdir(tmp_path)) == ["spun.txt"]  # neither the output nor the log


def test_fix_writes_the_log_after_the_output(fake_engine_installed, spun, tmp_path, monkeypatch):
    # a failure the checks cannot foresee (a full disk): the output fails, so no log of it is left
    from repair import textio

    out, log = tmp_path / "out.txt", tmp_path / "log.json"
    real = textio.write_bytes_atomic
    failing = {str(out)}

    def full_disk(path, data, **kw):
        if os.fspath(path) in failing:
            raise OSError(28, "No space left on device")
        return real(path, data, **kw)

    monkeypatch.setattr(textio, "write_bytes_atomic", full_disk)
    r = invoke("fix", str(spun), "-o", str(out), "--log", str(log))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, f"{out}: cannot write: No space left on device")
    assert not log.exists() and not out.exists()
    failing = {str(spun)}  # in place, the log comes first: the way back exists before the rewrite
    assert invoke("fix", str(spun), "-i", "--log", str(log)).exit_code == 2
    assert log.exists() and spun.read_bytes() == SPUN.encode()


def test_fix_log_into_a_folder_is_refused_up_front(fake_engine_installed, spun, tmp_path):
    r = invoke("fix", str(spun), "-o", str(tmp_path / "out.txt"), "--log", str(tmp_path))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, f"{tmp_path}: cannot write: is a directory")
    assert sorted(os.listdir(tmp_path)) == ["spun.txt"]


@pytest.mark.parametrize("command, args, fragment", [
    ("review", ["--log", "{log}", "-o", "{log}"], "--output {log}: is the --log file it reads"),
    ("review", ["--log", "{log}", "--log-out", "{log}"], "--log-out {log}: is the --log file it reads"),
    ("review", ["-o", "{tmp}/x.txt", "--log-out", "{tmp}/x.txt"], "--log-out {tmp}/x.txt: is the output file"),
    ("review", ["--log-out", "{spun}.repaired"], "is the output file"),  # the default output
    ("review", ["--log-out", "{tmp}/nodir/l.json"], "cannot write: folder {tmp}/nodir does not exist"),
    ("report", ["--log", "{log}", "--html", "{log}"], "--html {log}: is a --log file it reads"),
    ("report", ["--html", "{tmp}/nodir/r.html"], "cannot write: folder {tmp}/nodir does not exist"),
])
def test_review_and_report_refuse_writes_over_what_they_read(fake_engine_installed, spun, tmp_path,
                                                              command, args, fragment):
    log = tmp_path / "changes.json"
    assert invoke("fix", str(spun), "-o", os.devnull, "--log", str(log)).exit_code == 0
    before = {p: p.read_bytes() for p in tmp_path.iterdir()}
    args = [a.format(spun=spun, tmp=tmp_path, log=log) for a in args]
    r = invoke(command, str(spun), *args, input="q\n")
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, fragment.format(spun=spun, tmp=tmp_path, log=log))
    assert {p: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_eval_plot_over_its_input_is_refused(tmp_path):
    pairs = tmp_path / "pairs.jsonl"
    pairs.write_text('{"original": "a", "spun": "b"}\n')
    r = invoke("eval", str(pairs), "--plot", str(pairs))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, f"--plot {pairs}: is the input file")
    assert pairs.read_text() == '{"original": "a", "spun": "b"}\n'


# --- dash for standard input, change logs given to apply, folder-only flags, empty lexicon ---

def test_learn_and_lexicon_validate_read_standard_input(tmp_path):
    from repair.lexicon import HEADER

    pair = '{"original": "the big dog", "spun": "the large dog"}\n'
    out = tmp_path / "lex.tsv"
    r = invoke("learn", "-", "-o", str(out), input=pair)
    assert r.exit_code == 0, r.stderr
    assert out.read_text().splitlines()[-1].split("\t")[:2] == ["large", "big"]
    r = invoke("lexicon", "validate", "-", input=out.read_text())
    assert r.exit_code == 0 and r.stdout == ""
    r = invoke("lexicon", "validate", "-", input=HEADER + "\nb\ta\t1\t1\t\tx\na\tb\t1\t1\t\tx\n")
    assert r.exit_code == 1 and r.stdout.startswith("<stdin>:2: cycle: ")
    r = invoke("lexicon", "validate", "-", input=b"caf\xe9\n")
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, "<stdin>:1: invalid UTF-8 at byte offset 3")
    for args in (["learn", "-", "-", "-o", str(tmp_path / "x.tsv")], ["lexicon", "validate", "-", "-"]):
        r = invoke(*args, input=pair)
        assert r.exit_code == 2
        assert_one_error_line(r.stderr, "standard input can be read only once")
    r = invoke("learn", "-", "-o", str(tmp_path / "x.tsv"), input="")
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, "<stdin>: no pairs")
    assert not (tmp_path / "x.tsv").exists()


def test_empty_lexicon_names_line_1(tmp_path):
    empty = tmp_path / "empty.tsv"
    empty.write_bytes(b"")
    r = invoke("lexicon", "validate", str(empty))
    assert r.exit_code == 1 and r.stdout == f"{empty}:1: format: empty file (no header line)\n"
    comments = tmp_path / "comments.tsv"
    comments.write_text("# one\n# two\n")
    r = invoke("lexicon", "validate", str(comments))
    assert r.exit_code == 1 and r.stdout.startswith(f"{comments}:3: format: no header line after the comments")
    r = invoke("fix", "-", "--lexicon", str(empty), input=b"x")
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, f"{empty}:1: empty file (no header line)")


@pytest.mark.parametrize("log_name", ["changes.jsonl", "changes.json"])
def test_apply_given_a_change_log_says_so(fake_engine_installed, spun, tmp_path, log_name):
    log = tmp_path / log_name
    assert invoke("fix", str(spun), "-o", os.devnull, "--log", str(log)).exit_code == 0
    r = invoke("apply", str(log), "-o", str(tmp_path / "final"))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, f"{log}: is a change log, not a decisions file",
                          f"repair report FILE --log {log} --html page.html")
    assert "not JSON" not in r.stderr and not (tmp_path / "final").exists()
    r = invoke("apply", str(spun), "-o", str(tmp_path / "final"))  # some other text: not JSON, as before
    assert r.exit_code == 2 and "not JSON" in r.stderr


@pytest.mark.parametrize("args, named", [
    (["-j", "2"], "--jobs is"), (["--jobs", "1"], "--jobs is"), (["--force"], "--force is"),
    (["--include", "*.txt"], "--include is"), (["--exclude", "x"], "--exclude is"),
    (["--include", "*.txt", "--force"], "--include and --force are"),
])
def test_folder_only_options_are_refused_for_one_file(fake_engine_installed, spun, tmp_path, args, named):
    r = invoke("fix", str(spun), *args)
    assert r.exit_code == 2 and r.stdout_bytes == b""
    assert_one_error_line(r.stderr, f"{named} for a folder; {spun} is one file")
    r = invoke("fix", "-", *args, input=SPUN.encode())
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, f"{named} for a folder; standard input is one text")
    assert invoke("check", str(spun), str(spun), "-j", "2").exit_code == 1  # check runs files in workers


def test_folder_options_from_the_configuration_do_not_count_for_one_file(fake_engine_installed, spun, tmp_path):
    (tmp_path / "repair.toml").write_text('include = ["*.md"]\nexclude = ["x"]\n')
    r = invoke("fix", str(spun))
    assert r.exit_code == 0 and r.stdout_bytes == FIXED.encode()


# --- errors ----------------------------------------------------------------------------

@pytest.mark.parametrize("make,fragment", [
    (lambda d: d / "missing.txt", "missing.txt: no such file"),
    (lambda d: d, ": is a directory"),
    (lambda d: (d / "b.bin").write_bytes(b"ab\x00") and d / "b.bin", "b.bin: binary file (NUL byte at offset 2)"),
    (lambda d: (d / "u.txt").write_bytes(b"caf\xc3\xa9 \xff") and d / "u.txt", "u.txt: invalid UTF-8 at byte offset 6"),
])
@pytest.mark.parametrize("command", ["fix", "check"])
def test_input_errors_are_one_line(fake_engine_installed, tmp_path, make, fragment, command):
    if command == "check" and "directory" in fragment:
        pytest.skip("check walks a folder (tests/test_batch.py)")
    path = make(tmp_path)
    r = invoke(command, str(path))
    assert r.exit_code == 2
    assert r.stdout_bytes == b""
    assert_one_error_line(r.stderr, fragment)


@pytest.mark.parametrize("args", [["fix"], ["fix", "a", "b"], ["fix", "--nope", "a"],
                                  ["fix", "--min-confidence", "abc", "a"], ["fix", "-c", "nan", "a"],
                                  ["fix", "-c", "-0.1", "a"], ["check", "-f", "yaml", "a"], ["frobnicate"]])
def test_usage_errors_exit_2_with_one_line(args):
    r = invoke(*args)
    assert r.exit_code == 2
    assert_one_error_line(r.stderr)


def test_internal_error_is_one_line(fake_engine_installed, tmp_path):
    p = tmp_path / "x.txt"
    p.write_text("boom")
    r = invoke("fix", str(p))
    assert r.exit_code == 3
    assert_one_error_line(r.stderr, "internal error: RuntimeError: engine exploded")


# --- help and version ------------------------------------------------------------------

def test_help_mentions_examples():
    r = invoke("--help")
    assert r.exit_code == 0
    assert "Examples:" in r.stdout and "repair fix article.txt -o clean.txt --log changes.json" in r.stdout
    fix_help = invoke("fix", "--help").stdout
    assert "Examples:" in fix_help and "cat spun.txt | repair fix -" in fix_help
    check_help = invoke("check", "--help").stdout
    assert "Examples:" in check_help and "repair check scraped/*.txt --format jsonl" in check_help


def test_bare_repair_shows_help():
    r = invoke()
    assert r.exit_code == 2 and "Usage:" in r.stderr


# --- real processes: exact bytes on the real stdout ------------------------------------

def test_module_version():
    p = run_module("--version")
    assert p.returncode == 0
    assert p.stdout == f"repair {__version__}\n".encode()


def test_module_fix_stdout_bytes_with_fake_engine(spun):
    p = run_module("fix", str(spun), fake=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout == FIXED.encode() and p.stderr == b""
    p = run_module("fix", "-", input=SPUN.encode(), fake=True)
    assert p.stdout == FIXED.encode()


def test_module_check_exit_code_with_fake_engine(spun, clean):
    assert run_module("check", str(clean), fake=True).returncode == 0
    p = run_module("check", "--format", "jsonl", str(spun), fake=True)
    assert p.returncode == 1 and len(p.stdout.splitlines()) == 3


def test_module_whitespace_only_input_round_trips():
    # the real engine: text with no words passes through untouched
    data = "\ufeff\r\n \t\r\n\u3000".encode()
    p = run_module("fix", "-", input=data)
    assert p.returncode == 0, p.stderr
    assert p.stdout == data
    p = run_module("fix", "-", input=b"")
    assert p.returncode == 0 and p.stdout == b""
    assert run_module("check", "-", input=b"  \n").returncode == 0


def test_module_errors(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"ok\n\xc3")
    p = run_module("fix", str(bad))
    assert p.returncode == 2 and p.stdout == b""
    assert p.stderr.decode() == f"repair: error: {bad}: invalid UTF-8 at byte offset 3\n"
    p = run_module("fix", "--min-confidence", "7", str(bad))
    assert p.returncode == 2 and b"Traceback" not in p.stderr
    assert p.stderr.startswith(b"repair: error: ") and p.stderr.count(b"\n") == 1
    p = run_module("fix", "-", "--in-place")
    assert p.returncode == 2 and p.stderr.count(b"\n") == 1


def test_module_in_place_with_fake_engine(spun, tmp_path):
    p = run_module("fix", str(spun), "--in-place", "--backup", fake=True)
    assert p.returncode == 0 and p.stdout == b""
    assert spun.read_bytes() == FIXED.encode()
    assert (tmp_path / "spun.txt.bak").read_bytes() == SPUN.encode()


def test_module_output_to_dev_stdout_on_a_pipe(spun, tmp_path):
    # stdout is a pipe here: /dev/stdout -> /proc/self/fd/1 -> pipe:[N] is written into
    if not os.path.exists("/dev/stdout"):
        pytest.skip("no /dev/stdout")
    p = run_module("fix", str(spun), "-o", "/dev/stdout", fake=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout == FIXED.encode()
    p = run_module("report", str(spun), "--html", "/dev/stdout", fake=True)
    assert p.returncode == 0, p.stderr
    assert p.stdout.lower().startswith(b"<!doctype html>") and p.stdout.rstrip().endswith(b"</html>")
    assert sorted(os.listdir(tmp_path)) == ["spun.txt"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_output_and_log_into_named_pipes(fake_engine_installed, spun, tmp_path):
    import threading

    got = {}

    def drain(name):
        with open(tmp_path / name, "rb") as f:
            got[name] = f.read()

    for name in ("out.fifo", "log.fifo"):
        os.mkfifo(tmp_path / name)
    readers = [threading.Thread(target=drain, args=(n,), daemon=True) for n in ("out.fifo", "log.fifo")]
    for t in readers:
        t.start()
    r = invoke("fix", str(spun), "-o", str(tmp_path / "out.fifo"), "--log", str(tmp_path / "log.fifo"))
    for t in readers:
        t.join(10)
    assert r.exit_code == 0, r.stderr
    assert got["out.fifo"] == FIXED.encode()
    assert len(json.loads(got["log.fifo"])["changes"]) == 3
    for name in ("out.fifo", "log.fifo"):
        assert stat.S_ISFIFO(os.lstat(tmp_path / name).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["log.fifo", "out.fifo", "spun.txt"]


def test_help_and_import_load_no_tables():
    code = ("import sys\n"
            "import repair.cli\n"
            "try:\n"
            "    repair.cli.main(['--help'])\n"
            "except SystemExit as e:\n"
            "    assert e.code == 0, e.code\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
            "('numpy', 'wordfreq', 'lemminflect', 'symspellpy', 'rich') or "
            "m in ('repair.spin', 'repair.lm', 'repair.candidates', 'repair.scorer', 'repair.data'))\n"
            "assert not heavy, heavy\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, env=_env(), timeout=60)
    assert p.returncode == 0, p.stderr.decode()


# --- user lexicons (--lexicon) -------------------------------------------------------------

LEXICON_TSV = "spun\toriginal\tcount\tweight\tguard\tsource\nfunny cartoon\tcomic strip\t3\t0.75\t\ttest\n"


def test_lexicon_option_reaches_the_engine(monkeypatch, spun, tmp_path):
    import repair.pipeline

    seen = []
    monkeypatch.setattr(repair.pipeline, "_suggest", lambda text, opts: (seen.append(opts.lexicons) or ([], 0.0)))
    lex = tmp_path / "farm.tsv"
    lex.write_text(LEXICON_TSV, encoding="utf-8")
    for command in ("fix", "check"):
        r = invoke(command, str(spun), "--lexicon", str(lex), "-L", str(lex))
        assert r.exit_code == 0, r.stderr
    assert seen == [(str(lex), str(lex))] * 2


@pytest.mark.parametrize("content, fragment", [
    ("spun\toriginal\n", "farm.tsv:1"),  # wrong header
    (LEXICON_TSV + "a\tb\tnot-a-number\t0.5\t\tx\n", "farm.tsv:3"),
])
@pytest.mark.parametrize("command", ["fix", "check"])
def test_bad_lexicon_is_one_error_line_before_any_text_is_read(fake_engine_installed, spun, tmp_path,
                                                                content, fragment, command):
    lex = tmp_path / "farm.tsv"
    lex.write_text(content, encoding="utf-8")
    r = invoke(command, str(spun), "--lexicon", str(lex))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, fragment)
    assert r.stdout == ""


def test_missing_lexicon_is_an_error(fake_engine_installed, spun, tmp_path):
    r = invoke("fix", str(spun), "--lexicon", str(tmp_path / "nope.tsv"))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, "nope.tsv")


def test_check_score_prints_one_score_per_text(fake_engine_installed, spun, clean):
    r = invoke("check", str(spun), str(clean), "--score")
    assert r.exit_code == 1  # the exit status still says whether something is to fix
    assert r.stdout.splitlines() == [f"{spun}\t0.0400", f"{clean}\t0.0000"]


# --- rules: --select / --ignore, `repair rules` --------------------------------------------

SCRAPED = "NEWS\nNEWS\n\nPrices rose to Â£600m on Tuesday &amp; Wednesday.\n"


@pytest.fixture
def scraped(tmp_path):
    p = tmp_path / "scraped.txt"
    p.write_bytes(SCRAPED.encode())
    return p


def _rules_in(stdout: str) -> list[str]:
    return [line.rsplit(" ", 1)[1] for line in stdout.splitlines()]


def test_artifacts_are_repaired_by_default(scraped):
    r = invoke("fix", str(scraped), "--select", "artifact")
    assert r.exit_code == 0, r.stderr
    assert r.stdout == "NEWS\n\nPrices rose to £600m on Tuesday & Wednesday.\n"


def test_select_and_ignore_pick_rules_by_id_or_prefix(scraped):
    r = invoke("check", str(scraped), "--select", "artifact")
    assert r.exit_code == 1
    assert sorted(_rules_in(r.stdout)) == ["artifact.duplicate-line", "artifact.entity", "artifact.mojibake"]
    r = invoke("check", str(scraped), "--select", "artifact.entity,artifact.mojibake")
    assert sorted(_rules_in(r.stdout)) == ["artifact.entity", "artifact.mojibake"]
    r = invoke("check", str(scraped), "--select", "artifact", "--ignore", "artifact.mojibake",
               "--ignore", "artifact.entity")
    assert _rules_in(r.stdout) == ["artifact.duplicate-line"]
    r = invoke("check", str(scraped), "--select", "artifact.space")
    assert r.exit_code == 0 and r.stdout == ""


def test_unknown_rule_is_one_error_line_before_any_text_is_read(tmp_path):
    r = invoke("check", str(tmp_path / "missing.txt"), "--ignore", "artifact.nope")
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, "unknown rule 'artifact.nope'")


def test_rules_lists_every_rule_with_its_default():
    r = invoke("rules")
    assert r.exit_code == 0
    rows = {line.split()[0]: line.split()[1] for line in r.stdout.splitlines()}
    assert rows["spin.thesaurus"] == "on" and rows["artifact.duplicate-line"] == "on"
    assert rows["artifact.fused-word"] == "off"
    from repair.artifacts import RULES

    assert set(RULES) <= set(rows)


def test_log_to_standard_output_needs_the_text_to_go_elsewhere(fake_engine_installed, spun, tmp_path):
    out = tmp_path / "out.txt"
    r = invoke("fix", str(spun), "-o", str(out), "--log", "-")
    assert r.exit_code == 0, r.stderr
    assert out.read_bytes() == FIXED.encode()
    assert len(json.loads(r.stdout)["changes"]) == 3
    for args in ((), ("-o", "-")):  # the repaired text already goes to standard output
        r = invoke("fix", str(spun), *args, "--log", "-")
        assert r.exit_code == 2
        assert_one_error_line(r.stderr, "--log -: standard output already carries the repaired text")
    assert sorted(os.listdir(tmp_path)) == ["out.txt", "spun.txt"] and not os.path.exists("-")


def test_sigterm_stops_a_run_as_ctrl_c_does():
    """kill PID / docker stop: within a run SIGTERM raises KeyboardInterrupt (a folder run then
    shuts its workers down and saves its log and manifest), and the default comes back after."""
    import signal

    from repair.cli import _terminate_as_interrupt

    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    with pytest.raises(KeyboardInterrupt):
        with _terminate_as_interrupt():
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(5)  # the handler interrupts this
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_an_interrupted_run_says_so_and_exits_130(monkeypatch, spun):
    import repair.pipeline

    def stop(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(repair.pipeline, "fix_and_explain", stop)
    r = invoke("fix", str(spun))
    assert r.exit_code == 130
    assert_one_error_line(r.stderr, "interrupted")
