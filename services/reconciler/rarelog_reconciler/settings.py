from pathlib import Path

from pydantic import Field, model_validator

from rarelog_kit.settings import ServiceSettings


class ReconcilerSettings(ServiceSettings):
    # Defaults measured on FEBRL4 and the synthetic cohort (docs/linkage.md): F1 0.985 / 0.998,
    # under 0.4 % of records to review.
    link_probability: float = Field(0.5, gt=0, lt=1, description="Posterior match probability to link at once.")
    review_probability: float = Field(0.3, gt=0, lt=1, description="Below this, a new patient; between the two, "
                                                                    "a possible match for review.")
    model_file: Path | None = Field(None, description="A model (JSON, as `rarelog linkage eval --save-model` writes) "
                                                      "to start a new registry with instead of the shipped one.")

    @model_validator(mode="after")
    def _ordered(self):
        if self.review_probability > self.link_probability:
            raise ValueError("review_probability must not exceed link_probability")
        return self
