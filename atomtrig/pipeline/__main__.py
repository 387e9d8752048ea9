"""``python -m atomtrig.pipeline ...`` runs the ``atomtrig pipeline`` command."""

import sys

from atomtrig.cli import main

if __name__ == "__main__":
    sys.exit(main(["pipeline", *sys.argv[1:]]))
