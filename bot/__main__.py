"""`python -m bot`: the same as `sourcecheck run` (an entry point, not part of the core)."""

import sys

from adapters.cli import main

sys.exit(main(["run", *sys.argv[1:]]))
