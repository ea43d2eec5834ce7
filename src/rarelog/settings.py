"""Settings of the command-line tool. Connection settings default to the embedded stack."""
from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class CliSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RARELOG_", extra="ignore", frozen=True)

    kafka_bootstrap_servers: str | None = Field(None, validation_alias="KAFKA_BOOTSTRAP_SERVERS")
    database_url: str | None = Field(None, validation_alias="DATABASE_URL")
    topic_prefix: str = ""
    warehouse_schema: str = "registry"
    analytics_schema: str = "analytics"
    kafka_client_config: dict[str, str] = Field(default_factory=dict)


def load() -> CliSettings:
    """Environment first; what it lacks comes from the embedded stack, if one was started."""
    from rarelog.stack import embedded_env

    settings = CliSettings()
    stack = embedded_env()
    return settings.model_copy(update={
        "kafka_bootstrap_servers": settings.kafka_bootstrap_servers or stack.get("KAFKA_BOOTSTRAP_SERVERS"),
        "database_url": settings.database_url or stack.get("DATABASE_URL"),
    })


def require(value: str | None, what: str) -> str:
    if not value:
        raise SystemExit(f"rarelog: no {what}: set it in the environment or start the embedded stack with 'make up'")
    return value
