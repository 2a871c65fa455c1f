"""Package attributes loaded on first use (PEP 562), for the packages whose ``__init__`` only maps names to modules
(``mentormatch``, ``mentormatch.bench``, ``mentormatch.synthetic``): importing the package loads none of them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(
    package: str, home: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``: a name of ``home`` ({name: submodule}) is imported from
    ``package.<submodule>`` when first read and kept in ``namespace`` (the package's globals) from then on.

    >>> getattr_, dir_ = lazy_attributes("mentormatch", {"Status": "problem"}, {})
    >>> getattr_("Status").OPTIMAL.value, "Status" in dir_()
    ('optimal', True)
    """

    def __getattr__(name: str) -> Any:
        where = home.get(name)
        if where is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{where}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *home})

    return __getattr__, __dir__
