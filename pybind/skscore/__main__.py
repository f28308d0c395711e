"""``python -m skscore``: the ``skscore`` command (cli.py), for environments
whose scripts directory is not on PATH."""

import sys

from .cli import main

sys.exit(main())
