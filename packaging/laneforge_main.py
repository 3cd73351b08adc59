"""Entry point of the PyInstaller bundle: the same ``laneforge`` command as the wheel's.

Kept outside ``src/`` so the bundle's start-up quirks stay in ``packaging/``:
``freeze_support`` lets ``--jobs N`` worker processes start from the frozen executable
(PyInstaller's runtime hook makes it work for every start method).
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from laneforge.cli import main

    sys.exit(main())
