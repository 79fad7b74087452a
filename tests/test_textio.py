import builtins
import io
import os
import stat
import sys

import pytest

from repair import textio
from repair.textio import InputError, read_file, read_text, write_atomic, write_stdout


def roundtrip(tmp_path, data: bytes) -> str:
    p = tmp_path / "in.txt"
    p.write_bytes(data)
    text = read_text(str(p))
    assert text.encode("utf-8") == data
    return text


def test_empty(tmp_path):
    assert roundtrip(tmp_path, b"") == ""


def test_bom_is_kept(tmp_path):
    assert roundtrip(tmp_path, b"\xef\xbb\xbfhello\n") == "\ufeffhello\n"


def test_crlf_and_lone_cr_are_not_translated(tmp_path):
    assert roundtrip(tmp_path, b"a\r\nb\rc\n") == "a\r\nb\rc\n"


def test_no_final_newline(tmp_path):
    assert roundtrip(tmp_path, b"last line") == "last line"


def test_mixed_unicode(tmp_path):
    data = "caf\u00e9 \u4e2d\u6587 \U0001F600 \u2028 \u200b\t\f\v".encode()
    assert roundtrip(tmp_path, data).encode() == data


@pytest.mark.parametrize("data,offset", [(b"\xff", 0), (b"abc\xffdef", 3), (b"caf\xc3\xa9 \xe2\x82", 6),
                                          (b"\xc3\xa9\xc3(", 2), (b"ok\xed\xa0\x80", 2)])
def test_invalid_utf8_names_file_and_byte_offset(tmp_path, data, offset):
    p = tmp_path / "bad.txt"
    p.write_bytes(data)
    with pytest.raises(InputError) as exc:
        read_text(str(p))
    assert str(exc.value) == f"{p}: invalid UTF-8 at byte offset {offset}"


def test_nul_byte_is_binary(tmp_path):
    p = tmp_path / "x.bin"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(InputError) as exc:
        read_text(str(p))
    assert str(exc.value) == f"{p}: binary file (NUL byte at offset 8)"


def test_utf16_is_refused_as_utf16_and_without_a_mark_as_binary(tmp_path):
    p = tmp_path / "u16.txt"
    p.write_bytes("hi".encode("utf-16"))
    with pytest.raises(InputError, match="UTF-16 text"):
        read_text(str(p))
    p.write_bytes("hi".encode("utf-16-le"))  # no byte-order mark: nothing tells it from binary
    with pytest.raises(InputError, match="binary file"):
        read_text(str(p))


def test_missing_file(tmp_path):
    p = tmp_path / "nope.txt"
    with pytest.raises(InputError) as exc:
        read_text(str(p))
    assert str(exc.value) == f"{p}: no such file"


def test_directory(tmp_path):
    with pytest.raises(InputError) as exc:
        read_text(str(tmp_path))
    assert str(exc.value) == f"{tmp_path}: is a directory"


def test_unreadable_file(tmp_path):
    p = tmp_path / "secret.txt"
    p.write_text("x")
    p.chmod(0)
    try:
        if os.access(p, os.R_OK):
            pytest.skip("running with privileges that can read a mode-000 file")
        with pytest.raises(InputError) as exc:
            read_text(str(p))
        assert str(exc.value) == f"{p}: permission denied"
    finally:
        p.chmod(0o644)


def test_permission_error_message(tmp_path, monkeypatch):
    # the same path as above, even when running as root
    p = tmp_path / "secret.txt"
    p.write_text("x")
    real_open = builtins.open

    def fake_open(file, *a, **kw):
        if os.fspath(file) == str(p):
            raise PermissionError(13, "Permission denied", str(p))
        return real_open(file, *a, **kw)

    monkeypatch.setattr(builtins, "open", fake_open)
    with pytest.raises(InputError) as exc:
        read_text(str(p))
    assert str(exc.value) == f"{p}: permission denied"


def test_errors_are_one_line(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes(b"a\nb\n\xff")
    with pytest.raises(InputError) as exc:
        read_text(str(p))
    assert "\n" not in str(exc.value)


def test_stdin_dash():
    assert read_text("-", stdin=io.BytesIO(b"\xef\xbb\xbfa\r\n")) == "\ufeffa\r\n"
    assert read_text("-", stdin=io.BytesIO(b"")) == ""
    with pytest.raises(InputError) as exc:
        read_text("-", stdin=io.BytesIO(b"ab\xfe"))
    assert str(exc.value) == "<stdin>: invalid UTF-8 at byte offset 2"


def test_read_file_takes_dash_as_a_file_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as exc:
        read_file("-")
    assert str(exc.value) == "-: no such file"
    (tmp_path / "-").write_bytes(b"\xef\xbb\xbfdash\r\n")
    assert read_file("-") == "\ufeffdash\r\n"
    assert read_file(tmp_path / "-") == "\ufeffdash\r\n"  # a path object too


@pytest.mark.parametrize("data, reason, line", [
    (b"one\ntwo\nthr\xffee\n", "invalid UTF-8 at byte offset 11", 3),
    (b"\x00", "binary file (NUL byte at offset 0)", 1),
    (b"a\r\nb\nc\x00", "binary file (NUL byte at offset 6)", 3),
    (b"one\rtwo\rthr\xffee\r", "invalid UTF-8 at byte offset 11", 3),  # lone CRs end lines too
    (b"a\r\r\nb\x00", "binary file (NUL byte at offset 5)", 3),
    ("caf\u00e9 company\n".encode("utf-16"), "UTF-16 text (byte-order mark); repair reads UTF-8: convert it "
     "first, e.g. iconv -f UTF-16 -t UTF-8", 1),
    ("company\n".encode("utf-16-be").join([b"\xfe\xff", b""]), "UTF-16 text (byte-order mark); repair reads "
     "UTF-8: convert it first, e.g. iconv -f UTF-16 -t UTF-8", 1),
    ("company\n".encode("utf-32"), "UTF-32 text (byte-order mark); repair reads UTF-8: convert it first, "
     "e.g. iconv -f UTF-32 -t UTF-8", 1),
])
def test_undecodable_bytes_give_reason_and_line(tmp_path, data, reason, line):
    p = tmp_path / "bad.txt"
    p.write_bytes(data)
    with pytest.raises(InputError) as exc:
        read_file(p)
    assert str(exc.value) == f"{p}: {reason}"
    assert (exc.value.reason, exc.value.line) == (reason, line)


def test_unreadable_file_has_no_line(tmp_path):
    with pytest.raises(InputError) as exc:
        read_file(tmp_path / "nope.txt")
    assert (exc.value.reason, exc.value.line) == ("no such file", None)


def test_huge_file_round_trip(tmp_path):
    line = "The spy company said caf\u00e9 \u4e2d\u6587 \U0001F600 was fine.\r\n".encode()
    data = line * (20 * 1024 * 1024 // len(line) + 1)
    assert len(data) > 20 * 1024 * 1024
    text = roundtrip(tmp_path, data)
    out = tmp_path / "out.txt"
    write_atomic(out, text)
    assert out.read_bytes() == data


def test_write_atomic_exact_bytes_and_no_temp_files(tmp_path):
    p = tmp_path / "out.txt"
    write_atomic(p, "\ufeffa\r\nb")
    write_atomic(p, "\ufeffa\r\nb\u2028c")
    assert p.read_bytes() == "\ufeffa\r\nb\u2028c".encode()
    assert sorted(os.listdir(tmp_path)) == ["out.txt"]


def test_write_atomic_preserves_mode(tmp_path):
    p = tmp_path / "script.txt"
    p.write_text("old")
    p.chmod(0o640)
    write_atomic(p, "new")
    assert p.read_text() == "new"
    assert stat.S_IMODE(p.stat().st_mode) == 0o640
    p.chmod(0o755)
    write_atomic(p, "newer")
    assert stat.S_IMODE(p.stat().st_mode) == 0o755


def test_write_atomic_like_gives_a_new_file_the_models_bits(tmp_path):
    original = tmp_path / "secret.txt"
    original.write_text("private")
    original.chmod(0o600)
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "secret.txt.bak", "private", like=original)
        (tmp_path / "stale.bak").write_text("old")
        (tmp_path / "stale.bak").chmod(0o644)
        write_atomic(tmp_path / "stale.bak", "private", like=original)  # like wins over the old copy
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "secret.txt.bak").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "stale.bak").stat().st_mode) == 0o600


requires_root = pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0,
                                   reason="setting another user as owner needs root")


@requires_root
def test_write_atomic_keeps_owner_and_group(tmp_path):
    p = tmp_path / "theirs.txt"
    p.write_text("old")
    os.chown(p, 12345, 23456)
    p.chmod(0o640)
    write_atomic(p, "new")
    st = p.stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (12345, 23456, 0o640)
    write_atomic(tmp_path / "theirs.bak", "old", like=p)
    st = (tmp_path / "theirs.bak").stat()
    assert (st.st_uid, st.st_gid, stat.S_IMODE(st.st_mode)) == (12345, 23456, 0o640)
    write_atomic(tmp_path / "mine.txt", "x")  # a new file without a model stays ours
    assert (tmp_path / "mine.txt").stat().st_uid == 0


def test_write_atomic_owner_is_best_effort(tmp_path, monkeypatch):
    # not allowed to give the file away: the write still succeeds (and tries the group alone)
    calls = []

    def fchown(fd, uid, gid):
        calls.append((uid, gid))
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(textio.os, "fchown", fchown)
    p = tmp_path / "x.txt"
    p.write_text("old")
    mine = p.stat()
    model = os.stat_result((mine.st_mode, 0, 0, 0, mine.st_uid + 1, mine.st_gid + 1, 0, 0, 0, 0))
    real_stat = textio.os.stat
    monkeypatch.setattr(textio.os, "stat", lambda path, *a, **k: model if os.fspath(path) == str(p)
                        else real_stat(path, *a, **k))
    write_atomic(p, "new")
    assert p.read_text() == "new"
    assert calls == [(mine.st_uid + 1, mine.st_gid + 1), (-1, mine.st_gid + 1)]


def test_write_atomic_new_file_follows_umask(tmp_path):
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "new.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640


def test_write_atomic_follows_symlink(tmp_path):
    target = tmp_path / "real.txt"
    target.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(target)
    write_atomic(link, "new")
    assert link.is_symlink() and target.read_text() == "new"


def test_write_atomic_failure_removes_temp_and_keeps_target(tmp_path, monkeypatch):
    p = tmp_path / "out.txt"
    p.write_text("original")

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(textio.os, "replace", boom)
    with pytest.raises(OSError):
        write_atomic(p, "new")
    assert p.read_text() == "original"
    assert os.listdir(tmp_path) == ["out.txt"]


def test_write_atomic_into_missing_directory(tmp_path):
    with pytest.raises(OSError):
        write_atomic(tmp_path / "no" / "such" / "out.txt", "x")




def test_write_stdout_emits_exact_bytes(monkeypatch):
    raw = io.BytesIO()
    fake = io.TextIOWrapper(raw, encoding="ascii", newline=None)  # a hostile text layer
    monkeypatch.setattr(sys, "stdout", fake)
    write_stdout("\ufeffa\r\nb\nc\u00e9")
    assert raw.getvalue() == "\ufeffa\r\nb\nc\u00e9".encode()


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="needs symlinks")
def test_same_path_resolves_symlinks_for_files_not_written_yet(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "other" / "deep").mkdir(parents=True)
    src = tmp_path / "a" / "in.txt"
    src.write_text("x")
    os.symlink(tmp_path / "other" / "deep", tmp_path / "a" / "sub")
    os.symlink(src, tmp_path / "link.txt")
    assert textio.same_path(src, tmp_path / "link.txt")  # both exist: the same file
    assert textio.same_path(src, tmp_path / "a" / "." / "in.txt")
    assert not textio.same_path(src, tmp_path / "a" / "out.txt")
    # a/sub/../in.txt is other/in.txt (not written yet), not a/in.txt as its spelling suggests
    assert not textio.same_path(src, str(tmp_path / "a" / "sub") + "/../in.txt")
    # two files not written yet: the same when their real paths are
    assert textio.same_path(tmp_path / "a" / "sub" / "new.txt", tmp_path / "other" / "deep" / "new.txt")


# --- special files: written into, never replaced ------------------------------------------

def _read_fifo(path, got):
    with open(path, "rb") as f:
        got.append(f.read())


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
@pytest.mark.parametrize("through_link", [False, True])
def test_write_atomic_writes_into_a_named_pipe(tmp_path, through_link):
    import threading

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    target = fifo
    if through_link:  # as /dev/stdout -> /proc/self/fd/1 -> pipe
        target = tmp_path / "link"
        target.symlink_to(fifo)
    got = []
    reader = threading.Thread(target=_read_fifo, args=(fifo, got), daemon=True)
    reader.start()
    write_atomic(target, "\ufeffa\r\nb")
    reader.join(10)
    assert got == ["\ufeffa\r\nb".encode()]
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still a pipe, not a regular file
    assert sorted(os.listdir(tmp_path)) == sorted(["pipe"] + (["link"] if through_link else []))


def test_write_atomic_writes_into_dev_null_without_replacing_it(tmp_path, monkeypatch):
    # /dev/null must never be renamed over: fail the test loudly if a rename is tried
    if not stat.S_ISCHR(os.stat(os.devnull).st_mode):
        pytest.skip(f"{os.devnull} is not a character device here")

    def refuse(*args, **kw):
        raise AssertionError(f"a device must not be renamed over or chmod-ed: {args}")

    monkeypatch.setattr(textio.os, "replace", refuse)
    monkeypatch.setattr(textio.os, "chmod", refuse)
    write_atomic(os.devnull, "into the void\n")
    textio.write_bytes_atomic(os.devnull, b"bytes", mode=0o600)
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)
    assert textio.writes_through(os.devnull)
    assert not textio.writes_through(tmp_path)  # a folder is not written into
    assert not textio.writes_through(tmp_path / "missing.txt")
    (tmp_path / "plain.txt").write_text("x")
    assert not textio.writes_through(tmp_path / "plain.txt")


def test_write_atomic_to_dev_stdout_on_a_pipe(tmp_path):
    # /dev/stdout on a pipe is /proc/self/fd/1 -> "pipe:[N]": a temp file beside it cannot be made
    if not os.path.exists("/dev/stdout"):
        pytest.skip("no /dev/stdout")
    import subprocess

    code = "from repair.textio import write_atomic; write_atomic('/dev/stdout', 'caf\\u00e9\\r\\n')"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout == "caf\u00e9\r\n".encode()
