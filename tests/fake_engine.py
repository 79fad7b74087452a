"""A stand-in engine for CLI tests: predictable edits, independent of the real tables.

* every word "company" -> "agency" (confidence 0.9, rule fake.spin)
* every word "big" -> "large" (confidence 0.3, rule fake.weak: below the default threshold)
* every word "boom" raises RuntimeError (to exercise the internal-error path)
"""
from __future__ import annotations

import re

from repair.changes import Candidate, Change

RULES = {"company": ("agency", 0.9, "fake.spin"), "big": ("large", 0.3, "fake.weak")}
_WORD = re.compile(r"\b(company|big|boom)\b")


def suggest(text, opts):
    changes = []
    for m in _WORD.finditer(text):
        if m.group() == "boom":
            raise RuntimeError("engine exploded")
        new, conf, rule = RULES[m.group()]
        changes.append(Change(m.start(), m.end(), m.group(), new, rule, conf,
                              (Candidate(new, conf), Candidate(m.group(), round(1 - conf, 4))),
                              f"{m.group()} looks spun"))
    # a spin score under the document gate's (pipeline.SPUN_SCORE): the default threshold holds
    return changes, (0.04 if changes else 0.0)


def install():
    import repair.pipeline

    repair.pipeline._suggest = suggest
