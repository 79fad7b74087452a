"""Reading inputs and writing outputs without touching a single byte we did not mean to.

* Input is decoded as strict UTF-8 with no newline translation, and a byte-order
  mark stays in the text as U+FEFF, so ``text.encode("utf-8")`` gives back the
  exact input bytes.  CRLF, lone CR, a missing final newline: all survive.
* Every way an input can be unusable raises :class:`InputError` with one line
  that names the input.  This is the one place that opens input files: the
  pair readers (:mod:`repair.learn`) and the lexicon reader
  (:mod:`repair.lexicon`) read through :func:`read_file` too.
* Files are replaced atomically (temporary file in the same directory, then
  ``os.replace``), keeping the permission bits (and owner, where allowed) of the
  file they replace.  A device,
  named pipe or socket (``/dev/null``, ``/dev/stdout`` on a pipe) is written into,
  never replaced.
* Text this tool generates (change logs, reports, manifests, messages) may hold a
  file name that is not valid UTF-8, which Python gives as a str with lone
  surrogates ("caf\\udce9.txt"); :func:`encode_generated` writes each as the
  escape ``\\udce9``, which inside a JSON string ``json.loads`` reads back as the
  same name.  A document's text is always encoded strictly: it was decoded
  strictly, so it holds none, and should one appear it is an error, never a
  silent change.
"""
from __future__ import annotations

import os
import stat
import sys
import tempfile
from typing import BinaryIO

__all__ = ["InputError", "STDIN_NAME", "display_name", "read_text", "read_file", "read_bytes", "decode",
           "same_path", "overwrites", "write_problem", "write_atomic", "write_bytes_atomic", "writes_through", "open_through",
           "write_stdout", "encode_generated"]

STDIN_NAME = "<stdin>"


class InputError(Exception):
    """An input that cannot be read as UTF-8 text; ``str(exc)`` is one line naming it.

    ``reason`` is the message without the leading ``NAME: ``; ``line`` is the
    1-based line of the offending byte when the bytes could not be decoded (a
    NUL byte or invalid UTF-8), else None.
    """

    def __init__(self, message: str, *, reason: str = "", line: int | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message
        self.line = line


def _fail(name: str, reason: str, line: int | None = None) -> InputError:
    return InputError(f"{name}: {reason}", reason=reason, line=line)


def display_name(path: str) -> str:
    return STDIN_NAME if path == "-" else path


def read_text(path: str, *, stdin: BinaryIO | None = None) -> str:
    """Read ``path`` (or standard input for ``"-"``) as exact UTF-8 text."""
    name = display_name(path)
    if path == "-":
        stream = stdin if stdin is not None else getattr(sys.stdin, "buffer", None)
        if stream is None:
            raise _fail(name, "standard input is not available")
        try:
            data = stream.read()
        except OSError as exc:
            raise _fail(name, f"cannot read: {exc.strerror or exc}") from None
        return decode(data, name)
    return read_file(path)


def read_file(path: str | os.PathLike) -> str:
    """Read the file at ``path`` as exact UTF-8 text (``"-"`` is a file name here)."""
    name = os.fspath(path)
    return decode(_read_file(name), name)


def read_bytes(path: str | os.PathLike) -> bytes:
    """The bytes of the file at ``path``; :class:`InputError` (one line) when it cannot be
    read.  :func:`decode` turns them into text, as :func:`read_file` does."""
    return _read_file(os.fspath(path))


def _read_file(path: str) -> bytes:
    if os.path.isdir(path):
        raise _fail(path, "is a directory")
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise _fail(path, "no such file") from None
    except IsADirectoryError:
        raise _fail(path, "is a directory") from None
    except PermissionError:
        raise _fail(path, "permission denied") from None
    except OSError as exc:
        raise _fail(path, f"cannot read: {exc.strerror or exc}") from None


def decode(data: bytes, name: str) -> str:
    """Strict UTF-8, no newline translation, BOM kept; reject binary data (and say so when it is
    UTF-16 or UTF-32 text, which its byte-order mark tells, rather than call it binary)."""
    for bom, encoding in _OTHER_BOMS:
        if data.startswith(bom):
            raise _fail(name, f"{encoding} text (byte-order mark); repair reads UTF-8: convert it first, "
                              f"e.g. iconv -f {encoding} -t UTF-8", 1)
    nul = data.find(b"\x00")
    if nul >= 0:
        raise _fail(name, f"binary file (NUL byte at offset {nul})", _line_at(data, nul))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(name, f"invalid UTF-8 at byte offset {exc.start}",
                    _line_at(data, exc.start)) from None


# UTF-32 first: its little-endian mark starts with UTF-16's
_OTHER_BOMS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"),
               (b"\xff\xfe", "UTF-16"), (b"\xfe\xff", "UTF-16"))


def _line_at(data: bytes, offset: int) -> int:
    """The line of byte ``offset``: line ends are LF, CRLF or a lone CR, as everywhere (tokens.LINE_END)."""
    head = data[:offset]
    return head.count(b"\n") + head.count(b"\r") - head.count(b"\r\n") + 1


def same_path(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Do ``a`` and ``b`` name the same file?  :func:`os.path.samefile` when both exist, else
    their real paths (symlinks resolved, as a write through either would resolve them), so an
    output not written yet is still caught when it would land on an input."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def overwrites(target: str | os.PathLike, other: str | os.PathLike) -> bool:
    """Would writing ``target`` replace the file ``other``?  :func:`same_path`, except that a
    target written into rather than replaced (:func:`writes_through`: ``/dev/null``, a pipe)
    loses nothing of what was there."""
    return same_path(target, other) and not writes_through(target)


def write_problem(path: str | os.PathLike) -> str | None:
    """Why writing ``path`` with :func:`write_bytes_atomic` is bound to fail (one phrase), or
    None when it may well succeed: a check made before any of several files is written, so
    that a doomed one stops the command before the others exist.  It cannot foresee every
    failure (a full disk); the write itself still reports those."""
    path = os.fspath(path)
    if os.path.isdir(path):
        return "is a directory"
    if writes_through(path):
        return None if os.access(path, os.W_OK) else "permission denied"
    real = os.path.realpath(path)
    folder = os.path.dirname(real) or "."
    shown = os.path.dirname(path) or "."
    if not os.path.exists(folder):
        return f"folder {shown} does not exist"
    if not os.path.isdir(folder):
        return f"{shown} is not a folder"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"permission denied (cannot create files in {shown})"
    return None


def encode_generated(text: str) -> bytes:
    """``text`` that this tool generated (a change log, a report, a manifest, a message) as
    UTF-8, each lone surrogate written as its escape ``\\udce9``.  Such a surrogate can only
    come from a file name that is not valid UTF-8 (Python decodes those with
    ``surrogateescape``): in a JSON string the escape reads back as the same name, and in a
    line of text it shows the name.  Never for a document's text: see :func:`write_atomic`."""
    return text.encode("utf-8", "backslashreplace")


def write_atomic(path: str | os.PathLike, text: str, *, mode: int | None = None,
                 like: str | os.PathLike | None = None, generated: bool = False) -> None:
    """Replace ``path`` with ``text`` encoded as UTF-8, atomically.

    A document's text is encoded strictly (a lone surrogate in it is a UnicodeEncodeError,
    never written as something else); ``generated`` text (logs, reports) through
    :func:`encode_generated`, so a file name that is not valid UTF-8 in it is kept.

    The permission bits of an existing target are kept (``mode`` overrides them),
    and so are its owner and group where we may set them (root may; anyone may set
    a group they belong to): the replacement is a new file, made by whoever runs us,
    so without this an in-place rewrite as root would hand the file to root.  A new
    file gets the usual ``0o666 & ~umask``; with ``like``, it takes the bits and the
    owner of that file instead (a backup copy is as private as its original).  A symlink is followed, so the
    file it points to is replaced and the link stays.  On any failure the
    temporary file is removed and the target is left as it was.  A device or named
    pipe is written into instead (see :func:`write_bytes_atomic`).  Hard links to the
    target are not updated: they keep the old contents.
    """
    data = encode_generated(text) if generated else text.encode("utf-8")
    write_bytes_atomic(path, data, mode=mode, like=like)


def write_bytes_atomic(path: str | os.PathLike, data: bytes, *, mode: int | None = None,
                       like: str | os.PathLike | None = None) -> None:
    """Replace the regular file ``path`` with ``data`` atomically, or write into a special file.

    A regular file (or a path that does not exist yet) is replaced through a temporary
    file in its folder and ``os.replace``, as :func:`write_atomic` describes.  A target
    that exists and is not a regular file once symlinks are followed (a character or
    block device such as ``/dev/null``, a named pipe, ``/dev/stdout`` or ``/dev/fd/N``
    when standard output is a pipe, as in ``-o >(gzip > x.gz)``) is opened for writing
    and written straight into: a rename would put a regular file in the device's or
    pipe's place (and the pipe's reader would never get the data), and the temporary
    file of ``/dev/stdout`` would land in ``/proc``.  ``mode`` does not apply to it.
    """
    path = os.fspath(path)
    if writes_through(path):
        _write_into(path, data)
        return
    if os.path.islink(path):
        path = os.path.realpath(path)
    try:
        model = os.stat(like if like is not None else path)  # whose bits and owner the file gets
    except FileNotFoundError:
        model = None
    if mode is None:
        mode = stat.S_IMODE(model.st_mode) if model is not None else 0o666 & ~_umask()
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
            if model is not None:
                _keep_owner(f.fileno(), model)  # before chmod: a chown may clear set-id bits
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _keep_owner(fd: int, model: os.stat_result) -> None:
    """Give the open file ``fd`` the owner and group of ``model``, as far as we are allowed:
    root may set both; others may set a group they belong to; otherwise it stays ours."""
    if not hasattr(os, "fchown"):
        return
    mine = os.fstat(fd)
    if (mine.st_uid, mine.st_gid) == (model.st_uid, model.st_gid):
        return
    try:
        os.fchown(fd, model.st_uid, model.st_gid)
    except PermissionError:
        try:
            os.fchown(fd, -1, model.st_gid)
        except PermissionError:
            pass


def writes_through(path: str | os.PathLike) -> bool:
    """Does :func:`write_bytes_atomic` write straight into ``path`` rather than replace it?  True
    for an existing file that is neither a regular file nor a folder, symlinks followed
    (devices, named pipes, sockets, ``/dev/stdout`` on a pipe)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(st.st_mode) or stat.S_ISDIR(st.st_mode))


def open_through(path: str) -> BinaryIO:
    """A special file (:func:`writes_through`) opened to be written into.  O_WRONLY without
    O_CREAT: should it vanish after the check, this fails rather than create a regular file in
    its place.  (No fsync on it later: a pipe or tty refuses one.)"""
    return os.fdopen(os.open(path, os.O_WRONLY | getattr(os, "O_NOCTTY", 0)), "wb")


def _write_into(path: str, data: bytes) -> None:
    with open_through(path) as f:
        f.write(data)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_stdout(text: str, *, generated: bool = False) -> None:
    """Write ``text`` to standard output as exact UTF-8 bytes (CR, LF and BOM untouched):
    strictly for a document, through :func:`encode_generated` for ``generated`` text (a
    report, a log, a diff, whose file names may not be valid UTF-8)."""
    if not text:
        return
    sys.stdout.flush()
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a text-only stream (some test harnesses): best effort
        sys.stdout.write(encode_generated(text).decode("utf-8") if generated else text)
        sys.stdout.flush()
        return
    buffer.write(encode_generated(text) if generated else text.encode("utf-8"))
    buffer.flush()
