"""The paths the io functions accept (``str`` or path-like), and their ``str`` form for messages and Roster.files."""

from __future__ import annotations

import os

PathLike = str | os.PathLike


def _as_str(path: PathLike) -> str:
    return os.fsdecode(os.fspath(path))
