"""Base of every process's settings object.

Values come, highest priority first, from constructor arguments, environment variables
(`VISAGE_<SECTION>_<FIELD>`, nested fields with `__`), then the process's `[section]` of the TOML
settings file named by `VISAGE_CONFIG_FILE`, then defaults. Each process builds exactly one of these at start.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, ClassVar

from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

CONFIG_FILE_VARIABLE = "VISAGE_CONFIG_FILE"


class _TomlSectionSource(PydanticBaseSettingsSource):
    """The settings class's own `[section]` of the TOML settings file, if there is one."""

    def __init__(self, settings_cls: type[BaseSettings], section: str) -> None:
        super().__init__(settings_cls)
        path = os.environ.get(CONFIG_FILE_VARIABLE)
        self._data: dict[str, Any] = {}
        if path:
            with Path(path).open("rb") as file:
                self._data = tomllib.load(file).get(section, {})

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return {name: value for name, value in self._data.items() if name in self.settings_cls.model_fields}


class ProcessSettings(BaseSettings):
    """Subclasses set `section` and `model_config = SettingsConfigDict(env_prefix="VISAGE_<SECTION>_")`."""

    section: ClassVar[str] = ""
    model_config = SettingsConfigDict(frozen=True, env_nested_delimiter="__", extra="ignore")

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        file_settings = _TomlSectionSource(settings_cls, cls.section)
        return (init_settings, env_settings, file_settings, file_secret_settings)
