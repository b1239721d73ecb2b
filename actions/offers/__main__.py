"""python -m actions.offers: see ``actions/offers/cli.py``."""

import sys

from actions.offers.cli import main

if __name__ == "__main__":
    sys.exit(main())
