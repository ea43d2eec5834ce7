"""Composition root: the only place registry-store's parts are put together."""
from __future__ import annotations

from rarelog_kit.health import Health, Metrics
from rarelog_kit.keystore import DataKeyStore
from rarelog_kit.serde import catalog_for
from rarelog_kit.sink_loop import PostgresSinkLoop
from rarelog_kit.topics import KEYS_RECORDS, PATIENT_EVENTS

from . import disclosure
from .entrypoint import SERVICE, Quarantine, WarehouseSink
from .migrations import migrate
from .reference_store import load_centre_directory
from .sealed import Opener
from .settings import RegistryStoreSettings


def build(settings: RegistryStoreSettings, health: Health, metrics: Metrics) -> PostgresSinkLoop:
    migrate(settings.database_url, settings.warehouse_schema, settings.analytics_schema)
    schema = settings.warehouse_schema
    disclosure.apply(settings.database_url, schema, settings.disclosure_threshold)
    if settings.centre_directory_file is not None:
        load_centre_directory(settings.database_url, settings.centre_directory_file, schema)
    catalog = catalog_for(settings)
    # The records' data keys open the sealed payloads (docs/decisions/0011): every live key, read
    # from the beginning of the key store's topic (some hundreds of MB at national scale).
    keys = DataKeyStore(catalog, settings.kafka_common(), settings.topic(KEYS_RECORDS))
    with health.working("loading the data keys"):
        keys.load()
    sink = WarehouseSink(catalog, schema, Quarantine(schema), Opener(catalog, keys, metrics.registry), health)
    return PostgresSinkLoop(settings, SERVICE, [settings.topic(PATIENT_EVENTS)], sink, settings.database_url,
                            schema, health, metrics)
