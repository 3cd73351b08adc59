"""``python -m laneforge`` is the ``laneforge`` command."""

import sys

if __name__ == "__main__":  # not when a worker process (spawn, forkserver) re-imports it
    try:  # Ctrl+C while the program is still loading is the same one line as later
        from .cli import main
    except KeyboardInterrupt:
        print("laneforge: interrupted", file=sys.stderr)
        raise SystemExit(130) from None
    raise SystemExit(main())
