"""The registry's topics, declared once: names, partitions, retention, cleanup policy.

Auto-creation is off on every broker we run; these declarations are the only way a topic
comes to exist (through `ensure_topics`, the stack's `up` and the Helm chart's topic Job).
"""
from __future__ import annotations

from dataclasses import dataclass, field

DAY_MS = 24 * 3600 * 1000
HOUR_MS = 3600 * 1000
FOREVER = "-1"
# How long the compacted changelog keeps a tombstone once cleaned (Kafka's default is one day).
# A local checkpoint of the reconciler older than this may hold an entry whose tombstone is
# gone, so the reconciler ignores checkpoints approaching this age (docs/decisions/0005).
CHANGELOG_DELETE_RETENTION_MS = 7 * DAY_MS

INTAKE_SUBMISSIONS = "registry.intake.submissions"
INTAKE_RECORDS = "registry.intake.records"
PSEUDONYMIZED_RECORDS = "registry.pseudonymized.records"
PATIENT_EVENTS = "registry.patient.events"
RECONCILER_CHANGELOG = "registry.reconciler.changelog"
LINKAGE_REVIEWS = "registry.linkage.reviews"
PSEUDONYMIZED_DEATHS = "registry.deaths.pseudonymized"
DEATH_OUTCOMES = "registry.deaths.outcomes"
KEYS_RECORDS = "registry.keys.records"


def dlq(topic: str) -> str:
    """The dead-letter topic of a consumed topic."""
    return f"{topic}.dlq"


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    config: dict[str, str] = field(default_factory=dict)


def _retained(days: int | None) -> dict[str, str]:
    return {"cleanup.policy": "delete",
            "retention.ms": FOREVER if days is None else str(days * DAY_MS),
            "retention.bytes": "-1"}


def catalogue(partitions: int = 6, intake_retention_days: int = 7) -> list[TopicSpec]:
    """Every topic of the platform. Identified topics (and their DLQs) keep data only for days."""
    short = _retained(intake_retention_days)
    forever = _retained(None)
    return [
        TopicSpec(INTAKE_SUBMISSIONS, partitions, short),
        TopicSpec(dlq(INTAKE_SUBMISSIONS), partitions, short),
        TopicSpec(INTAKE_RECORDS, partitions, short),
        TopicSpec(dlq(INTAKE_RECORDS), partitions, short),
        # One partition from here on: the reconciler is one active instance that must read its
        # input in one order that every replay repeats, and the patient events it writes are the
        # registry's history in that order (docs/decisions/0007).
        TopicSpec(PSEUDONYMIZED_RECORDS, 1, forever),
        TopicSpec(dlq(PSEUDONYMIZED_RECORDS), 1, forever),
        TopicSpec(LINKAGE_REVIEWS, 1, forever),
        TopicSpec(dlq(LINKAGE_REVIEWS), 1, forever),
        # Deaths of official deceased-persons files, pseudonymised by `rarelog deaths import`
        # (docs/decisions/0009): the reconciler's third input, needed only until matched (its
        # outcomes are in the changelog and the patient events): kept 30 days, as their encodings
        # are not sealed under a record's key (docs/decisions/0011); and what the reconciler made
        # of each, for the import's summary (a report, not history: kept 30 days).
        TopicSpec(PSEUDONYMIZED_DEATHS, 1, _retained(30)),
        TopicSpec(dlq(PSEUDONYMIZED_DEATHS), 1, _retained(30)),
        TopicSpec(DEATH_OUTCOMES, 1, _retained(30)),
        TopicSpec(PATIENT_EVENTS, 1, forever),
        TopicSpec(dlq(PATIENT_EVENTS), 1, forever),
        # The records' data keys (docs/decisions/0011): compacted, and rolled at least hourly so that
        # an erased key leaves the log within about an hour of its tombstone.
        TopicSpec(KEYS_RECORDS, 1, {"cleanup.policy": "compact", "min.compaction.lag.ms": "0",
                                    "max.compaction.lag.ms": str(HOUR_MS), "segment.ms": str(HOUR_MS),
                                    "min.cleanable.dirty.ratio": "0.01", "delete.retention.ms": str(DAY_MS)}),
        # One partition: the reconciler is a single active instance and rebuilds from it on start.
        TopicSpec(RECONCILER_CHANGELOG, 1, {"cleanup.policy": "compact", "min.compaction.lag.ms": "0",
                                            "delete.retention.ms": str(CHANGELOG_DELETE_RETENTION_MS)}),
    ]


class TopicLayoutError(RuntimeError):
    """An existing topic cannot serve the registry as it is (the message says which and why)."""


def ensure_topics(bootstrap_servers: str, prefix: str = "", *, partitions: int = 6,
                  client_config: dict[str, str] | None = None, timeout: float = 30.0) -> list[str]:
    """Create the missing topics; returns the names created. Existing topics are left as they are,
    but one the registry reads in a single order must have a single partition: TopicLayoutError."""
    from confluent_kafka import KafkaException
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap_servers, **(client_config or {})})
    found = admin.list_topics(timeout=timeout).topics
    existing = set(found)
    split = [f"{prefix + spec.name} has {len(found[prefix + spec.name].partitions)} partitions"
             for spec in catalogue(partitions) if spec.partitions == 1 and prefix + spec.name in found
             and len(found[prefix + spec.name].partitions) != 1]
    if split:
        # More partitions would let the reconciler read, and every replay repeat, the registry's
        # history in more than one order (docs/decisions/0007); Kafka cannot merge partitions.
        raise TopicLayoutError("; ".join(split) + ": the registry needs exactly 1. Create the topics anew "
                               "(an empty test stack: 'make clean'), replaying the registry's history into them")
    wanted = [NewTopic(prefix + spec.name, num_partitions=spec.partitions, replication_factor=-1,
                       config=spec.config)
              for spec in catalogue(partitions) if prefix + spec.name not in existing]
    created = []
    for name, future in (admin.create_topics(wanted, request_timeout=timeout).items() if wanted else []):
        try:
            future.result()
            created.append(name)
        except KafkaException as exc:
            if exc.args[0].name() != "TOPIC_ALREADY_EXISTS":
                raise
    return created
