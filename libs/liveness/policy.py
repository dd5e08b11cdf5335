"""Everything a deployment may tune about liveness transactions, as one plain frozen object.

`services/liveness/settings.py` builds it from the settings file and environment; tests build it directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from libs.liveness.decision import DecisionThresholds
from libs.liveness.frames import FrameLimits

MIB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class LivenessPolicy:
    ttl_seconds: int = 120  # submission window after start
    max_frames: int = 24
    max_frame_bytes: int = 4 * MIB
    max_frame_pixels: int = 12_000_000  # a 4000×3000 phone photo passes
    max_video_bytes: int = 16 * MIB
    max_metadata_bytes: int = 16 * 1024  # the client's metadata as JSON
    challenge_min_steps: int = 2
    challenge_max_steps: int = 3
    media_root: str = "liveness"  # object key prefix of every transaction's media
    keep_frames: bool = True  # store the submitted frames next to the portrait and video
    # Links in TransactionInfo: "" = relative to the API host; "https://face.example.com" = absolute ones.
    public_base_url: str = ""
    expose_portrait: bool = True  # portrait and frames links, and the media route for them
    expose_video: bool = True
    frame_limits: FrameLimits = field(default_factory=FrameLimits)
    thresholds: DecisionThresholds = field(default_factory=DecisionThresholds)

    @property
    def min_frames(self) -> int:
        return self.thresholds.min_frames
