"""`python -m tooling.soak`: a soak run (see tooling.soak.run)."""

import sys

from tooling.soak.run import main

sys.exit(main())
