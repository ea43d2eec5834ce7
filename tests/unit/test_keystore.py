"""The key store's reads: resumed where they stopped, and a broker away waited for rather than
failing the message being processed (which would be parked as a processing error)."""
import pytest

from rarelog_kit import keystore
from rarelog_kit.keystore import DataKeyStore
from rarelog_kit.messages import Unavailable
from rarelog_kit.serde import AvroCatalog

CATALOG = AvroCatalog()


class Msg:
    def __init__(self, offset: int, key: str, data_key: bytes | None) -> None:
        self._offset, self._key = offset, key.encode()
        self._value = None if data_key is None else CATALOG.encode("RecordDataKey", {"data_key": data_key})

    def offset(self) -> int:
        return self._offset

    def key(self) -> bytes:
        return self._key

    def value(self) -> bytes | None:
        return self._value


@pytest.fixture
def topic(monkeypatch):
    """An in-memory topic behind read_to_end; `fail` holds the errors of the next reads."""
    state = {"log": [], "fail": [], "starts": []}

    def read_to_end(config, name, start_offsets=None, **_):
        state["starts"].append((start_offsets or {}).get(0, 0))
        start = state["starts"][-1]
        for m in state["log"][start:]:
            if state["fail"] and state["fail"][0][0] == m.offset():
                raise state["fail"].pop(0)[1]
            yield m
        if state["fail"] and state["fail"][0][0] is None:
            raise state["fail"].pop(0)[1]
    monkeypatch.setattr(keystore, "read_to_end", read_to_end)
    monkeypatch.setattr(keystore.time, "sleep", lambda s: None)
    return state


def test_a_failed_read_is_retried_from_where_it_stopped(topic):
    topic["log"] = [Msg(0, "r1", b"a" * 32), Msg(1, "r2", b"b" * 32), Msg(2, "r1", None)]
    topic["fail"] = [(1, RuntimeError("reading failed: _TRANSPORT"))]
    store = DataKeyStore(CATALOG, {}, "keys")
    assert store.load() == 3
    assert store.keys == {"r2": b"b" * 32} and topic["starts"] == [0, 1]
    topic["log"].append(Msg(3, "r3", b"c" * 32))
    assert store.current("r3") == b"c" * 32 and topic["starts"][-1] == 3


def test_a_broker_away_too_long_fails_the_read(topic, monkeypatch):
    monkeypatch.setattr(keystore, "PATIENCE_S", 5)
    topic["fail"] = [(None, RuntimeError("reading failed: _ALL_BROKERS_DOWN"))] * 10
    with pytest.raises(Unavailable, match="ALL_BROKERS_DOWN"):
        DataKeyStore(CATALOG, {}, "keys").load()
