from pathlib import Path

from pydantic import Field

from rarelog_kit.settings import ServiceSettings


class PseudonymizerSettings(ServiceSettings):
    pseudonym_key_file: Path | None = Field(None, description="File holding the secret pseudonymisation key (RARELOG_PSEUDONYM_KEY_FILE).")
