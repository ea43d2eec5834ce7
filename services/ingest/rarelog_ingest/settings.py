from pydantic import Field

from rarelog_kit.settings import ServiceSettings


class IngestSettings(ServiceSettings):
    max_submission_bytes: int = Field(262_144, ge=1024, description="Larger submissions are dead-lettered as oversized.")
