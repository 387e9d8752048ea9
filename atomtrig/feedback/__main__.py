"""``python -m atomtrig.feedback ...`` runs the ``atomtrig feedback`` command."""

import sys

from atomtrig.feedback.cli import main

if __name__ == "__main__":
    sys.exit(main())
