"""The three real processes of the suite, for what only a process shows: the README's quick start as a user runs it
(the installed console script), the exit code and words of a crash (the process's own excepthook), and a month fed
back into the next as files on disk."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

from mentormatch.result import OUTPUT_COLUMNS

from .runner import ROOT, SMALL, run_process

NEXT_MONTH = ROOT / "data" / "synthetic" / "next-month"


def test_readme_quick_start_through_the_console_script(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    assert "mentormatch solve data/synthetic/small -o matches.csv" in readme
    exe = shutil.which("mentormatch")
    assert exe is not None, "the console script is not installed (pip install -e .)"
    proc = subprocess.run(
        [exe, "solve", "data/synthetic/small", "-o", str(tmp_path / "matches.csv")],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    with open(tmp_path / "matches.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert tuple(rows[0]) == OUTPUT_COLUMNS
    assert len(rows) == 1 + len((SMALL / "mentees.csv").read_text().strip().splitlines()) - 1
    assert "status: optimal" in proc.stdout


def test_crash_is_exit_1_without_locals(tmp_path: Path) -> None:
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "mentees.csv").write_text("id,age,gender,languages,extremism_type\nA1,25,male,english,far_right\n")
    (folder / "mentors.csv").write_text("id,age,gender,languages\nB1,40,male,english\n")
    code = (
        "import sys, mentormatch.match as m\n"
        "def boom(*a, **k):\n    secret = 'islamist-profile'\n    raise KeyError(secret)\n"
        "m.solve = boom\n"
        "from mentormatch.cli import main\n"
        f"sys.argv = ['mentormatch', 'solve', {str(folder)!r}, '-o', {str(tmp_path / 'm.csv')!r}]\n"
        "main()\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "internal error: KeyError" in proc.stderr
    assert "islamist-profile" not in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "m.csv").exists()


def test_feeding_last_months_file_back_keeps_every_pair(tmp_path: Path) -> None:
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    for out, extra in ((first, ()), (second, ("--current", first))):
        proc = run_process("solve", NEXT_MONTH, "-o", out, "-q", "--no-price", *extra)
        assert proc.returncode == 0, proc.stderr
        assert "Traceback" not in proc.stderr
    rows = [line.split(",")[:2] for line in first.read_text().splitlines()[1:]]
    again = [line.split(",")[:2] for line in second.read_text().splitlines()[1:]]
    assert rows == again
    changes = {line.rsplit(",", 3)[-2] for line in second.read_text().splitlines()[1:]}
    assert changes <= {"kept", "locked", ""}
