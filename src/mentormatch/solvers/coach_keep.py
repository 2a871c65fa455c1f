"""The earlier home of the coach tie-break: :func:`keep_coaches` now lives in
:mod:`mentormatch.solvers.coaches.keep` (and is exported by :mod:`mentormatch.solvers.coaches`)."""

from __future__ import annotations

from mentormatch.solvers.coaches.keep import keep_coaches

__all__ = ["keep_coaches"]
