"""Settings every service shares. Each service subclasses `ServiceSettings` with its own
fields; nothing else in the code base reads the environment."""
from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RARELOG_", extra="ignore", frozen=True)

    kafka_bootstrap_servers: str = Field(validation_alias="KAFKA_BOOTSTRAP_SERVERS")
    schema_registry_url: str | None = None
    schema_dir: Path | None = None
    topic_prefix: str = Field("", description="Prefixes every topic and group name (isolated test runs).")
    instance_id: str = Field("0", description="Distinguishes replicas; part of the transactional id.")
    health_host: str = "127.0.0.1"
    health_port: int = Field(0, description="Port of /healthz, /readyz, /metrics; 0 picks a free one.")
    batch_size: int = Field(500, ge=1, le=100_000, description="Messages per transaction.")
    poll_timeout_s: float = 0.5
    log_level: str = "INFO"
    kafka_client_config: dict[str, str] = Field(
        default_factory=dict,
        description="Extra librdkafka settings (TLS, SASL), JSON object in RARELOG_KAFKA_CLIENT_CONFIG.")

    def topic(self, name: str) -> str:
        return self.topic_prefix + name

    def group_member(self, service: str) -> dict[str, str | int]:
        """Consumer group settings. A killed instance is dropped from the group after the session
        timeout (10 s, not Kafka's 45 s: with one partition the whole stage waits for it). Static
        membership would spare even that, but a static member restarting while the broker was away
        was fenced as its own double, fatally (seen in the crash suite)."""
        return {"group.id": f"{self.topic_prefix}rarelog-{service}", "session.timeout.ms": 10_000}

    def kafka_common(self) -> dict[str, str]:
        return {"bootstrap.servers": self.kafka_bootstrap_servers, **self.kafka_client_config}
