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
    # Local checkpoints of the linkage state (docs/decisions/0005): a restart loads the latest and
    # reads only the changelog written since, instead of all of it. Written after a commit once
    # `checkpoint_min_records` decisions (a bulk load: keeps the tail to replay to seconds) or
    # `checkpoint_interval_s` seconds (a trickle: keeps the checkpoint young) have passed since
    # the last one, and only if something changed: an idle registry writes nothing.
    state_dir: Path | None = Field(None, description="A directory of the service's own (a persistent volume) for "
                                                     "checkpoints of the linkage state; unset, none are written "
                                                     "and every start reads the whole changelog.")
    checkpoint_interval_s: float = Field(600, ge=0, description="At most this long between checkpoints while "
                                                                "records arrive.")
    checkpoint_min_records: int = Field(100_000, ge=1, description="Decisions after which a checkpoint is "
                                                                   "written whatever the interval.")

    @model_validator(mode="after")
    def _ordered(self):
        if self.review_probability > self.link_probability:
            raise ValueError("review_probability must not exceed link_probability")
        return self
