"""`python -m services.identification [probe]`: configured only by its environment (see settings.py)."""

from __future__ import annotations

import sys

from services.common.lifecycle import main
from services.identification.service import SERVICE

if __name__ == "__main__":
    sys.exit(main(SERVICE))
