"""`python -m services.matching`: configured only by its environment (see services/common/settings.py)."""

from __future__ import annotations

import sys

from services.common.main import run_process
from services.matching.servicer import create_matching_server
from services.matching.settings import MatchingSettings


def main() -> int:
    return run_process(MatchingSettings(), create_matching_server)


if __name__ == "__main__":
    sys.exit(main())
