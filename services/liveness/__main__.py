"""`python -m services.liveness [probe]`: configured only by its environment (see settings.py)."""

from __future__ import annotations

import sys

from services.common.lifecycle import main
from services.liveness.service import SERVICE

if __name__ == "__main__":
    sys.exit(main(SERVICE))
