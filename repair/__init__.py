"""repair: restore text damaged by article spinners, scraping and translation.

Public API (nothing heavy is loaded at import; tables open on first use)::

    import repair
    result = repair.fix_and_explain(text)      # .text, .changes
    repair.check(text)                         # list of Change
    repair.apply_changes(text, changes) == result.text
    repair.revert_changes(result.text, changes) == text
"""
from .changes import Candidate, Change, ChangeError, apply_changes, revert_changes
from .pipeline import Options, Result, check, fix, fix_and_explain

__version__ = "0.1.0"
__all__ = ["Candidate", "Change", "ChangeError", "Options", "Result", "apply_changes",
           "revert_changes", "check", "fix", "fix_and_explain", "__version__"]
