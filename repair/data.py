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

__all__ = ["lexicon_dir", "load_npz", "load_lines", "MissingDataError"]


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


def load_lines(name: str) -> list[str]:
    path = lexicon_dir() / name
    try:
        return path.read_text(encoding="utf-8").split("\n")[:-1]
    except OSError as exc:
        raise MissingDataError(f"cannot read table {path}: {exc}") from None
