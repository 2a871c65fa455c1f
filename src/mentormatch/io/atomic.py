"""Writing files all or nothing: the one way mentormatch writes a whole file.

:func:`write_bytes_atomic` writes to a temporary file in the target folder, flushes it to disk and renames it over
the target, so a failed write never leaves a half-written file or touches an existing one;
:func:`write_text_atomic` (UTF-8 text) and :func:`write_csv_atomic` (CSV) build on it. Rosters, matches files, the
HTML report (:mod:`mentormatch.report`) and the benchmark harness's charts and machine sidecar are written through
them; the benchmark results file, appended one whole row at a time, is the one data file written otherwise.
"""

from __future__ import annotations

import contextlib
import csv
import io as _stdio
import os
import tempfile
from collections.abc import Iterable, Sequence

from mentormatch.io._paths import PathLike, _as_str


def write_text_atomic(path: PathLike, text: str) -> None:
    """Write UTF-8 text to ``path`` all or nothing (see :func:`write_bytes_atomic`); line endings as given.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.txt"
    >>> write_text_atomic(target, "a\\nb\\n")
    >>> target.read_text()
    'a\\nb\\n'
    """
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` all or nothing.

    The bytes go to a temporary file in the same folder, are flushed to disk (``fsync``) and then renamed over
    ``path`` (``os.replace``). If anything fails, the temporary file is removed and an existing file at ``path`` is
    left exactly as it was. A new file is readable by its owner only (it may hold special-category data); a
    replaced file keeps its permissions.

    Parameters
    ----------
    path : str or path-like
        The file to create or replace. Its folder must exist.
    data : bytes
        The whole content.

    Raises
    ------
    OSError
        If the folder does not exist, ``path`` is a folder, or the disk refuses the write.
    """
    target = os.path.abspath(_as_str(path))
    folder, name = os.path.split(target)
    fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
    replaced = False
    try:
        with open(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileNotFoundError):
            os.chmod(temp, os.stat(target).st_mode & 0o7777)
        os.replace(temp, target)
        replaced = True
    finally:
        if not replaced:  # any failure, even an interrupt: remove the temporary file, keep the old one
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
    _fsync_folder(folder)


def _fsync_folder(folder: str) -> None:
    """Make the rename durable where the platform allows it (POSIX); best effort."""
    if not hasattr(os, "O_DIRECTORY"):
        return
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_csv_atomic(path: PathLike, header: Sequence[str], rows: Iterable[Sequence[object]]) -> None:
    """Write a CSV file all or nothing: UTF-8 without BOM, ``\\n`` line endings, minimal quoting.

    Every row is formatted (``str()`` of each cell, ``None`` as an empty cell) before anything touches the disk,
    then the file is written with :func:`write_text_atomic`; an error in any row leaves an existing file untouched.

    Parameters
    ----------
    path : str or path-like
        The file to create or replace.
    header : sequence of str
        The column names.
    rows : iterable of sequences
        One sequence of cells per row.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "out.csv"
    >>> write_csv_atomic(target, ["id", "note"], [["m1", "a, b"], ["m2", None]])
    >>> target.read_text()
    'id,note\\nm1,"a, b"\\nm2,\\n'
    """
    buffer = _stdio.StringIO()
    writer = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    # With "\n" as line terminator the csv module does not quote a cell holding a lone "\r", which a reader
    # (and a spreadsheet) would take as a line break; rows with one are written with "\r\n" and then re-ended.
    with_cr = _stdio.StringIO()
    cr_writer = csv.writer(with_cr, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    for row in (header, *rows):
        cells = ["" if cell is None else str(cell) for cell in row]
        if any("\r" in cell for cell in cells):
            with_cr.seek(0)
            with_cr.truncate()
            cr_writer.writerow(cells)
            buffer.write(with_cr.getvalue()[:-2] + "\n")
        else:
            writer.writerow(cells)
    write_text_atomic(path, buffer.getvalue())
