"""The old home of a sweep's median table and charts, kept so that ``from mentormatch.bench_plot import ...`` works.

They live in :mod:`mentormatch.bench.plot` (the table and charts) and :mod:`mentormatch.bench.results`
(:func:`read_results`, :data:`REQUIRED_COLUMNS`); import them from :mod:`mentormatch.bench`.
"""

from mentormatch.bench.plot import FAILED, SUMMARY_COLUMNS, plot_results, summary_markdown, summary_table, summary_text
from mentormatch.bench.results import REQUIRED_COLUMNS, read_results

__all__ = [
    "FAILED",
    "REQUIRED_COLUMNS",
    "SUMMARY_COLUMNS",
    "plot_results",
    "read_results",
    "summary_markdown",
    "summary_table",
    "summary_text",
]
