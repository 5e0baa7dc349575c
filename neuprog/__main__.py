"""`python -m neuprog` runs the command line."""

import sys

from neuprog.app.cli import main

sys.exit(main())
