"""Excel workbooks (the optional ``excel`` extra, openpyxl): roster files read as text, the matches file written.

Every cell is read as the text Excel shows for it, so that a workbook reads exactly like the CSV file Excel would
save from it: text stays as typed (``007`` stays ``007``), a whole number stored as a float (``24.0``) is ``24``,
other numbers are written in their shortest round-trip form, a date is ``YYYY-MM-DD`` (with the time when it has
one), ``TRUE`` / ``FALSE`` are ``true`` / ``false``, an empty cell is empty, and a formula gives the value Excel
saved with it. Rows are numbered as Excel numbers them (row 1 first), so every problem names the row a coordinator
sees in Excel.
"""

from __future__ import annotations

import datetime
import io
import math
import zipfile
from collections.abc import Iterable, Iterator, Sequence

from mentormatch.io.tables import _ProblemLog, _read_bytes

_MISSING_EXTRA = (
    "reading an Excel workbook needs the excel extra: pip install 'mentormatch[excel]' (or save the sheet as CSV UTF-8)"
)


def cell_text(value: object) -> str:
    """The text of one cell value as openpyxl gives it (see the module docstring).

    Examples
    --------
    >>> [cell_text(v) for v in ("007", 24.0, 2.5, 7, True, None, datetime.datetime(2026, 3, 1))]
    ['007', '24', '2.5', '7', 'true', '', '2026-03-01']
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isfinite(value) and value.is_integer() and abs(value) < 2**53:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def workbook_records(file: str, problems: _ProblemLog) -> Iterator[tuple[int, list[str]]] | None:
    """The first sheet's rows as ``(Excel row number, cell texts)``, or None after adding a file-level problem."""
    try:
        import openpyxl
    except ImportError:
        problems.add(file, None, None, None, _MISSING_EXTRA)
        return None
    from openpyxl.utils.exceptions import InvalidFileException

    data = _read_bytes(file, problems)
    if data is None:
        return None
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=False, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ValueError):
        # not a zip at all, or a zip without a workbook's parts, or parts openpyxl cannot parse
        problems.add(
            file, None, None, None, "cannot be read as an Excel workbook: save it from Excel as .xlsx, or as CSV UTF-8"
        )
        return None
    sheet = book.worksheets[0]
    rows = [
        (number, [cell_text(value) for value in row])
        for number, row in enumerate(sheet.iter_rows(min_row=1, values_only=True), start=1)
    ]
    book.close()
    for _, cells in rows:  # trailing empty cells (a column formatted further right) are no cells at all
        while cells and cells[-1] == "":
            cells.pop()
    return iter(rows)


def workbook_bytes(header: Sequence[str], rows: Iterable[Sequence[object]], *, sheet: str) -> bytes:
    """One sheet named ``sheet`` holding ``header`` and ``rows`` as an ``.xlsx`` file's bytes.

    Text is written as text, never as a formula (a cell beginning with ``=`` stays the text it is); numbers as
    numbers, so that a spreadsheet sorts and sums them; ``None`` and ``""`` as empty cells. Raises ImportError
    naming the ``excel`` extra when openpyxl is missing.
    """
    try:
        import openpyxl
        from openpyxl.cell import WriteOnlyCell
    except ImportError:
        raise ImportError(_MISSING_EXTRA.replace("reading", "writing")) from None
    book = openpyxl.Workbook(write_only=True)
    page = book.create_sheet(sheet)

    def cell(value: object) -> object:
        if value is None or value == "":
            return None
        if isinstance(value, str):
            text = WriteOnlyCell(page, value=value)
            text.data_type = "s"  # openpyxl would take a leading "=" as a formula
            return text
        return value

    page.append([cell(name) for name in header])
    for row in rows:
        page.append([cell(value) for value in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
