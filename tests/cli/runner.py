"""Running the command line in tests: ``run`` (the real typer app in-process, typer's ``CliRunner``) for almost
every test, ``run_process`` (``python -m mentormatch``) for the few things only a real process shows."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SMALL = ROOT / "data" / "synthetic" / "small"
MEDIUM = ROOT / "data" / "synthetic" / "medium"
COACHES = ROOT / "data" / "synthetic" / "coaches"


def run_process(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m mentormatch ARGS`` as a real process."""
    env = {k: v for k, v in os.environ.items() if k != "MENTORMATCH_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "mentormatch", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd or ROOT,
        env=env,
        timeout=300,
    )


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """The real typer app in-process (CliRunner), answered like a process: return code, stdout, stderr.

    An exception that escapes the app (a bug) fails the test here rather than showing as exit code 1.
    """
    from typer.testing import CliRunner

    from mentormatch.cli import app

    before = os.getcwd()
    os.chdir(cwd or ROOT)
    try:
        result = CliRunner().invoke(app, [str(a) for a in args])
    finally:
        os.chdir(before)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)
