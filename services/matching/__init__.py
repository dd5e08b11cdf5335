"""The matching service: `visage.matching.v1.MatchingService` over mTLS (`python -m services.matching`)."""
