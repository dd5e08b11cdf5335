"""The detection service: `visage.detection.v1.DetectionService` over mTLS; `python -m services.detection`."""
