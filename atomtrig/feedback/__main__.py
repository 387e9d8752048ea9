"""``python -m atomtrig.feedback ...`` runs the ``atomtrig feedback`` command."""

import sys

from atomtrig.cli import main

if __name__ == "__main__":
    sys.exit(main(["feedback", *sys.argv[1:]]))
