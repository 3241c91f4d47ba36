"""The server's settings: one TOML file plus ANTREAN_* environment variables.

Environment variables win over the file, the file over the defaults. The file
is `$ANTREAN_CONFIG`, else `antrean-server.toml` in the data directory.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from pydantic import Field
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "antrean"


def data_dir_from_env() -> Path:
    return Path(os.environ.get("ANTREAN_DATA_DIR") or default_data_dir())


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ANTREAN_", extra="ignore")

    data_dir: Path = Field(default_factory=data_dir_from_env)
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default: SQLite file in the data directory"
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    token_hours: float = Field(default=12, gt=0, description="lifetime of an officer's sign-in")
    request_log_hours: float = Field(
        default=48, gt=0, description="how long request ids are remembered for retries"
    )
    log_level: str = "info"

    @property
    def database(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'antrean.db'}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        default_file = data_dir_from_env() / "antrean-server.toml"
        config = Path(os.environ.get("ANTREAN_CONFIG") or default_file)
        sources: list[Any] = [init_settings, env_settings]
        if config.is_file():
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=config))
        return tuple(sources)
