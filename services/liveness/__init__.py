"""The liveness service: `visage.liveness.v1.LivenessService` over mTLS (`python -m services.liveness`)."""
