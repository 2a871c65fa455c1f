"""``python -m mentormatch`` is the ``mentormatch`` command."""

from .cli import main

main()
