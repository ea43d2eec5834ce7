from pathlib import Path

from pydantic import Field

from rarelog_kit.settings import ServiceSettings


class RegistryStoreSettings(ServiceSettings):
    database_url: str = Field(validation_alias="DATABASE_URL")
    warehouse_schema: str = Field("registry", pattern=r"^[a-z_][a-z0-9_]{0,62}$",
                                  description="Schema holding the row-level tables.")
    analytics_schema: str = Field("analytics", pattern=r"^[a-z_][a-z0-9_]{0,62}$",
                                  description="Schema holding the analysts' views.")
    disclosure_threshold: int = Field(
        10, ge=2, description="Published views suppress counts from 1 to this minus one (0 is shown); "
                              "RARELOG_DISCLOSURE_THRESHOLD, written into the warehouse at start.")
    batch_size: int = Field(2000, ge=1, le=100_000, description="Events per database transaction.")
    centre_directory_file: Path | None = Field(
        None, description="Centre directory CSV (centre_id, name, finess, departement) upserted at start; "
                          "RARELOG_CENTRE_DIRECTORY_FILE.")
