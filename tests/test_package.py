"""The package itself: ``import mentormatch`` stays lean (every public name loads on first use), the command
line's start-up loads no solver back-end, and the public names, the version and the functions that share their
module's name behave as they always have."""

from __future__ import annotations

import importlib
import inspect
import json
import subprocess
import sys
from importlib import metadata

import pytest

import mentormatch

HEAVY = ("pandas", "scipy", "ortools", "matplotlib", "distributed", "mentormatch.bench", "mentormatch.match")


def _loaded_after(statement: str) -> list[str]:
    """Which of HEAVY a fresh interpreter has loaded after running ``statement``."""
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    return json.loads(out.stdout.splitlines()[-1])


def test_import_mentormatch_loads_no_heavy_module() -> None:
    assert _loaded_after("import mentormatch") == []


def test_the_command_line_starts_without_pandas_scipy_or_ortools() -> None:
    assert _loaded_after("import mentormatch.cli") == []


def test_every_public_name_loads_and_the_lazy_ones_are_the_modules_own() -> None:
    for name in mentormatch.__all__:
        assert getattr(mentormatch, name) is not None, name
    assert mentormatch.benchmark is importlib.import_module("mentormatch.bench.grid").benchmark
    assert set(mentormatch.__all__) <= set(dir(mentormatch))
    with pytest.raises(AttributeError, match="has no attribute 'nothing_here'"):
        mentormatch.nothing_here  # noqa: B018


def test_functions_that_share_their_module_name_stay_functions() -> None:
    for name in ("assign", "diagnose", "explain"):
        module = importlib.import_module(f"mentormatch.{name}")
        assert inspect.ismodule(module)
        assert inspect.isfunction(getattr(mentormatch, name)), name
        assert getattr(mentormatch, name) is getattr(module, name)


def test_the_version_is_the_installed_packages() -> None:
    assert mentormatch.__version__ == metadata.version("mentormatch")
