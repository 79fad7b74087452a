from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))

import repair  # noqa: E402

import fake_engine  # noqa: E402

PACKAGE_ROOT = Path(repair.__file__).resolve().parent.parent


@pytest.fixture
def fake_engine_installed(monkeypatch):
    """Replace the engine with tests/fake_engine.py for this test."""
    import repair.pipeline

    monkeypatch.setattr(repair.pipeline, "_suggest", fake_engine.suggest)
    return fake_engine


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_ROOT), str(TESTS)] +
                                        ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env.pop("REPAIR_DEBUG", None)
    return env


# The real engine and the heavy libraries behind it: with run_module(..., no_engine=True) none
# of them can be imported, so a command that loads the engine fails (an internal error, exit 3).
ENGINE_MODULES = ("repair.spin", "repair.lm", "repair.candidates", "repair.decide", "repair.data",
                  "numpy", "wordfreq", "lemminflect", "symspellpy")


def run_module(*args, input: bytes = b"", fake: bool = False, no_engine: bool = False,
               cwd=None) -> subprocess.CompletedProcess:
    """Run ``python -m repair ARGS`` (or the CLI with the fake engine, or with the engine's modules
    made unimportable: ``no_engine``) in a subprocess; bytes out."""
    if fake:
        cmd = [sys.executable, "-c",
               "import fake_engine; fake_engine.install(); from repair.cli import main; main()", *args]
    elif no_engine:
        cmd = [sys.executable, "-c",
               f"import sys; sys.modules.update(dict.fromkeys({ENGINE_MODULES!r})); "
               "from repair.cli import main; main()", *args]
    else:
        cmd = [sys.executable, "-m", "repair", *args]
    return subprocess.run(cmd, input=input, capture_output=True, env=_env(), cwd=cwd, timeout=120)
