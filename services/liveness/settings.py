"""The liveness service's one settings object: section `[liveness]`, variables `VISAGE_LIVENESS_*`.

- `VISAGE_LIVENESS_STORES__DATA_DIR`: embedded stores (`liveness.db`, `objects/`) and the generated secret
  (default `.visage`); `..._STORES__DATABASE_URL`, `..._STORES__OBJECTS_URL`, ...: see libs/stores/factory.py
  (database name "liveness"; objects under the key prefix `media.root`).
- `VISAGE_LIVENESS_SECRET_KEY`: the server secret the per-transaction keys derive from. Set it in production,
  the same value on every replica; absent, it is generated once into `<data_dir>/liveness.secret` (0600).
- `VISAGE_LIVENESS_CAPTURE__TTL_SECONDS`, `__MAX_FRAMES`, ...: the capture protocol's limits.
- `VISAGE_LIVENESS_DECISION__REAL_THRESHOLD`, `__MIN_FRAMES`, ...: the decision's thresholds.
- `VISAGE_LIVENESS_MEDIA__PUBLIC_BASE_URL`, `__EXPOSE_VIDEO`, ...: media layout and links.
- `VISAGE_LIVENESS_HOUSEKEEPING__KEEP_FOR_SECONDS`, ...: the expiry and retention job.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import SettingsConfigDict

from libs.liveness.decision import DecisionThresholds
from libs.liveness.frames import FrameLimits
from libs.liveness.policy import MIB, LivenessPolicy
from libs.observability.metrics import MetricsSettings
from libs.rpc import ServerSettings, TLSFiles
from libs.stores.factory import StoreSettings
from services.common.settings import DEV_CERTS_DIR, ModelServiceSettings

# The defaults are the policy's own (libs/liveness): written there once.
_POLICY = LivenessPolicy()
_FRAMES, _THRESHOLDS = _POLICY.frame_limits, _POLICY.thresholds


class CaptureSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    ttl_seconds: int = Field(default=_POLICY.ttl_seconds, ge=5, le=3600)
    max_frames: int = Field(default=_POLICY.max_frames, ge=1, le=200)
    max_frame_bytes: int = Field(default=_POLICY.max_frame_bytes, gt=0, le=64 * MIB)
    max_frame_pixels: int = Field(default=_POLICY.max_frame_pixels, gt=0)
    max_video_bytes: int = Field(default=_POLICY.max_video_bytes, ge=0, le=64 * MIB)
    max_metadata_bytes: int = Field(default=_POLICY.max_metadata_bytes, gt=0)
    challenge_min_steps: int = Field(default=_POLICY.challenge_min_steps, ge=1, le=10)
    challenge_max_steps: int = Field(default=_POLICY.challenge_max_steps, ge=1, le=10)


class DecisionSettings(BaseModel):
    """Thresholds; their calibration is in libs/liveness/README.md."""

    model_config = ConfigDict(frozen=True)

    min_frames: int = Field(default=_THRESHOLDS.min_frames, ge=1)
    min_eye_distance: float = Field(default=_FRAMES.min_eye_distance, gt=0)
    max_blur: float = Field(default=_FRAMES.max_blur, gt=0, le=1)
    same_person_cosine: float = Field(default=_THRESHOLDS.same_person_cosine, ge=-1, le=1)
    turn_degrees: float = Field(default=_THRESHOLDS.turn_degrees, gt=0, lt=90)
    real_threshold: float = Field(default=_THRESHOLDS.real_threshold, ge=0, le=1)
    passive_frames: int = Field(default=_THRESHOLDS.passive_frames, ge=1)
    min_plane_misfit: float = Field(default=_THRESHOLDS.min_plane_misfit, ge=0)  # 0: no depth check


class MediaSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    root: str = _POLICY.media_root  # key prefix of the session layout
    keep_frames: bool = _POLICY.keep_frames
    public_base_url: str = _POLICY.public_base_url  # "" = links relative to the API host
    expose_portrait: bool = _POLICY.expose_portrait
    expose_video: bool = _POLICY.expose_video


class HousekeepingSettings(BaseModel):
    """Regula's `houseKeeper`: `beatCadence` 10 s; liveness `keepFor` 31536000 s (a year)."""

    model_config = ConfigDict(frozen=True)

    interval_seconds: float = Field(default=10.0, gt=0)
    keep_for_seconds: int = Field(default=31_536_000, ge=0)  # 0 = keep forever
    stuck_after_seconds: int = Field(default=600, gt=0)
    orphan_sweep_seconds: float = Field(default=3600.0, gt=0)


class LivenessSettings(ModelServiceSettings):
    section: ClassVar[str] = "liveness"
    model_config = SettingsConfigDict(env_prefix="VISAGE_LIVENESS_")

    server: ServerSettings = ServerSettings(port=50053)
    metrics: MetricsSettings = MetricsSettings(port=51053)
    tls: TLSFiles = TLSFiles.in_directory(DEV_CERTS_DIR, "liveness")
    stores: StoreSettings = Field(default_factory=StoreSettings)
    secret_key: SecretStr | None = None
    capture: CaptureSettings = CaptureSettings()
    decision: DecisionSettings = DecisionSettings()
    media: MediaSettings = MediaSettings()
    housekeeping: HousekeepingSettings = HousekeepingSettings()

    @property
    def secret_file(self) -> Path:
        return self.stores.data_dir / "liveness.secret"

    def policy(self) -> LivenessPolicy:
        capture, decision, media = self.capture, self.decision, self.media
        return LivenessPolicy(
            ttl_seconds=capture.ttl_seconds,
            max_frames=capture.max_frames,
            max_frame_bytes=capture.max_frame_bytes,
            max_frame_pixels=capture.max_frame_pixels,
            max_video_bytes=capture.max_video_bytes,
            max_metadata_bytes=capture.max_metadata_bytes,
            challenge_min_steps=capture.challenge_min_steps,
            challenge_max_steps=max(capture.challenge_min_steps, capture.challenge_max_steps),
            media_root=media.root,
            keep_frames=media.keep_frames,
            public_base_url=media.public_base_url,
            expose_portrait=media.expose_portrait,
            expose_video=media.expose_video,
            frame_limits=FrameLimits(decision.min_eye_distance, decision.max_blur),
            thresholds=DecisionThresholds(
                min_frames=decision.min_frames,
                same_person_cosine=decision.same_person_cosine,
                turn_degrees=decision.turn_degrees,
                real_threshold=decision.real_threshold,
                passive_frames=decision.passive_frames,
                min_plane_misfit=decision.min_plane_misfit,
            ),
        )
