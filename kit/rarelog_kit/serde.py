"""Avro serde shared by every service.

Writes Avro single-object encoding (0xC3 0x01 + 8-byte little-endian CRC-64-AVRO
fingerprint) and reads it, the Confluent framing (0x00 + 4-byte big-endian schema id)
when a schema registry is configured, and — where a topic allows it — a UTF-8 JSON
object. Anything else raises `UndecodableMessage` so the caller can dead-letter it.
"""
from __future__ import annotations

import io
import json
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import fastavro
from .avro_unions import compile_annotator
from fastavro.schema import expand_schema, fingerprint, load_schema, to_parsing_canonical_form

SINGLE_OBJECT_MAGIC = b"\xc3\x01"
CONFLUENT_MAGIC = b"\x00"
NAMESPACE = "rarelog.v1"


class UndecodableMessage(ValueError):
    """The bytes are not a message this topic accepts. `code` is a stable reason code."""

    def __init__(self, code: str, message: str, field_path: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.field_path = field_path


@dataclass(frozen=True)
class Decoded:
    schema_name: str  # short record name, e.g. "Submission", or "json"
    value: Any


def default_schema_dir() -> Path:
    """schemas/avro of the source tree this kit was installed from."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "schemas" / "avro"
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("schemas/avro not found; set RARELOG_SCHEMA_DIR")


class AvroCatalog:
    """Every record schema of schemas/avro, by short name and by fingerprint.

    Fingerprints are computed once at start: the header then costs nothing per message.
    """

    def __init__(self, schema_dir: Path | None = None,
                 fetch_registry_schema: Callable[[int], str] | None = None) -> None:
        self.schema_dir = Path(schema_dir or default_schema_dir())
        self._by_name: dict[str, Any] = {}
        self._header: dict[str, bytes] = {}
        self._fetch_registry_schema = fetch_registry_schema
        self._by_registry_id: dict[int, tuple[str, Any]] = {}
        self._expanded: dict[str, Any] = {}
        self._annotators: dict[str, Any] = {}
        # Released versions of a schema stay readable: their fingerprints resolve to the old
        # writer schema, read into the current one.
        self._writers: dict[bytes, tuple[str, Any]] = {}
        for path in sorted(self.schema_dir.glob(f"{NAMESPACE}.*.avsc")):
            schema = load_schema(str(path))
            if not isinstance(schema, dict) or schema.get("type") != "record":
                continue  # enums and the like are only ever nested
            name = schema["name"].rsplit(".", 1)[-1]
            fp = _fingerprint(schema)
            self._by_name[name] = schema
            self._header[name] = SINGLE_OBJECT_MAGIC + fp
            self._writers[fp] = (name, schema)
        history = self.schema_dir.parent / "history"
        for path in sorted(history.glob(f"*/{NAMESPACE}.*.avsc")) if history.is_dir() else []:
            writer = fastavro.parse_schema(json.loads(path.read_text()))
            name = writer["name"].rsplit(".", 1)[-1]
            if name in self._by_name:
                self._writers.setdefault(_fingerprint(writer), (name, writer))

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def schema(self, name: str) -> Any:
        return self._by_name[name]

    def expanded(self, name: str) -> Any:
        """The schema with every named type written out in place (for structural checks)."""
        if name not in self._expanded:
            self._expanded[name] = expand_schema(self._by_name[name])
        return self._expanded[name]

    def encode(self, name: str, value: dict) -> bytes:
        if name not in self._annotators:
            self._annotators[name] = compile_annotator(self.expanded(name))
        annotate = self._annotators[name]
        buf = io.BytesIO()
        buf.write(self._header[name])
        fastavro.schemaless_writer(buf, self._by_name[name], annotate(value) if annotate else value)
        return buf.getvalue()

    def decode(self, data: bytes | None, *, expect: tuple[str, ...] = (),
               allow_json: bool = False) -> Decoded:
        """Decode one message; `expect` limits the record types the topic carries."""
        if not data:
            raise UndecodableMessage("empty-message", "message has no value")
        if data[:2] == SINGLE_OBJECT_MAGIC:
            found = self._writers.get(bytes(data[2:10]))
            if found is None:
                raise UndecodableMessage(
                    "unknown-schema-fingerprint",
                    f"single-object fingerprint {bytes(data[2:10]).hex()} matches no known schema version")
            name, writer = found
            self._check_expected(name, expect)
            reader = self._by_name[name]
            return Decoded(name, self._read(data[10:], writer, None if writer is reader else reader))
        if data[:1] == CONFLUENT_MAGIC and len(data) >= 5:
            (schema_id,) = struct.unpack(">I", data[1:5])
            name, writer = self._registry_schema(schema_id)
            self._check_expected(name, expect)
            return Decoded(name, self._read(data[5:], writer, self._by_name.get(name)))
        if allow_json:
            return Decoded("json", _parse_json_object(data))
        raise UndecodableMessage(
            "unknown-framing",
            "message is neither Avro single-object (0xC3 0x01) nor Confluent-framed Avro (0x00)")

    @staticmethod
    def _check_expected(name: str, expect: tuple[str, ...]) -> None:
        if expect and name not in expect:
            raise UndecodableMessage(
                "unexpected-record-type",
                f"record type {name} is not accepted on this topic (expected {', '.join(expect)})")

    @staticmethod
    def _read(payload: bytes, writer: Any, reader: Any) -> Any:
        buf = io.BytesIO(payload)
        try:
            value = fastavro.schemaless_reader(buf, writer, reader)
        except Exception as exc:  # fastavro raises many types for corrupt input
            raise UndecodableMessage("truncated-or-corrupt-avro",
                                     f"Avro body cannot be decoded: {type(exc).__name__}") from None
        if buf.tell() != len(payload):
            raise UndecodableMessage("trailing-bytes",
                                     f"{len(payload) - buf.tell()} bytes follow the Avro body")
        return value

    def _registry_schema(self, schema_id: int) -> tuple[str, Any]:
        if schema_id in self._by_registry_id:
            return self._by_registry_id[schema_id]
        if self._fetch_registry_schema is None:
            raise UndecodableMessage(
                "no-schema-registry",
                f"Confluent-framed message (schema id {schema_id}) but no schema registry is configured")
        try:
            text = self._fetch_registry_schema(schema_id)
            writer = fastavro.parse_schema(json.loads(text))
        except UndecodableMessage:
            raise
        except Exception as exc:
            raise UndecodableMessage("unknown-schema-id",
                                     f"schema id {schema_id} cannot be resolved: {exc}") from None
        name = writer["name"].rsplit(".", 1)[-1] if isinstance(writer, dict) else ""
        self._by_registry_id[schema_id] = (name, writer)
        return name, writer


def _fingerprint(schema: Any) -> bytes:
    return bytes.fromhex(fingerprint(to_parsing_canonical_form(schema), "CRC-64-AVRO"))


def registry_fetcher(url: str, timeout: float = 5.0) -> Callable[[int], str]:
    """Schema lookup by id against a Confluent-compatible schema registry."""
    import urllib.request

    def fetch(schema_id: int) -> str:
        with urllib.request.urlopen(f"{url.rstrip('/')}/schemas/ids/{schema_id}", timeout=timeout) as resp:
            return json.loads(resp.read())["schema"]
    return fetch


def _parse_json_object(data: bytes) -> dict:
    try:
        text = bytes(data).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UndecodableMessage("invalid-utf8", f"JSON message is not valid UTF-8 (byte {exc.start})") from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise UndecodableMessage("json-too-deep", "JSON message nests too deeply") from None
    except json.JSONDecodeError as exc:
        raise UndecodableMessage("invalid-json", f"JSON message is malformed at line {exc.lineno} column {exc.colno}: {exc.msg}") from None
    except ValueError:  # e.g. an integer of more digits than Python converts
        raise UndecodableMessage("invalid-json", "JSON message holds a number too large to read") from None
    if not isinstance(value, dict):
        raise UndecodableMessage("json-not-an-object", f"JSON message is a {type(value).__name__}, not an object")
    return value


def catalog_for(settings: Any) -> AvroCatalog:
    """The catalog a service uses, given its ServiceSettings."""
    url = settings.schema_registry_url
    return AvroCatalog(settings.schema_dir, registry_fetcher(url) if url else None)
