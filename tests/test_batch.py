"""Batch runs (repair/batch.py and `repair fix DIR` / `repair check DIR`), with the fake engine."""
import hashlib
import json
import multiprocessing
import os
import stat

import pytest

import fake_engine
from conftest import run_module
from repair import batch
from repair.changes import apply_changes, changes_from_json, revert_changes
from repair.pipeline import Options
from repair.textio import InputError
from test_cli import assert_in_place_backup_keeps_mode_and_owner, assert_one_error_line, invoke

SPUN = "\ufeffThe spy company said\r\nthe big company\r\ncaf\u00e9 company"  # BOM, CRLF, no final newline
FIXED = SPUN.replace("company", "agency")


def tree_state(root, skip=()):
    """{relative path: sha256 (or link target)} of every file, folder and link under root."""
    state = {}
    for folder, dirs, files in os.walk(root):
        rel_folder = os.path.relpath(folder, root)
        if any(rel_folder == s or rel_folder.startswith(s + os.sep) for s in skip):
            dirs[:] = []
            continue
        for name in dirs + files:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root)
            if rel in skip:
                continue
            if os.path.islink(path):
                state[rel] = "-> " + os.readlink(path)
            elif os.path.isfile(path):
                with open(path, "rb") as f:
                    state[rel] = hashlib.sha256(f.read()).hexdigest()
            else:
                state[rel] = "dir"
    return state


@pytest.fixture
def corpus(tmp_path):
    """A tree with every kind of file a batch meets; returns (root, outside file)."""
    root = tmp_path / "in"
    (root / "sub" / "deep").mkdir(parents=True)
    (root / "a.txt").write_bytes(b"the spy company said\n")
    (root / "sub" / "spun.txt").write_bytes(SPUN.encode())
    (root / "sub" / "deep" / "clean.md").write_bytes(b"Nothing to see.\n")
    (root / "empty.txt").write_bytes(b"")
    (root / "binary.txt").write_bytes(b"company\x00\x01")
    (root / "latin1.txt").write_bytes(b"caf\xe9 company\n")
    (root / "crlf.txt").write_bytes(b"one company\r\ntwo\r\n")
    (root / "notes.csv").write_bytes(b"company,1\n")  # not included by default
    (root / ".git").mkdir()
    (root / ".git" / "HEAD.txt").write_bytes(b"company\n")
    (root / ".hidden").mkdir()
    (root / ".hidden" / "x.txt").write_bytes(b"company\n")
    (root / ".dotfile.txt").write_bytes(b"company\n")
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"company outside\n")
    (root / "out_link.txt").symlink_to(outside)
    (root / "in_link.txt").symlink_to(root / "a.txt")
    (root / "dir_link").symlink_to(root / "sub", target_is_directory=True)
    return root, outside


# --- walking -------------------------------------------------------------------------------

def test_walk_skips_hidden_links_out_and_linked_folders(corpus):
    root, _ = corpus
    w = batch.walk(str(root))
    assert w.files == ["a.txt", "binary.txt", "crlf.txt", "empty.txt", "in_link.txt", "latin1.txt",
                       "sub/deep/clean.md", "sub/spun.txt"]
    assert sorted(w.notes) == [f"{root}/dir_link: skipped: a symlinked folder is not followed",
                               f"{root}/out_link.txt: skipped: symlink to a file outside {root}"]


def test_walk_include_exclude_and_skip(corpus):
    root, _ = corpus
    assert batch.walk(str(root), include=["*.csv"]).files == ["notes.csv"]
    assert batch.walk(str(root), exclude=["sub"]).files[-1] == "latin1.txt"
    assert batch.walk(str(root), include=["sub/*"]).files == ["sub/deep/clean.md", "sub/spun.txt"]
    assert "sub/spun.txt" not in batch.walk(str(root), exclude=["sub/*.txt"]).files
    assert batch.walk(str(root), exclude=["*.txt"]).files == ["sub/deep/clean.md"]
    assert batch.walk(str(root), skip=[str(root / "sub")]).files[-1] == "latin1.txt"


@pytest.mark.parametrize("rel, patterns, hit", [
    ("a/b/c.txt", ["*.txt"], True), ("a/b/c.txt", ["b"], False), ("a/b", ["b"], True),
    ("a/b/c.txt", ["a/*.txt"], True), ("a/b/c.txt", ["./a/b/c.txt"], True), ("c.TXT", ["*.txt"], False),
    ("drafts", ["drafts/"], True), ("x.txt", [""], False),
])
def test_matches(rel, patterns, hit):
    assert batch.matches(rel, patterns) is hit


# --- fix_tree: every kind of file, bytes kept, nothing written elsewhere ---------------------

def test_fix_tree_every_kind_of_file(fake_engine_installed, corpus, tmp_path):
    root, outside = corpus
    out = tmp_path / "out"
    before_in, before_all = tree_state(root), tree_state(tmp_path)
    failures, logged = [], []
    summary = batch.fix_tree(str(root), batch.Settings(), out_dir=str(out), log=logged.append,
                             on_failure=lambda p, why: failures.append((p, why)))
    assert tree_state(root) == before_in  # no input byte changed
    after = tree_state(tmp_path, skip=("out",))
    assert after == before_all  # nothing written outside OUT
    assert sorted(failures) == [(f"{root}/binary.txt", "binary file (NUL byte at offset 7)"),
                                (f"{root}/latin1.txt", "invalid UTF-8 at byte offset 3")]
    assert (out / "a.txt").read_bytes() == b"the spy agency said\n"
    assert (out / "sub" / "spun.txt").read_bytes() == FIXED.encode()  # BOM, CRLF, no final newline
    assert (out / "crlf.txt").read_bytes() == b"one agency\r\ntwo\r\n"
    assert (out / "empty.txt").read_bytes() == b""
    assert (out / "in_link.txt").read_bytes() == b"the spy agency said\n"  # a link inside the tree
    assert (out / "sub" / "deep" / "clean.md").read_bytes() == b"Nothing to see.\n"
    assert sorted(tree_state(out)) == sorted(["a.txt", "crlf.txt", "empty.txt", "in_link.txt", "sub",
                                              "sub/deep", "sub/deep/clean.md", "sub/spun.txt",
                                              batch.MANIFEST_NAME])
    assert (summary.files, summary.processed, summary.changed, len(summary.failed)) == (8, 6, 4, 2)
    assert summary.by_rule == {"fake.spin": 6}
    assert len(summary.notes) == 2
    # the results the log gets are exact: applying them to each input gives its output
    for r in logged:
        text = open(r.path, "rb").read().decode()
        out_text = (out / r.rel).read_bytes().decode()
        assert apply_changes(text, r.changes) == out_text and revert_changes(out_text, r.changes) == text


def test_huge_file(fake_engine_installed, tmp_path):
    root, out = tmp_path / "in", tmp_path / "out"
    root.mkdir()
    text = "The spy company said it was fine.\r\n" * 100_000  # 3.5 MB
    (root / "huge.txt").write_bytes(text.encode())
    summary = batch.fix_tree(str(root), batch.Settings(), out_dir=str(out))
    assert summary.words == 700_000 and summary.by_rule["fake.spin"] == 100_000
    assert (out / "huge.txt").read_bytes() == text.replace("company", "agency").encode()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root reads a chmod 000 file anyway; test_unreadable_file_simulated covers it")
def test_unreadable_file(fake_engine_installed, tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    p = root / "locked.txt"
    p.write_bytes(b"company\n")
    p.chmod(0)
    try:
        failures = []
        batch.fix_tree(str(root), batch.Settings(), out_dir=str(tmp_path / "out"),
                       on_failure=lambda path, why: failures.append(why))
        assert failures == ["permission denied"]
    finally:
        p.chmod(0o644)


def test_unreadable_file_simulated(fake_engine_installed, tmp_path, monkeypatch):
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_bytes(b"company\n")
    (root / "locked.txt").write_bytes(b"company\n")
    real = batch.read_bytes

    def read_bytes(path):
        if str(path).endswith("locked.txt"):
            raise InputError(f"{path}: permission denied", reason="permission denied")
        return real(path)

    monkeypatch.setattr(batch, "read_bytes", read_bytes)
    failures = []
    s = batch.fix_tree(str(root), batch.Settings(), out_dir=str(tmp_path / "out"),
                       on_failure=lambda path, why: failures.append((os.path.basename(path), why)))
    assert failures == [("locked.txt", "permission denied")] and s.processed == 1
    assert not (tmp_path / "out" / "locked.txt").exists()


def test_file_vanishing_after_listing(fake_engine_installed, tmp_path, monkeypatch):
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_bytes(b"company\n")
    (root / "gone.txt").write_bytes(b"company\n")
    real_walk = batch.walk

    def walk_then_delete(*args, **kw):
        listing = real_walk(*args, **kw)
        (root / "gone.txt").unlink()
        return listing

    monkeypatch.setattr(batch, "walk", walk_then_delete)
    failures = []
    s = batch.fix_tree(str(root), batch.Settings(), out_dir=str(tmp_path / "out"),
                       on_failure=lambda path, why: failures.append(why))
    assert failures == ["no such file"] and s.processed == 1 and s.files == 2


def test_out_dir_inside_the_tree_is_not_walked(fake_engine_installed, tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_bytes(b"company\n")
    out = root / "out"
    for _ in range(2):  # the second run must not pick up out/a.txt
        s = batch.fix_tree(str(root), batch.Settings(), out_dir=str(out), force=True)
        assert s.files == 1
    assert sorted(os.listdir(out)) == [batch.MANIFEST_NAME, "a.txt"]


def test_output_symlink_is_not_followed(fake_engine_installed, tmp_path):
    root, out = tmp_path / "in", tmp_path / "out"
    root.mkdir()
    out.mkdir()
    (root / "a.txt").write_bytes(b"company\n")
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"keep me\n")
    (out / "a.txt").symlink_to(victim)
    failures = []
    batch.fix_tree(str(root), batch.Settings(), out_dir=str(out), on_failure=lambda p, why: failures.append(why))
    assert victim.read_bytes() == b"keep me\n"
    assert len(failures) == 1 and "symlink" in failures[0]


def test_symlinked_folder_inside_the_out_dir_is_not_followed(fake_engine_installed, tmp_path):
    root, out, elsewhere = tmp_path / "in", tmp_path / "out", tmp_path / "elsewhere"
    for folder in (root / "sub" / "deep", root / "ok", out, elsewhere):
        folder.mkdir(parents=True)
    for rel in ("sub/a.txt", "sub/deep/b.txt", "ok/c.txt"):
        (root / rel).write_bytes(b"the company\n")
    (out / "sub").symlink_to(elsewhere, target_is_directory=True)
    r = invoke("fix", str(root), "--out", str(out))
    assert r.exit_code == 1  # those two files failed, the other went on
    errors = [line for line in r.stderr.splitlines() if line.startswith("repair: error:")]
    assert errors == [f"repair: error: {root}/sub/a.txt: cannot write {out}/sub/a.txt: its folder leads out of "
                      f"{out} through a symlink; not following it",
                      f"repair: error: {root}/sub/deep/b.txt: cannot write {out}/sub/deep/b.txt: its folder "
                      f"leads out of {out} through a symlink; not following it"]
    assert os.listdir(elsewhere) == []  # no file and no folder made through the link
    assert (out / "ok" / "c.txt").read_bytes() == b"the agency\n"
    assert "1 repaired" in r.stderr and "2 failed" in r.stderr
    # a symlink inside the output folder pointing inside it is fine
    (out / "sub").unlink()
    (out / "real").mkdir()
    (out / "sub").symlink_to(out / "real", target_is_directory=True)
    r = invoke("fix", str(root), "--out", str(out))
    assert r.exit_code == 0, r.stderr
    assert (out / "real" / "deep" / "b.txt").read_bytes() == b"the agency\n"


def test_out_dir_problems(tmp_path):
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    assert batch.out_dir_problem(str(root), str(root / "out")) is None
    assert "is the input folder" in batch.out_dir_problem(str(root), str(root))
    assert "holds the input folder" in batch.out_dir_problem(str(root / "sub"), str(root))
    (tmp_path / "file").write_text("x")
    assert "not a folder" in batch.out_dir_problem(str(root), str(tmp_path / "file"))


def test_in_place_with_backup(fake_engine_installed, tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    (root / "spun.txt").write_bytes(SPUN.encode())
    (root / "spun.txt").chmod(0o640)
    clean = root / "clean.txt"
    clean.write_bytes(b"fine\n")
    before = clean.stat()
    s = batch.fix_tree(str(root), batch.Settings(), in_place=True, backup=True)
    assert s.processed == 2 and s.changed == 1
    assert (root / "spun.txt").read_bytes() == FIXED.encode()
    assert stat.S_IMODE((root / "spun.txt").stat().st_mode) == 0o640
    assert (root / "spun.txt.bak").read_bytes() == SPUN.encode()
    after = clean.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert sorted(os.listdir(root)) == ["clean.txt", "spun.txt", "spun.txt.bak"]


def test_in_place_backup_keeps_mode_and_owner(fake_engine_installed, tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    src = root / "spun.txt"
    src.write_bytes(SPUN.encode())
    assert_in_place_backup_keeps_mode_and_owner(root, src)


# --- resuming ---------------------------------------------------------------------------------

@pytest.fixture
def counting_engine(monkeypatch):
    import repair.pipeline

    calls = []

    def suggest(text, opts):
        calls.append(text)
        return fake_engine.suggest(text, opts)

    monkeypatch.setattr(repair.pipeline, "_suggest", suggest)
    return calls


def test_resume_skips_up_to_date_outputs(counting_engine, tmp_path):
    root, out = tmp_path / "in", tmp_path / "out"
    root.mkdir()
    for i in range(5):
        (root / f"f{i}.txt").write_bytes(f"file {i}: the company\n".encode())

    def fix(**kw):
        counting_engine.clear()
        return batch.fix_tree(str(root), batch.Settings(kw.pop("options", Options())), out_dir=str(out), **kw)

    s = fix()
    assert (s.processed, s.up_to_date, len(counting_engine)) == (5, 0, 5)
    manifest = json.loads((out / batch.MANIFEST_NAME).read_text())
    assert sorted(manifest["files"]) == [f"f{i}.txt" for i in range(5)]
    s = fix()
    assert (s.processed, s.up_to_date, len(counting_engine)) == (0, 5, 0)
    (root / "f2.txt").write_bytes(b"changed company text\n")
    s = fix()
    assert (s.processed, s.up_to_date) == (1, 4) and counting_engine == ["changed company text\n"]
    assert (out / "f2.txt").read_bytes() == b"changed agency text\n"
    (out / "f3.txt").write_bytes(b"edited by hand\n")  # an output changed since: redone
    s = fix()
    assert s.processed == 1 and (out / "f3.txt").read_bytes() == b"file 3: the agency\n"
    (out / "f4.txt").unlink()
    assert fix().processed == 1
    assert fix(force=True).processed == 5
    assert fix(options=Options(min_confidence=0.2)).processed == 5  # other options: everything redone
    assert fix(options=Options(min_confidence=0.2)).processed == 0
    assert fix(options=Options(min_confidence=0.2, ignore_words=frozenset({"x"}))).processed == 5
    assert not [n for n in os.listdir(out) if n.endswith(".tmp")]


def _record_reads(monkeypatch, root) -> list[str]:
    """The names of the files in ``root`` that batch reads from now on (not the manifest, not the tables)."""
    reads = []
    real_read_bytes = batch.read_bytes

    def read_bytes(path):
        if os.path.dirname(path) == str(root):
            reads.append(os.path.basename(path))
        return real_read_bytes(path)

    monkeypatch.setattr(batch, "read_bytes", read_bytes)
    return reads


def _fixed_then_changed(tmp_path, names, changed: dict[str, bytes]):
    """An input folder of ``names`` (each "the company"), fixed once into out/, after which the
    files in ``changed`` get new contents: (input folder, output folder)."""
    root, out = tmp_path / "in", tmp_path / "out"
    root.mkdir()
    for name in names:
        (root / name).write_bytes(b"the company\n")
    batch.fix_tree(str(root), batch.Settings(), out_dir=str(out))
    for name, data in changed.items():
        (root / name).write_bytes(data)
    return root, out


def test_out_of_date_file_is_read_once(counting_engine, tmp_path, monkeypatch):
    root, out = _fixed_then_changed(tmp_path, ("same.txt", "edited.txt", "unreadable.txt"), {
        "edited.txt": b"the big company\n",
        "unreadable.txt": b"the \xff company\n",  # not UTF-8: hashed, then fails
    })
    reads = _record_reads(monkeypatch, root)
    failures = []
    counting_engine.clear()
    s = batch.fix_tree(str(root), batch.Settings(), out_dir=str(out),
                       on_failure=lambda path, why: failures.append((os.path.basename(path), why)))
    assert sorted(reads) == ["edited.txt", "same.txt", "unreadable.txt"]  # once each: hashed, bytes passed on
    assert (s.processed, s.up_to_date) == (1, 1) and counting_engine == ["the big company\n"]
    assert (out / "edited.txt").read_bytes() == b"the big agency\n"
    assert failures == [("unreadable.txt", "invalid UTF-8 at byte offset 4")]


def test_bytes_kept_for_jobs_are_bounded(counting_engine, tmp_path, monkeypatch):
    names = ("a.txt", "b.txt", "c.txt")  # then 16 bytes each, all out of date
    root, out = _fixed_then_changed(tmp_path, names, dict.fromkeys(names, b"the big company\n"))
    monkeypatch.setattr(batch, "_HOLD_BYTES", 40)  # room for two files' bytes, not three
    reads = _record_reads(monkeypatch, root)
    s = batch.fix_tree(str(root), batch.Settings(), out_dir=str(out))
    assert sorted(reads) == ["a.txt", "b.txt", "c.txt", "c.txt"]  # the third is read again by its job
    assert s.processed == 3
    assert all((out / n).read_bytes() == b"the big agency\n" for n in ("a.txt", "b.txt", "c.txt"))


def _log_lines(path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_rerun_log_keeps_the_changes_of_skipped_files(counting_engine, tmp_path):
    root, out, log = tmp_path / "in", tmp_path / "out", tmp_path / "run.jsonl"
    root.mkdir()
    for name, text in (("a.txt", "the company\n"), ("b.txt", "clean\n"), ("c.txt", "a big company\n")):
        (root / name).write_bytes(text.encode())

    def fix(*extra):
        counting_engine.clear()
        r = invoke("fix", str(root), "--out", str(out), "--log", str(log), *extra)
        assert r.exit_code == 0, r.stderr
        return r

    fix()
    first = _log_lines(log)
    assert [json.loads(line)["path"] for line in first] == [f"{root}/a.txt", f"{root}/c.txt"]
    # a full skip: nothing is repaired, and the log is the first run's, line for line
    r = fix()
    assert counting_engine == [] and "3 up to date" in r.stderr
    assert _log_lines(log) == first
    # a partial rerun: c.txt is redone, a.txt's entry comes from the manifest, in walk order
    (root / "c.txt").write_bytes(b"one company, two company\n")
    r = fix()
    assert counting_engine == ["one company, two company\n"] and "2 up to date" in r.stderr
    rows = [json.loads(line) for line in _log_lines(log)]
    assert [r["path"] for r in rows] == [f"{root}/a.txt", f"{root}/c.txt", f"{root}/c.txt"]
    assert _log_lines(log)[0] == first[0]
    for name in ("a.txt", "c.txt"):  # the log still applies to every input, giving its output
        mine = "\n".join(json.dumps(r) for r in rows if r["path"].endswith(name))
        text = (root / name).read_text(encoding="utf-8")
        assert apply_changes(text, changes_from_json(mine)).encode() == (out / name).read_bytes()


def test_manifest_without_changes_means_redo_when_logging(counting_engine, tmp_path):
    # an entry whose changes cannot be read (or a manifest of the format before them) is redone,
    # never logged as having no changes
    root, out = _fixed_then_changed(tmp_path, ["a.txt", "b.txt"], {})
    manifest = json.loads((out / batch.MANIFEST_NAME).read_text())
    assert manifest["files"]["a.txt"]["changes"][0]["new"] == "agency"
    del manifest["files"]["a.txt"]["changes"]
    (out / batch.MANIFEST_NAME).write_text(json.dumps(manifest))
    logged = []
    counting_engine.clear()
    s = batch.fix_tree(str(root), batch.Settings(), out_dir=str(out), log=logged.append)
    assert (s.processed, s.up_to_date) == (1, 1) and counting_engine == ["the company\n"]
    assert [(r.rel, [c.new for c in r.changes]) for r in logged] == [("a.txt", ["agency"]), ("b.txt", ["agency"])]
    manifest["format"] = 1  # the format before changes were kept: everything redone
    (out / batch.MANIFEST_NAME).write_text(json.dumps(manifest))
    s = batch.fix_tree(str(root), batch.Settings(), out_dir=str(out))
    assert (s.processed, s.up_to_date) == (2, 0)


def test_failed_file_is_retried(fake_engine_installed, tmp_path):
    root, out = tmp_path / "in", tmp_path / "out"
    root.mkdir()
    (root / "bad.txt").write_bytes(b"\xff")
    assert len(batch.fix_tree(str(root), batch.Settings(), out_dir=str(out)).failed) == 1
    (root / "bad.txt").write_bytes(b"company")
    s = batch.fix_tree(str(root), batch.Settings(), out_dir=str(out))
    assert s.processed == 1 and (out / "bad.txt").read_bytes() == b"agency"


def test_corrupt_manifest_means_redo(fake_engine_installed, tmp_path):
    root, out = tmp_path / "in", tmp_path / "out"
    root.mkdir()
    (root / "a.txt").write_bytes(b"company")
    batch.fix_tree(str(root), batch.Settings(), out_dir=str(out))
    (out / batch.MANIFEST_NAME).write_bytes(b"{not json")
    assert batch.fix_tree(str(root), batch.Settings(), out_dir=str(out)).processed == 1


def test_fingerprint_follows_options_and_lexicons(tmp_path):
    lex = tmp_path / "farm.tsv"
    lex.write_text("spun\toriginal\tcount\tweight\tguard\tsource\na b\tc d\t1\t0.5\t\tt\n")
    base = batch.fingerprint(batch.Settings())
    assert base == batch.fingerprint(batch.Settings())
    assert base != batch.fingerprint(batch.Settings(Options(select=("artifact",))))
    assert base == batch.fingerprint(batch.Settings(Options(ignore=())))
    with_lex = batch.fingerprint(batch.Settings(Options(lexicons=(str(lex),))))
    assert with_lex != base
    lex.write_text(lex.read_text() + "e\tf\t1\t0.5\t\tt\n")
    assert batch.fingerprint(batch.Settings(Options(lexicons=(str(lex),)))) != with_lex
    assert batch.fingerprint(batch.Settings(suggest=fake_engine.suggest)) != base


# --- worker processes ---------------------------------------------------------------------------

def test_two_workers_give_the_same_outputs(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    for i in range(12):
        (root / f"f{i:02}.txt").write_bytes(f"{i} the big company\r\n".encode() * (i + 1))
    (root / "bad.txt").write_bytes(b"\x00")
    settings = batch.Settings(suggest=fake_engine.suggest)  # workers import the stand-in themselves
    results = {}
    for workers in (1, 2):
        out = tmp_path / f"out{workers}"
        logged = []
        s = batch.fix_tree(str(root), settings, out_dir=str(out), workers=workers, log=logged.append)
        assert (s.processed, len(s.failed)) == (12, 1)
        results[workers] = (tree_state(out, skip=(batch.MANIFEST_NAME,)),
                            [(r.rel, r.changes) for r in logged])
    assert results[1] == results[2]
    assert (tmp_path / "out2" / "f03.txt").read_bytes() == b"3 the big agency\r\n" * 4


def test_worker_engine_failure_is_one_files_failure(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_bytes(b"company")
    (root / "b.txt").write_bytes(b"boom")
    (root / "c.txt").write_bytes(b"company")
    s = batch.fix_tree(str(root), batch.Settings(suggest=fake_engine.suggest), out_dir=str(tmp_path / "o"),
                       workers=2)
    assert s.processed == 2 and s.internal == 1
    assert s.failed == [(f"{root}/b.txt", "internal error: RuntimeError: engine exploded")]


# --- the command line ---------------------------------------------------------------------------

def test_cli_fix_folder(fake_engine_installed, corpus, tmp_path):
    root, _ = corpus
    out, log = tmp_path / "out", tmp_path / "changes.jsonl"
    before = tree_state(root)
    r = invoke("fix", str(root), "--out", str(out), "--log", str(log))
    assert r.exit_code == 1  # two files failed
    assert tree_state(root) == before
    lines = r.stderr.splitlines()
    assert f"repair: error: {root}/binary.txt: binary file (NUL byte at offset 7)" in lines
    assert f"repair: note: {root}/out_link.txt: skipped: symlink to a file outside {root}" in lines
    assert any(line.startswith("repair: fix: 8 files: 6 repaired (4 with changes), 0 up to date") for line in lines)
    assert "repair: fix: 6 changes: fake.spin 6" in lines
    assert "\x1b" not in r.stderr  # no progress bar when stderr is not a terminal
    rows = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]
    assert {row["path"] for row in rows} == {f"{root}/{p}" for p in ("a.txt", "sub/spun.txt", "crlf.txt", "in_link.txt")}
    spun_rows = [row for row in rows if row["path"].endswith("spun.txt")]
    assert apply_changes(SPUN, changes_from_json("\n".join(map(json.dumps, spun_rows)))) == FIXED
    r = invoke("fix", str(root), "--out", str(out), "-q")
    assert r.exit_code == 1 and "repair: note" not in r.stderr and "repair: fix" not in r.stderr
    r = invoke("fix", str(root), "--out", str(out), "--exclude", "binary.txt", "--exclude", "latin1.txt")
    assert r.exit_code == 0 and "6 up to date" in r.stderr


@pytest.mark.parametrize("args, fragment", [
    ([], "is a directory; give --out OUT_DIR"),
    (["--out", "{root}"], "is the input folder; use --in-place"),
    (["--out", "{tmp}"], "holds the input folder"),
    (["--out", "{tmp}/o", "--in-place"], "--in-place and --out"),
    (["-o", "{tmp}/x.txt"], "works on one file"),
    (["--diff"], "works on one file"),
    (["--out", "{tmp}/o", "--backup"], "--backup only makes sense with --in-place"),
])
def test_cli_fix_folder_usage_errors(fake_engine_installed, tmp_path, args, fragment):
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_bytes(b"company")
    args = [a.format(root=root, tmp=tmp_path) for a in args]
    r = invoke("fix", str(root), *args)
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, fragment)
    assert sorted(os.listdir(tmp_path)) == ["in"] and os.listdir(root) == ["a.txt"]


@pytest.mark.parametrize("args, log, fragment", [
    (["--in-place"], "{root}/a.txt", "is an input file of this run"),
    (["--in-place"], "{root}/sub/../a.txt", "is an input file of this run"),
    (["--in-place"], "{root}/link.txt", "is an input file of this run"),  # a symlink to a.txt: same file
    (["--in-place", "--backup"], "{root}/a.txt.bak", "is the backup copy of {root}/a.txt"),
    (["--out", "{tmp}/o"], "{root}/a.txt", "is an input file of this run"),
    (["--out", "{tmp}/o"], "{tmp}/o/a.txt", "is the output of {root}/a.txt"),
    (["--out", "{tmp}/o"], "{tmp}/o/.repair-manifest.json", "is the manifest of {tmp}/o"),
    (["--out", "{tmp}/o"], "{tmp}/o", "cannot write: is a directory"),
    (["--out", "{tmp}/o"], "{tmp}/nodir/run.jsonl", "cannot write: folder {tmp}/nodir does not exist"),
])
def test_cli_fix_folder_refuses_a_log_over_the_runs_files(fake_engine_installed, tmp_path, args, log, fragment):
    root = tmp_path / "in"
    (root / "sub").mkdir(parents=True)
    (root / "a.txt").write_bytes(b"the company\n")
    (root / "link.txt").symlink_to(root / "a.txt")
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "a.txt").write_bytes(b"an earlier output\n")
    before = tree_state(tmp_path)
    fmt = dict(root=root, tmp=tmp_path)
    r = invoke("fix", str(root), *[a.format(**fmt) for a in args], "--log", log.format(**fmt))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, fragment.format(**fmt))
    assert tree_state(tmp_path) == before  # nothing written, no temporary file left


def test_cli_fix_folder_log_inside_the_input_folder_is_fine(fake_engine_installed, tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_bytes(b"the company\n")
    log = root / "run.jsonl"  # not a file the run takes (*.jsonl is not included)
    r = invoke("fix", str(root), "--in-place", "--log", str(log))
    assert r.exit_code == 0, r.stderr
    assert (root / "a.txt").read_bytes() == b"the agency\n"
    assert [json.loads(line)["path"] for line in log.read_text().splitlines()] == [f"{root}/a.txt"]
    # included by a glob, it becomes an input: refused rather than repaired and then overwritten
    r = invoke("fix", str(root), "--in-place", "--include", "*", "--log", str(log))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, f"--log {log}: is an input file of this run")


def test_cli_out_is_for_folders(fake_engine_installed, tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes(b"company")
    r = invoke("fix", str(p), "--out", str(tmp_path / "o"))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, "--out OUT_DIR is for a folder")


def test_cli_fix_folder_in_place(fake_engine_installed, tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_bytes(b"the company")
    r = invoke("fix", str(root), "--in-place", "--backup")
    assert r.exit_code == 0, r.stderr
    assert (root / "a.txt").read_bytes() == b"the agency"
    assert (root / "a.txt.bak").read_bytes() == b"the company"


def test_cli_check_folder(fake_engine_installed, corpus, tmp_path):
    root, _ = corpus
    r = invoke("check", str(root))
    assert r.exit_code == 1
    assert f'{root}/sub/spun.txt:1:9: "company" -> "agency" (0.90) fake.spin' in r.stdout.splitlines()
    assert "repair: check: 8 files: 6 checked (4 with changes), 2 failed" in r.stderr
    clean = tmp_path / "clean"
    (clean / "sub").mkdir(parents=True)
    (clean / "sub" / "a.txt").write_bytes(b"fine\n")
    (clean / "b.txt").write_bytes(b"\xff")
    r = invoke("check", str(clean))
    assert r.exit_code == 1 and r.stdout == ""  # a file of the folder failed: 1, not 2
    r = invoke("check", str(clean), "--exclude", "b.txt")
    assert r.exit_code == 0 and r.stdout == ""
    r = invoke("check", str(clean), str(tmp_path / "missing.txt"))
    assert r.exit_code == 2  # a file named on the command line is missing


def test_cli_check_folder_json_is_an_array(fake_engine_installed, tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_bytes(b"company")
    r = invoke("check", str(root), "-f", "json", "-j", "2")
    assert r.exit_code == 1
    assert [f["path"] for f in json.loads(r.stdout)] == [f"{root}/a.txt"]


@pytest.mark.skipif(multiprocessing.get_start_method() != "fork",
                    reason="the fake engine reaches worker processes by fork only; the library tests "
                           "above pass it to the workers explicitly")
def test_module_fix_folder_two_workers(tmp_path):
    root, out = tmp_path / "in", tmp_path / "out"
    root.mkdir()
    for i in range(6):
        (root / f"{i}.txt").write_bytes(SPUN.encode())
    p = run_module("fix", str(root), "--out", str(out), "-j", "2", fake=True)
    assert p.returncode == 0, p.stderr
    assert all((out / f"{i}.txt").read_bytes() == FIXED.encode() for i in range(6))
    assert b"6 files: 6 repaired" in p.stderr
    p = run_module("fix", str(root), "--out", str(out), "-j", "2", fake=True)
    assert b"6 up to date" in p.stderr and p.returncode == 0


def test_progress_bar_shows_rates_when_enabled(capsys, monkeypatch):
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich draws as on a terminal
    with batch.progress(3, "repair fix", enabled=True) as advance:
        for words in (100, 200, 300):
            advance(words)
    err = capsys.readouterr().err
    assert "files/s" in err and "words/s" in err
    with batch.progress(3, "repair fix", enabled=False) as advance:
        advance(5)
    assert capsys.readouterr().err == ""


def test_cli_fix_folder_log_to_standard_output(fake_engine_installed, tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_bytes(b"the company\n")
    r = invoke("fix", str(root), "--out", str(tmp_path / "out"), "--log", "-", "-q")
    assert r.exit_code == 0, r.stderr
    lines = [json.loads(line) for line in r.stdout.splitlines()]
    assert [(x["path"], x["old"], x["new"]) for x in lines] == [(f"{root}/a.txt", "company", "agency")]
    assert not (tmp_path / "-").exists() and not os.path.exists("-")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_cli_fix_folder_log_into_a_named_pipe_is_written_into_not_replaced(fake_engine_installed, tmp_path):
    import threading

    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_bytes(b"the company\n")
    fifo = tmp_path / "log.fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    r = invoke("fix", str(root), "--out", str(tmp_path / "out"), "--log", str(fifo), "-q")
    reader.join(10)
    assert r.exit_code == 0, r.stderr
    assert [json.loads(line)["new"] for line in got[0].decode().splitlines()] == ["agency"]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["in", "log.fifo", "out"]  # no temporary file beside it


def test_cli_fix_folder_log_into_a_device_leaves_it_a_device(fake_engine_installed, tmp_path):
    """A null device of our own (not /dev/null: a regression would replace the system's)."""
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_bytes(b"the company\n")
    null = tmp_path / "null"
    try:
        os.mknod(null, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, AttributeError, OSError):
        pytest.skip("cannot make a device node here (needs root)")
    r = invoke("fix", str(root), "--out", str(tmp_path / "out"), "--log", str(null), "-q")
    assert r.exit_code == 0, r.stderr
    assert stat.S_ISCHR(os.lstat(null).st_mode)
    assert sorted(os.listdir(tmp_path)) == ["in", "null", "out"]


def test_cli_fix_folder_refuses_a_symlinked_manifest(fake_engine_installed, tmp_path):
    root, out, elsewhere = tmp_path / "in", tmp_path / "out", tmp_path / "elsewhere.json"
    root.mkdir()
    out.mkdir()
    (root / "a.txt").write_bytes(b"the company\n")
    (out / batch.MANIFEST_NAME).symlink_to(elsewhere)
    r = invoke("fix", str(root), "--out", str(out))
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, "is a symlink; not following it out of the output folder")
    assert not elsewhere.exists() and not (out / "a.txt").exists()


def test_cli_force_is_for_out(fake_engine_installed, tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    (root / "a.txt").write_bytes(b"the company\n")
    r = invoke("fix", str(root), "--in-place", "--force")
    assert r.exit_code == 2
    assert_one_error_line(r.stderr, "--force is for --out")
    assert (root / "a.txt").read_bytes() == b"the company\n"
