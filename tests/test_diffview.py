"""repair diff: the word view and the unified diff, both drawn from the change log."""
import json

import pytest

from conftest import run_module
from repair.changes import Change
from repair.diffview import COLOUR, PLAIN, inline, unified, use_colour, word_diff

TEXT = "The spy company said\nthe big company was big\nUpdated\ncaf\u00e9 company"
LOG = [Change(8, 15, "company", "agency", "r", 0.9), Change(29, 36, "company", "agency", "r", 0.9),
       Change(45, 53, "Updated\n", "", "artifact.furniture", 1.0), Change(58, 65, "company", "agency", "r", 0.9)]


def test_word_diff_plain_is_gits_word_diff_plain():
    assert word_diff("a.txt", TEXT, LOG) == (
        "--- a/a.txt\n+++ b/a.txt\n"
        "@@ -1,1 +1,1 @@\nThe spy [-company-]{+agency+} said\n"
        "@@ -2,1 +2,1 @@\nthe big [-company-]{+agency+} was big\n"
        "@@ -3,1 +2,0 @@\n[-Updated\n-]\n"
        "@@ -4,1 +3,1 @@\ncaf\u00e9 [-company-]{+agency+}\n")


def test_word_diff_groups_changes_on_one_line_and_keeps_crlf():
    text = "a big big deal\r\nnext\r\n"
    log = [Change(2, 5, "big", "large", "r", 1), Change(6, 9, "big", "", "r", 1), Change(10, 10, "", "real ", "r", 1)]
    assert word_diff("t", text, log) == "--- a/t\n+++ b/t\n@@ -1,1 +1,1 @@\na [-big-]{+large+} [-big-] {+real +}deal\r\n"
    assert word_diff("t", text, []) == ""


def test_colour_marks_without_brackets():
    c = LOG[0]
    assert inline(c, COLOUR) == "\x1b[31;9mcompany\x1b[m\x1b[32magency\x1b[m"
    assert inline(c, PLAIN) == "[-company-]{+agency+}"
    coloured = word_diff("a.txt", TEXT, LOG, COLOUR)
    assert "[-" not in coloured and "\x1b[31;9mUpdated\n\x1b[m" in coloured


def test_unified_matches_fix_diff_and_colours_lines():
    from repair.render import unified_diff
    from repair.changes import apply_changes

    assert unified("a.txt", TEXT, LOG) == unified_diff("a.txt", TEXT, apply_changes(TEXT, LOG))
    coloured = unified("a.txt", TEXT, LOG, COLOUR)
    assert "\x1b[31m-The spy company said\x1b[m\n" in coloured and "\x1b[32m+The spy agency said\x1b[m\n" in coloured


def test_use_colour(monkeypatch):
    class Tty:
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    assert use_colour(Tty()) and not use_colour(Tty(), "never")
    monkeypatch.setenv("NO_COLOR", "1")
    assert not use_colour(Tty()) and use_colour(object(), "always")


@pytest.fixture
def spun(tmp_path):
    p = tmp_path / "spun.txt"
    p.write_bytes("\ufeffThe spy company said\r\nthe big company".encode())
    return p


def test_command_defaults_to_unified_when_piped(spun):
    r = run_module("diff", str(spun), fake=True)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert out.startswith("--- a/") and "-\ufeffThe spy company said\r\n" in out and "\x1b" not in out
    assert r.stdout == run_module("fix", str(spun), "--diff", fake=True).stdout


def test_command_word_plain_and_forced_colour(spun):
    r = run_module("diff", str(spun), "--word", fake=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.decode().splitlines()[2:] == ["@@ -1,1 +1,1 @@", "\ufeffThe spy [-company-]{+agency+} said",
                                                   "@@ -2,1 +2,1 @@", "the big [-company-]{+agency+}"]
    r = run_module("diff", str(spun), "--word", "--color", "always", fake=True)
    assert b"\x1b[31;9mcompany\x1b[m\x1b[32magency\x1b[m" in r.stdout
    r = run_module("diff", str(spun), "-c", "0.3", "--word", fake=True)
    assert b"[-big-]{+large+}" in r.stdout


def test_command_from_log(spun, tmp_path):
    log = tmp_path / "log.json"
    log.write_text(json.dumps({"changes": [{"start": 9, "end": 16, "old": "company", "new": "firm",
                                            "rule": "x", "confidence": 0.2}]}))
    r = run_module("diff", str(spun), "--log", str(log), "--word", no_engine=True)  # the engine cannot load
    assert r.returncode == 0, r.stderr
    assert b"[-company-]{+firm+}" in r.stdout and r.stdout.count(b"@@") == 2
    r = run_module("diff", str(spun), "--word", no_engine=True)  # without --log it is needed: that fails
    assert r.returncode == 3 and b"internal error: ModuleNotFoundError" in r.stderr, r.stderr
    log.write_text(json.dumps({"changes": [{"start": 0, "end": 3, "old": "xyz", "new": "a"}]}))
    r = run_module("diff", str(spun), "--log", str(log))
    assert r.returncode == 2 and r.stderr.decode().startswith(f"repair: error: {log}: does not fit")


def test_command_follows_the_configuration_as_fix_does(spun, tmp_path):
    (tmp_path / "repair.toml").write_text("min-confidence = 0.25\n")
    r = run_module("diff", str(spun), "--word", fake=True)
    assert b"[-big-]{+large+}" in r.stdout
    assert run_module("diff", str(spun), fake=True).stdout == run_module("fix", str(spun), "--diff", fake=True).stdout
    r = run_module("diff", str(spun), "--word", "--isolated", fake=True)
    assert r.returncode == 0 and b"{+large+}" not in r.stdout
