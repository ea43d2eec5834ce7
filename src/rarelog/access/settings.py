"""Settings of the access commands, read from the environment only here."""
from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class AccessSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RARELOG_", extra="ignore", frozen=True)

    # The platform secret the study keys derive from; only `grant` reads it. No default, ever.
    study_key_file: Path | None = None
    # Only compared with the study key file (by path, never read): the two secrets must differ.
    pseudonym_key_file: Path | None = None
    # Grants, study keys and audit: kept apart from the warehouse pair, which a replay renames.
    access_schema: str = "access"
