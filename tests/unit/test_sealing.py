"""Sealed payloads under a record's data key: deterministic per event, bound to record and purpose,
unreadable once the key is gone."""
import pytest

from rarelog_kit.sealing import Unsealable, new_data_key, seal, unseal

KEY = new_data_key()


def test_a_sealed_payload_opens_with_its_key_only():
    sealed = seal(KEY, b"ORPHA:558", record_key="r1", purpose="clinical", event_id="e1")
    assert b"ORPHA" not in sealed
    assert unseal(KEY, sealed, record_key="r1", purpose="clinical") == b"ORPHA:558"
    with pytest.raises(Unsealable, match="does not open"):
        unseal(new_data_key(), sealed, record_key="r1", purpose="clinical")
    with pytest.raises(Unsealable, match="erased, or never made"):
        unseal(None, sealed, record_key="r1", purpose="clinical")


def test_sealing_is_deterministic_per_event_and_bound_to_record_and_purpose():
    a = seal(KEY, b"x", record_key="r1", purpose="clinical", event_id="e1")
    assert a == seal(KEY, b"x", record_key="r1", purpose="clinical", event_id="e1")  # a retry: the same bytes
    assert a[1:13] != seal(KEY, b"x", record_key="r1", purpose="clinical", event_id="e2")[1:13]  # another nonce
    for record_key, purpose in (("r2", "clinical"), ("r1", "index")):
        with pytest.raises(Unsealable):
            unseal(KEY, a, record_key=record_key, purpose=purpose)


def test_an_altered_or_foreign_payload_is_refused():
    sealed = bytearray(seal(KEY, b"payload", record_key="r1", purpose="clinical", event_id="e1"))
    sealed[-1] ^= 1
    for bad in (bytes(sealed), b"", b"\x02" + bytes(40)):
        with pytest.raises(Unsealable):
            unseal(KEY, bad, record_key="r1", purpose="clinical")
