"""Where the shipped tables live, and opening them once, lazily.

Nothing here runs at import: each table is opened on first use and cached for
the life of the process. A wheel carries the tables as ``repair/lexicons``; a
source checkout (or an editable install) reads the top-level ``lexicons/``.
"""
from __future__ import annotations

import functools
import zipfile
from pathlib import Path

import numpy as np

__all__ = ["lexicon_dir", "load_npz", "load_lines", "map_npz", "MissingDataError"]


class MissingDataError(RuntimeError):
    """A shipped table is missing: the installation is broken."""


@functools.lru_cache(maxsize=1)
def lexicon_dir() -> Path:
    here = Path(__file__).resolve().parent
    for cand in (here / "lexicons", here.parent / "lexicons"):
        if (cand / "terms.txt").is_file():
            return cand
    raise MissingDataError(f"repair's tables are missing (looked in {here / 'lexicons'} and "
                           f"{here.parent / 'lexicons'}); reinstall the package")


def load_npz(name: str) -> dict[str, np.ndarray]:
    path = lexicon_dir() / name
    try:
        with zipfile.ZipFile(path) as zf:
            return {n[:-4]: np.load(zf.open(n), allow_pickle=False) for n in zf.namelist()}
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise MissingDataError(f"cannot read table {path}: {exc}") from None


def map_npz(name: str) -> dict[str, np.ndarray]:
    """The arrays of a table, memory-mapped read-only where the archive stores them uncompressed
    (as the shipped tables are): nothing is read until used, and no copy is made. Falls back to
    :func:`load_npz` for a compressed archive.

    A table must be replaced by writing a new file and renaming it over the old one (as
    scripts/build_ngrams.py does), never rewritten in place, while an engine has it mapped."""
    path = lexicon_dir() / name
    out: dict[str, np.ndarray] = {}
    try:
        with zipfile.ZipFile(path) as zf, open(path, "rb") as f:
            for info in zf.infolist():
                if info.compress_type != zipfile.ZIP_STORED or not info.filename.endswith(".npy"):
                    return load_npz(name)
                f.seek(info.header_offset)
                local = f.read(30)  # the local file header: name and extra field lengths at 26 and 28
                if local[:4] != b"PK\x03\x04":
                    return load_npz(name)
                f.seek(info.header_offset + 30 + int.from_bytes(local[26:28], "little")
                       + int.from_bytes(local[28:30], "little"))
                version = np.lib.format.read_magic(f)
                if version == (1, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
                elif version == (2, 0):
                    shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
                else:
                    return load_npz(name)
                if dtype.hasobject:
                    return load_npz(name)
                mapped = np.memmap(path, dtype=dtype, mode="r", offset=f.tell(), shape=shape,
                                   order="F" if fortran else "C")
                out[info.filename[:-4]] = mapped.view(np.ndarray)  # plain arrays: cheaper to slice
    except (OSError, zipfile.BadZipFile, ValueError) as exc:
        raise MissingDataError(f"cannot read table {path}: {exc}") from None
    return out


def load_lines(name: str) -> list[str]:
    path = lexicon_dir() / name
    try:
        return path.read_text(encoding="utf-8").split("\n")[:-1]
    except OSError as exc:
        raise MissingDataError(f"cannot read table {path}: {exc}") from None
