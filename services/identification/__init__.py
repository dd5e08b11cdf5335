"""The identification service: `IdentificationService` over mTLS (`python -m services.identification`)."""
