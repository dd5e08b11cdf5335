"""The identification service's one settings object: section `[identification]`, `VISAGE_IDENTIFICATION_*`.

    VISAGE_IDENTIFICATION_STORES__...            where SQL, photos and vectors live (libs/stores/factory.py)
    VISAGE_IDENTIFICATION_MATCHING_TARGET        the matching service, "host:port" (descriptors come from it)
    VISAGE_IDENTIFICATION_LIVENESS_TARGET        the liveness service, "host:port", for match_and_search's
                                                 `livenessTransactionId` images (unset: refused, 503);
                                                 ..._LIVENESS_SERVER_NAME, ..._LIVENESS_TIMEOUT_SECONDS
    VISAGE_IDENTIFICATION_FETCH__...             limits of `imageUrl` downloads (libs/net/fetch.py)
    VISAGE_IDENTIFICATION_SEARCH_TARGET_FPIR     the default search threshold's target: false hits among
                                                 searches by people not enrolled (0.03), whatever the
                                                 gallery's size (libs/identification/threshold.py)
    VISAGE_IDENTIFICATION_SEARCH_THRESHOLD       instead, one maximum distance for every search
    VISAGE_IDENTIFICATION_RECONCILE_PERIOD_SECONDS, ..._ORPHAN_SCAN_PERIOD_SECONDS,
    ..._VECTOR_COMPACTION_PERIOD_SECONDS
plus the server and TLS variables every service has (services/common/settings.py). The service's own
certificate (`identification.pem`) is also its client certificate towards matching and liveness.
"""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from libs.identification import IdentificationConfig
from libs.net.fetch import FetchPolicy
from libs.observability.metrics import MetricsSettings
from libs.rpc import ServerSettings, TLSFiles
from libs.stores.factory import StoreSettings
from services.common.liveness_client import LivenessBackend
from services.common.settings import DEV_CERTS_DIR, ServiceSettings

_DEFAULTS = IdentificationConfig()


class IdentificationSettings(ServiceSettings, LivenessBackend):
    section: ClassVar[str] = "identification"
    model_config = SettingsConfigDict(env_prefix="VISAGE_IDENTIFICATION_")

    server: ServerSettings = ServerSettings(port=50054)
    metrics: MetricsSettings = MetricsSettings(port=51054)
    tls: TLSFiles = TLSFiles.in_directory(DEV_CERTS_DIR, "identification")
    stores: StoreSettings = Field(default_factory=StoreSettings)
    matching_target: str = "127.0.0.1:50052"
    # Checked against matching's certificate instead of the target's host (e.g. "matching.visage.svc").
    matching_server_name: str | None = None
    # Deadline of one ComputeDescriptors call.
    matching_timeout_seconds: float = Field(default=30.0, gt=0)
    # How long startup waits for matching to be SERVING before giving up (exit 1, the orchestrator retries).
    matching_startup_timeout_seconds: float = Field(default=180.0, gt=0)
    fetch: FetchPolicy = Field(default_factory=FetchPolicy)
    # Defaults and meaning: `IdentificationConfig` (libs/identification/context.py).
    # None: from the gallery's size for `search_target_fpir` (VISAGE_IDENTIFICATION_SEARCH_TARGET_FPIR);
    # a number: that distance for every search, whatever the gallery.
    search_threshold: float | None = Field(default=_DEFAULTS.default_threshold, ge=0, le=2)
    search_target_fpir: float = Field(default=_DEFAULTS.target_fpir, gt=0, le=0.5)
    gallery_size_cache_seconds: float = Field(default=_DEFAULTS.gallery_size_cache_seconds, ge=0)
    search_limit: int = Field(default=_DEFAULTS.default_limit, ge=1)
    store_timeout_seconds: float = Field(default=_DEFAULTS.store_timeout_seconds, gt=0)
    pending_grace_seconds: float = Field(default=_DEFAULTS.pending_grace_seconds, gt=0)
    # A light reconciler pass (expired persons, unfinished deletes and adds, stale group lists) this often.
    reconcile_period_seconds: float = Field(default=60.0, gt=0)
    # The full pass that also walks every object and vector for orphans, this often.
    orphan_scan_period_seconds: float = Field(default=3600.0, gt=0)
    # A compaction of the vector index, when vectors were deleted since the last one, this often: deleted
    # vectors stay in the HNSW graph until then and cost search recall around them.
    vector_compaction_period_seconds: float = Field(default=600.0, gt=0)
    # A pass describing again the images of another descriptor model than matching's (after a model switch),
    # this often; with nothing to do a pass costs one description (libs/identification/redescribe.py).
    redescribe_period_seconds: float = Field(default=300.0, gt=0)

    def identification_config(self) -> IdentificationConfig:
        return IdentificationConfig(
            default_threshold=self.search_threshold,
            target_fpir=self.search_target_fpir,
            gallery_size_cache_seconds=self.gallery_size_cache_seconds,
            default_limit=self.search_limit,
            store_timeout_seconds=self.store_timeout_seconds,
            pending_grace_seconds=self.pending_grace_seconds,
            image_limits=self.limits,
        )
