"""python -m web.accounts: see ``web/accounts/cli.py``."""

import sys

from web.accounts.cli import main

if __name__ == "__main__":
    sys.exit(main())
