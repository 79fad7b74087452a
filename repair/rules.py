"""Choosing rules by id or prefix, as ruff's ``--select``/``--ignore`` do.

Rule ids are dotted (``artifact.duplicate-line``, ``spin.lexicon``); a selector names one id,
or every id under a prefix (``artifact``), or ``all``.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["choose"]


def choose(defaults: Mapping[str, bool], select: Iterable[str] | str | None = None,
           ignore: Iterable[str] | str | None = None, noun: str = "rule") -> frozenset[str]:
    """The ids of ``defaults`` (id -> on by default) that ``select`` picks (None: those on by
    default) and ``ignore`` does not. A selector that names no id is a ValueError naming it
    as an unknown ``noun``."""
    def matching(selector: str) -> set[str]:
        sel = selector.strip()
        ids = {rid for rid in defaults if sel.lower() == "all" or rid == sel or rid.startswith(sel + ".")}
        if not ids:
            raise ValueError(f"unknown {noun} {sel!r}")
        return ids

    def each(selectors: Iterable[str] | str) -> list[str]:
        return [selectors] if isinstance(selectors, str) else list(selectors)

    chosen = set().union(*map(matching, each(select))) if select is not None else \
        {rid for rid, on in defaults.items() if on}
    return frozenset(chosen - set().union(*map(matching, each(ignore or ()))))
