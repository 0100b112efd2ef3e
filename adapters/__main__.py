"""`python -m adapters`: the same as the `sourcecheck` command (the composition root lives in
`adapters/`, so the core packages carry no entry point)."""

import sys

from adapters.cli import main

sys.exit(main(sys.argv[1:]))
