"""`python -m services.liveness`: configured only by its environment (see services/liveness/settings.py)."""

from __future__ import annotations

import sys

from services.liveness.main import main

if __name__ == "__main__":
    sys.exit(main())
