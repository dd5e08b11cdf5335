"""`python -m services.detection`: configured only by its environment (see services/common/settings.py)."""

from __future__ import annotations

import sys

from services.common.main import run_process
from services.detection.servicer import create_detection_server
from services.detection.settings import DetectionSettings


def main() -> int:
    return run_process(DetectionSettings(), create_detection_server)


if __name__ == "__main__":
    sys.exit(main())
