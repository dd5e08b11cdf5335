"""The detection service's one settings object: section `[detection]`, variables `VISAGE_DETECTION_*`.

Custom detect scenarios take Regula's `sdk.detect.scenarios` shape, e.g. in the TOML settings file:

    [[detection.scenarios]]
    scenario = "PassportDesk"
    onlyCentralFace = true
    outputImageParams = { crop = { type = 4, size = [350, 450], padColor = [255, 255, 255] } }
    quality = { backgroundMatchColor = [255, 255, 255], config = [
        { name = "Yaw", range = [-5, 5] },
        { name = "BlurLevel", range = [0, 0.4] },
    ] }

or as JSON in VISAGE_DETECTION_SCENARIOS. A custom scenario shadows a predefined one of the same name. A
malformed one stops the service at start, with the reason.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, field_validator
from pydantic_settings import SettingsConfigDict

from libs.errors import InvalidRequestError
from libs.observability.metrics import MetricsSettings
from libs.quality import Scenario, scenario_from_mapping
from libs.rpc import ServerSettings, TLSFiles
from services.common.settings import DEV_CERTS_DIR, ModelServiceSettings


class DetectionSettings(ModelServiceSettings):
    section: ClassVar[str] = "detection"
    model_config = SettingsConfigDict(env_prefix="VISAGE_DETECTION_")

    server: ServerSettings = ServerSettings(port=50051)
    metrics: MetricsSettings = MetricsSettings(port=51051)
    tls: TLSFiles = TLSFiles.in_directory(DEV_CERTS_DIR, "detection")
    # Load the age, expression and face-mesh models (about 20 MiB of files, 60 MiB resident): attributes and
    # the quality characteristics read from a model. False: YuNet alone; those answer "undetermined".
    attributes: bool = True
    # Regula's config-file shape, kept as data; `custom_scenarios()` gives them parsed, by name.
    scenarios: tuple[dict[str, Any], ...] = Field(default=())

    @field_validator("scenarios")
    @classmethod
    def _scenarios_parse(cls, value: tuple[dict[str, Any], ...]) -> tuple[dict[str, Any], ...]:
        names: set[str] = set()
        for index, item in enumerate(value):
            try:
                name = scenario_from_mapping(item).name
            except InvalidRequestError as error:
                raise ValueError(f"scenarios[{index}]: {error.message}") from error
            if name in names:
                raise ValueError(f"scenarios[{index}]: scenario {name!r} is defined twice")
            names.add(name)
        return value

    def custom_scenarios(self) -> dict[str, Scenario]:
        return {scenario.name: scenario for scenario in map(scenario_from_mapping, self.scenarios)}
