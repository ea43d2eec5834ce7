from pathlib import Path

from pydantic import Field

from rarelog_kit.settings import ServiceSettings


class PseudonymizerSettings(ServiceSettings):
    pseudonym_key_file: Path | None = Field(None, description="File holding the secret pseudonymisation key (RARELOG_PSEUDONYM_KEY_FILE).")
    pseudonym_previous_key_files: str = Field(
        "", description="Comma-separated files of the keys a rotation retired: still used to link, never to name "
                        "(RARELOG_PSEUDONYM_PREVIOUS_KEY_FILES).")

    def previous_key_paths(self) -> list[Path]:
        return [Path(p.strip()) for p in self.pseudonym_previous_key_files.split(",") if p.strip()]
