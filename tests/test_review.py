"""repair review: the decision state machine, the line-key loop, and the command."""
import io
import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from conftest import PACKAGE_ROOT, TESTS, run_module
from repair.changes import Candidate, Change, apply_changes, changes_from_json, revert_changes
from repair.diffview import PLAIN
from repair.pipeline import DEFAULT_THRESHOLD
from repair.review import (LineKeys, ReviewError, ReviewState, alternatives, context, recorded_path, reviewable,
                           run, summary)

TEXT = "The spy company said\nthe big company was big\ncaf\u00e9 company"


def ch(start, old, new, conf, alts=(), rule="r"):
    cands = (Candidate(new, conf),) + tuple(Candidate(a, 0.05) for a in alts) + (Candidate(old, 1 - conf),)
    return Change(start, start + len(old), old, new, rule, conf, cands, f"{old} looks spun")


def changes():
    return [ch(8, "company", "agency", 0.9, ("firm", "business")),
            ch(25, "big", "large", 0.3),
            ch(29, "company", "agency", 0.8),
            ch(50, "company", "agency", 0.7)]


def test_fixture_changes_fit():
    assert apply_changes(TEXT, changes()) == "The spy agency said\nthe large agency was big\ncaf\u00e9 agency"


# --- the state machine -----------------------------------------------------------------

def test_accept_reject_in_order():
    s = ReviewState(changes())
    assert s.current == 0
    s.accept()
    s.reject()
    assert s.current == 2 and s.counts() == (1, 1, 2)
    s.accept()
    s.accept()
    assert s.done and s.current is None
    assert [c.start for c in s.accepted()] == [8, 29, 50]


def test_pick_candidate_updates_new():
    s = ReviewState(changes())
    assert [a.text for a in alternatives(s.changes[0])] == ["firm", "business"]  # not new, not old
    assert s.pick(2) == "business"
    (c,) = s.accepted()
    assert c.new == "business" and c.old == "company" and "candidate chosen in review" in c.reason
    with pytest.raises(ReviewError, match="no candidate 1 \\(there are none\\)"):
        s.pick(1)  # "big" has no alternatives
    with pytest.raises(ReviewError):
        ReviewState(changes()).pick(3)
    assert s.current == 1  # a failed pick decides nothing


def test_edit():
    s = ReviewState(changes())
    s.edit("bureau")
    s.edit("big")  # typing the current wording rejects
    s.edit("agency")  # typing the proposed one accepts as proposed
    acc = s.accepted()
    assert [(c.new, c.reason.endswith("edited in review")) for c in acc] == [("bureau", True), ("agency", False)]
    assert s.counts() == (2, 1, 1)


def test_accept_all_from_current_and_undo_as_one_step():
    s = ReviewState(changes())
    s.reject()
    assert s.accept_all(0.75) == 1  # only the 0.8 one; 0.3 and 0.7 stay to be reviewed
    assert s.current == 1
    s.accept()  # the 0.3 one
    assert s.current == 3
    assert s.undo() == [1]
    assert s.current == 1
    assert s.undo() == [2]
    assert s.current == 1 and s.decisions[2] is None
    assert s.accept_all(0.0) == 3
    assert s.done
    assert s.undo() == [1, 2, 3] and s.current == 1
    assert s.undo() == [0] and s.current == 0
    with pytest.raises(ReviewError, match="nothing to undo"):
        s.undo()


def test_quit_keeps_decisions_and_leaves_the_rest_unapplied():
    s = ReviewState(changes())
    s.accept()
    s.quit()
    assert s.done and s.current is None
    with pytest.raises(ReviewError):
        s.accept()
    assert [c.start for c in s.accepted()] == [8]
    assert s.counts() == (1, 0, 3)
    s.undo()  # undo after quit resumes the review at the undone change
    assert s.current == 0


def test_accepted_changes_round_trip_with_every_kind_of_decision():
    s = ReviewState(changes())
    s.pick(1)
    s.edit("huge")
    s.reject()
    s.accept()
    out = apply_changes(TEXT, s.accepted())
    assert out == "The spy firm said\nthe huge company was big\ncaf\u00e9 agency"
    assert revert_changes(out, s.accepted()) == TEXT


def test_reviewable_drops_overlaps_keeping_the_more_confident():
    a = Change(0, 7, "abc def", "x", "r", 0.5)
    b = Change(4, 7, "def", "y", "r", 0.9)
    c = Change(8, 9, "g", "h", "r", 0.1)
    assert reviewable([c, a, b]) == [b, c]


def test_context_cuts_long_lines_and_shows_breaks():
    text = "word " * 40 + "company " + "word " * 40
    c = Change(200, 207, "company", "agency", "r", 0.9)
    line = context(text, c, PLAIN, width=20)
    assert line.startswith("\u2026") and line.endswith("\u2026")
    assert "[-company-]{+agency+}" in line and len(line) < 70
    dup = "Head\nHead\nBody"
    assert context(dup, Change(5, 10, "Head\n", "", "a", 1.0), PLAIN) == "[-Head\u21b5-]Body"


def test_show_fits_the_terminal_width():
    from repair.render import LineIndex
    from repair.review import show

    text = "word " * 40 + "company " + "word " * 40
    state = ReviewState([ch(200, "company", "agency", 0.9, ("firm",))])
    block = show(state, text, LineIndex(text), PLAIN, columns=60)
    assert block.splitlines()[0] == "(1/1) line 1 \u00b7 r \u00b7 confidence 0.90"
    line = block.splitlines()[1]
    assert "[-company-]{+agency+}" in line and len(line) <= 60


def test_show_puts_a_deleted_line_on_its_own_line_number():
    """A deletion with the line end before it ("\nUpdated") is on the line it removes, as check says."""
    from repair.render import LineIndex
    from repair.review import show

    for end in ("\n", "\r\n", "\r"):
        text = f"Title{end}Updated{end}Body"
        state = ReviewState([Change(5, 5 + len(end) + 7, f"{end}Updated", "", "artifact.furniture", 1.0)])
        assert show(state, text, LineIndex(text), PLAIN).splitlines()[0].startswith("(1/1) line 2 ")


# --- the line-key loop -----------------------------------------------------------------

def review_lines(keys, chs=None, threshold=0.6):
    out = io.StringIO()
    state = run(ReviewState(chs or changes()), TEXT, LineKeys(io.StringIO(keys), out), out,
                threshold=threshold, style=PLAIN)
    return state, out.getvalue()


def test_loop_keys_and_transcript():
    state, out = review_lines("y\n?\n2\nx\n\nn\n")
    assert "(1/4) line 1 \u00b7 r \u00b7 confidence 0.90" in out
    assert 'candidates: 1 "firm" 0.05   2 "business" 0.05' in out
    assert "u - undo the last decision" in out  # help
    assert "no candidate 2 (there are none)" in out
    assert "unknown key 'x'" in out and "unknown key '\\n'" in out
    assert state.counts() == (1, 1, 2)  # end of input quits
    assert "(3/4) line 2" in out


def test_loop_edit_accept_all_and_undo():
    state, out = review_lines("e\nbureau\nu\ne\n\na\n0.75\nn\na\n\n")
    assert "undid the decision on 1 change" in out and "edit cancelled" in out
    assert "accepted 2 changes at or above 0.75" in out  # 0.9 and 0.8
    assert "accepted 1 change at or above 0.60" in out  # the default: the threshold (0.7)
    assert [c.new for c in state.accepted()] == ["agency", "agency", "agency"]
    assert state.done and summary(state) == "3 accepted, 1 rejected, 0 not decided"
    state, out = review_lines("a\nlots\na\n2\n")
    assert "'lots' is not a number" in out and "2.0 is not between 0 and 1" in out


# --- the command -------------------------------------------------------------------------

@pytest.fixture
def spun(tmp_path):
    p = tmp_path / "spun.txt"
    p.write_bytes("\ufeffThe spy company said\r\nthe big company\r\nno newline company".encode())
    return p


def test_command_scripted_review_writes_result_and_log(spun, tmp_path):
    out, log = tmp_path / "out.txt", tmp_path / "accepted.json"
    r = run_module("review", str(spun), "-o", str(out), "--log-out", str(log), "--floor", "0.2",
                   input=b"y\nn\ne\nbureau\nq\n", fake=True)
    assert r.returncode == 0, r.stderr
    text = spun.read_bytes().decode()
    result = out.read_bytes().decode()
    assert result == "\ufeffThe spy agency said\r\nthe big bureau\r\nno newline company"
    accepted = changes_from_json(log.read_text())
    assert apply_changes(text, accepted) == result and revert_changes(result, accepted) == text
    assert b"2 accepted (1 with another wording), 1 rejected, 1 not decided; wrote" in r.stdout
    assert spun.read_bytes().decode() == text  # the input is untouched


def test_command_default_output_and_in_place(spun, tmp_path):
    r = run_module("review", str(spun), input=b"y\ny\ny\n", fake=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "spun.txt.repaired").read_bytes().decode().count("agency") == 3
    assert "company" in spun.read_text()
    r = run_module("review", str(spun), "--in-place", "--log-out", str(tmp_path / "l.jsonl"),
                   input=b"n\ny\n", fake=True)
    assert r.returncode == 0, r.stderr
    assert spun.read_bytes().decode() == "\ufeffThe spy company said\r\nthe big agency\r\nno newline company"
    rows = [json.loads(line) for line in (tmp_path / "l.jsonl").read_text().splitlines()]
    assert [row["new"] for row in rows] == ["agency"]


def test_command_with_nothing_to_review_copies_the_input(tmp_path):
    p = tmp_path / "clean.txt"
    p.write_bytes(b"Nothing to see\r\n")
    r = run_module("review", str(p), fake=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith(b"nothing to review\n")
    assert (tmp_path / "clean.txt.repaired").read_bytes() == b"Nothing to see\r\n"


def test_command_from_log(spun, tmp_path):
    log = tmp_path / "log.json"
    assert run_module("fix", str(spun), "--log", str(log), "-o", os.devnull, fake=True).returncode == 0
    r = run_module("review", str(spun), "--log", str(log), "-o", str(tmp_path / "o.txt"), input=b"n\ny\ny\n",
                   no_engine=True)
    assert r.returncode == 0, r.stderr  # no engine needed: the real one cannot even be imported here
    assert (tmp_path / "o.txt").read_text().count("agency") == 2


def _two_file_log(tmp_path, spun, form):
    """A log of two files whose changes would both fit ``spun``: its own (the first "company")
    and another file's (the second)."""
    other = tmp_path / "other.txt"
    other.write_bytes(spun.read_bytes())
    text = spun.read_bytes().decode()
    first, second = text.index("company"), text.index("company", text.index("company") + 1)
    mine = [Change(first, first + 7, "company", "agency", "r", 0.9).to_dict()]
    theirs = [Change(second, second + 7, "company", "firm", "r", 0.9).to_dict()]
    log = tmp_path / ("log.jsonl" if form == "jsonl" else "log.json")
    if form == "jsonl":  # as a folder's run writes it
        log.write_text("".join(json.dumps({"path": p, **c}) + "\n"
                               for p, cs in ((str(other), theirs), (str(spun), mine)) for c in cs))
    else:  # as check --format json writes it for several files
        log.write_text(json.dumps([{"path": str(other), "changes": theirs}, {"path": str(spun), "changes": mine}]))
    return log


@pytest.mark.parametrize("form", ["jsonl", "json"])
def test_command_log_of_several_files_gives_this_files_changes(spun, tmp_path, form):
    log = _two_file_log(tmp_path, spun, form)
    r = run_module("review", str(spun), "--log", str(log), "-o", str(tmp_path / "o.txt"), input=b"y\ny\n",
                   no_engine=True)
    assert r.returncode == 0, r.stderr
    out = (tmp_path / "o.txt").read_text()
    assert out.count("agency") == 1 and "firm" not in out  # the other file's change is not offered


def test_command_log_of_other_files_only_is_refused(spun, tmp_path):
    log = _two_file_log(tmp_path, spun, "jsonl")
    third = tmp_path / "third.txt"
    third.write_bytes(spun.read_bytes())  # its text fits both files' changes, but none are its own
    r = run_module("diff", str(third), "--log", str(log), no_engine=True)
    err = r.stderr.decode()
    assert r.returncode == 2 and err.count("\n") == 1, err
    assert "holds the changes of 2 other files, none of" in err and r.stdout == b""


def _symlinked_folder_run(tmp_path):
    """``fix corp --out out --log run.jsonl`` over corp/a.txt and corp/link_in.txt -> a.txt: a
    folder run follows the link, so the log records both paths, each with the same changes."""
    corp = tmp_path / "corp"
    corp.mkdir()
    (corp / "a.txt").write_bytes(b"The spy company said\nthe company grew\n")
    os.symlink("a.txt", corp / "link_in.txt")
    r = run_module("fix", "corp", "--out", "out", "--log", "run.jsonl", fake=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    paths = [json.loads(line)["path"] for line in (tmp_path / "run.jsonl").read_text().splitlines()]
    assert sorted(set(paths)) == ["corp/a.txt", "corp/link_in.txt"] and len(paths) == 4
    return tmp_path / "run.jsonl"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
@pytest.mark.parametrize("asked", ["corp/a.txt", "corp/link_in.txt", "./corp/a.txt", "{abs}/corp/link_in.txt"])
def test_command_log_of_a_folder_with_a_symlinked_file_gives_one_paths_changes(tmp_path, asked):
    _symlinked_folder_run(tmp_path)
    asked = asked.format(abs=tmp_path)
    expected = "--- a/{0}\n+++ b/{0}\n@@ -1,1 +1,1 @@\nThe spy [-company-]{{+agency+}} said\n" \
               "@@ -2,1 +2,1 @@\nthe [-company-]{{+agency+}} grew\n".format(asked.replace(os.sep, "/").lstrip("/"))
    r = run_module("diff", asked, "--log", "run.jsonl", "--word", "--color", "never", no_engine=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr  # not "overlapping changes": one recorded path's entries only
    assert r.stdout.decode() == expected
    r = run_module("review", asked, "--log", "run.jsonl", "-o", "o.txt", input=b"y\nn\n", no_engine=True,
                   cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "o.txt").read_text() == "The spy agency said\nthe company grew\n"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
@pytest.mark.parametrize("command", ["diff", "review", "report"])
def test_command_log_whose_paths_are_one_file_asked_by_a_third_path_says_so(tmp_path, command):
    _symlinked_folder_run(tmp_path)
    os.symlink("corp/a.txt", tmp_path / "elsewhere.txt")  # neither recorded path, but the same file
    extra = {"diff": [], "review": ["-o", "o.txt"], "report": ["--html", "r.html"]}[command]
    r = run_module(command, "elsewhere.txt", "--log", "run.jsonl", *extra, no_engine=True, cwd=tmp_path)
    err = r.stderr.decode()
    assert r.returncode == 2 and err.count("\n") == 1, err
    assert err == ("repair: error: run.jsonl: corp/a.txt and corp/link_in.txt are both the file elsewhere.txt, "
                   "each with its own changes; name it as the log does (one of those paths)\n")
    assert r.stdout == b"" and not (tmp_path / "o.txt").exists()


def test_recorded_path_prefers_the_spelling_then_the_path_then_the_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.txt").write_text("x")
    os.link(tmp_path / "a.txt", tmp_path / "hard.txt")  # the same file under another name
    (tmp_path / "b.txt").write_text("x")
    both = {"a.txt", "hard.txt", "b.txt"}
    assert recorded_path(both, "hard.txt", "hard.txt") == "hard.txt"  # spelled as recorded: that one
    assert recorded_path(both, "./a.txt", "./a.txt") == "a.txt"  # the same path once normalised
    assert recorded_path(both, str(tmp_path / "b.txt"), str(tmp_path / "b.txt")) == "b.txt"
    assert recorded_path({"a.txt", "b.txt"}, "./hard.txt", "./hard.txt") == "a.txt"  # the same file, only one
    os.link(tmp_path / "a.txt", tmp_path / "hard2.txt")
    with pytest.raises(LookupError, match=r"^a\.txt and hard\.txt are both the file hard2\.txt, each with its own"):
        recorded_path(both, "hard2.txt", "hard2.txt")  # never merged, never picked at random
    with pytest.raises(LookupError, match=r"^\./a\.txt and a\.txt are both the path sub/\.\./a\.txt"):
        recorded_path({"a.txt", "./a.txt", "b.txt"}, "sub/../a.txt", "sub/../a.txt")
    with pytest.raises(LookupError, match="^holds the changes of 3 other files, none of c.txt$"):
        recorded_path(both, "c.txt", "c.txt")
    with pytest.raises(LookupError, match="none of <stdin>"):
        recorded_path(both, "<stdin>", "-")


@pytest.mark.parametrize("args, fragment", [
    (["-"], "standard input carries the keys"),
    (["{spun}", "-o", "{spun}"], "is the input file; use --in-place"),
    (["{spun}", "--in-place", "-o", "x"], "cannot be used together"),
    (["{spun}", "--log-out", "{spun}"], "is the input file"),
    (["{spun}", "--log", "{missing}"], "no such file"),
    (["{spun}", "--log", "{bad}"], "does not fit"),
])
def test_command_errors_are_one_line(spun, tmp_path, args, fragment):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"changes": [{"start": 0, "end": 3, "old": "xyz", "new": "a"}]}))
    args = [a.format(spun=spun, missing=tmp_path / "missing.json", bad=bad) for a in args]
    r = run_module("review", *args, fake=True)
    err = r.stderr.decode()
    assert r.returncode == 2 and err.startswith("repair: error: ") and err.count("\n") == 1, err
    assert fragment in err
    assert not (tmp_path / "spun.txt.repaired").exists()


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_command_output_through_a_symlinked_folder_is_not_taken_for_the_input(spun, tmp_path):
    (tmp_path / "elsewhere" / "deep").mkdir(parents=True)
    os.symlink(tmp_path / "elsewhere" / "deep", tmp_path / "sub")
    target = str(tmp_path / "sub") + "/../spun.txt"  # elsewhere/spun.txt, though it reads as spun.txt
    r = run_module("review", str(spun), "-o", target, input=b"y\n", fake=True)
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "elsewhere" / "spun.txt").read_text().count("agency") == 1
    assert "agency" not in spun.read_text()


@pytest.mark.parametrize("command", ["review", "diff"])
@pytest.mark.parametrize("content, fragment", [
    ("[1]", "change 1: expected a change (a JSON object), got 1"),
    ('{"a": 2}', 'expected a list of changes or an object with "changes"'),
    ('[{"start": 0, "end": 3, "old": "xyz", "new": "a"}, {"start": "x"}]', 'change 2: missing "end"'),
    ('{"start": 9, "end": 16, "old": "company", "new": "a"}\n[{"start": 1e400}]\n', "line 2: expected a change"),
])
def test_command_log_that_is_not_a_list_of_changes_is_one_line(spun, tmp_path, command, content, fragment):
    log = tmp_path / ("log.jsonl" if "\n" in content else "log.json")
    log.write_text(content)
    r = run_module(command, str(spun), "--log", str(log), "-o" if command == "review" else "--word",
                   *([str(tmp_path / "out.txt")] if command == "review" else []), fake=True)
    err = r.stderr.decode()
    assert r.returncode == 2 and err.count("\n") == 1, err
    assert err.startswith(f"repair: error: {log}: not a change log: ") and fragment in err
    assert not (tmp_path / "out.txt").exists()


# --- in a real terminal (tmux) -------------------------------------------------------------

TMUX = shutil.which("tmux")


class Tmux:
    """A private tmux server (its own socket) running one command in a 100x30 pane.

    The server runs in the foreground (tmux -D, a child of this test) rather than as a
    daemon: daemonising fails where /dev/null is not a character device, as in some
    containers.  A tmux without -D (before 3.2) starts its daemon as usual.
    """

    def __init__(self, tmp_path, command):
        self.socket = str(tmp_path / "tmux.sock")
        self.server = subprocess.Popen([TMUX, "-D", "-S", self.socket], stdin=subprocess.DEVNULL,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        end = time.monotonic() + 10
        while not os.path.exists(self.socket) and self.server.poll() is None and time.monotonic() < end:
            time.sleep(0.02)
        r = self._tmux("new-session", "-d", "-s", "review", "-x", "100", "-y", "30", command)
        assert r.returncode == 0, r.stderr

    def _tmux(self, *args):
        return subprocess.run([TMUX, "-S", self.socket, *args], capture_output=True, text=True, timeout=20)

    def send(self, *keys):
        self._tmux("send-keys", "-t", "review", *keys)

    def screen(self):
        return self._tmux("capture-pane", "-p", "-t", "review").stdout

    def wait_for(self, fragment, timeout=30.0):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            screen = self.screen()
            if fragment in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{fragment!r} never appeared; screen:\n{self.screen()}")

    def close(self):
        self._tmux("kill-server")
        try:
            self.server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait()


@pytest.fixture
def tmux(tmp_path):
    if TMUX is None:
        pytest.skip("tmux is not installed: the terminal review test needs it (apt-get install tmux)")
    sessions = []

    def start(command):
        t = Tmux(tmp_path, command)
        sessions.append(t)
        return t

    yield start
    for t in sessions:
        t.close()


def _shell_command(tmp_path, *args):
    import shlex

    env = f"PYTHONPATH={shlex.quote(os.pathsep.join([str(PACKAGE_ROOT), str(TESTS)]))} TERM=xterm-256color"
    code = "import fake_engine; fake_engine.install(); from repair.cli import main; main()"
    cmd = " ".join(shlex.quote(a) for a in [sys.executable, "-c", code, *args])
    done = tmp_path / "done"
    return f"env {env} {cmd}; echo \"exit=$?\" > {shlex.quote(str(done))}; sleep 30", done


def test_terminal_review_single_keys(tmux, spun, tmp_path):
    out, log = tmp_path / "out.txt", tmp_path / "log.json"
    command, done = _shell_command(tmp_path, "review", str(spun), "-o", str(out), "--log-out", str(log),
                                   "--floor", "0.2")
    t = tmux(command)
    screen = t.wait_for("Apply this change")
    assert "(1/4) line 1" in screen and "confidence 0.90" in screen
    t.send("y")  # one key, no Enter
    t.wait_for("(2/4) line 2")
    t.send("u")
    t.wait_for("undid the decision on 1 change")
    t.send("n")
    t.wait_for("(2/4) line 2")
    t.send("e")
    t.wait_for('Replace "big" with:')
    t.send("vast", "Enter")
    t.wait_for("(3/4) line 2")
    t.send("a")
    at = f"{DEFAULT_THRESHOLD:.2f}"
    t.wait_for(f"at least [{at}]:")
    t.send("Enter")
    screen = t.wait_for("not decided; wrote")
    assert f"accepted 2 changes at or above {at}" in screen
    assert "3 accepted (1 with another wording), 1 rejected, 0 not decided" in screen
    end = time.monotonic() + 10
    while not done.exists() and time.monotonic() < end:
        time.sleep(0.05)
    assert done.read_text().strip() == "exit=0"
    text = spun.read_bytes().decode()
    result = out.read_bytes().decode()
    assert result == "\ufeffThe spy company said\r\nthe vast agency\r\nno newline agency"
    accepted = changes_from_json(log.read_text())
    assert apply_changes(text, accepted) == result and revert_changes(result, accepted) == text


def test_a_typed_replacement_that_is_not_text_is_refused():
    """Bytes standard input could not decode come as lone surrogates: no output could hold them."""
    state, out = review_lines("e\n\udcff\udcfeagency\ne\nagency\nq\n")
    assert "not UTF-8 text" in out and "edit cancelled" in out
    assert state.changes[0].new == "agency"  # the second, valid, replacement
