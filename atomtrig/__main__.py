"""``python -m atomtrig ...`` runs the ``atomtrig`` command."""

import sys

from atomtrig.cli import main

if __name__ == "__main__":
    sys.exit(main())
