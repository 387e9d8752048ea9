"""``python -m atomtrig.pipeline ...`` runs the ``atomtrig pipeline`` command."""

import sys

from atomtrig.pipeline.cli import main

if __name__ == "__main__":
    sys.exit(main())
