"""``python -m laneforge`` is the ``laneforge`` command."""

from .cli import main

if __name__ == "__main__":  # not when a worker process (spawn, forkserver) re-imports it
    raise SystemExit(main())
