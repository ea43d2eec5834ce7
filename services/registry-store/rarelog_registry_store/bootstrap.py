"""Composition root: the only place registry-store's parts are put together."""
from __future__ import annotations

from rarelog_kit.health import Health, Metrics
from rarelog_kit.serde import catalog_for
from rarelog_kit.sink_loop import PostgresSinkLoop
from rarelog_kit.topics import PATIENT_EVENTS

from . import disclosure
from .entrypoint import SERVICE, Quarantine, WarehouseSink
from .migrations import migrate
from .reference_store import load_centre_directory
from .settings import RegistryStoreSettings


def build(settings: RegistryStoreSettings, health: Health, metrics: Metrics) -> PostgresSinkLoop:
    migrate(settings.database_url, settings.warehouse_schema, settings.analytics_schema)
    schema = settings.warehouse_schema
    disclosure.apply(settings.database_url, schema, settings.disclosure_threshold)
    if settings.centre_directory_file is not None:
        load_centre_directory(settings.database_url, settings.centre_directory_file, schema)
    sink = WarehouseSink(catalog_for(settings), schema, Quarantine(schema))
    return PostgresSinkLoop(settings, SERVICE, [settings.topic(PATIENT_EVENTS)], sink, settings.database_url,
                            schema, health, metrics)
