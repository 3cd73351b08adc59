"""``python -m laneforge`` is the ``laneforge`` command."""

from .cli import main

raise SystemExit(main())
