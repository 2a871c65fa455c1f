"""Words that the diagnosis (``shortages.py``) and the relaxation sets (``relax.py``) both say about mentees."""

from __future__ import annotations


def mentee_word(k: int) -> str:
    """ "mentee" or "mentees", for ``k`` of them."""
    return "mentee" if k == 1 else "mentees"


def all_mentees(k: int) -> str:
    """ "all 30 mentees", "the 1 mentee"."""
    return "the 1 mentee" if k == 1 else f"all {k} mentees"
