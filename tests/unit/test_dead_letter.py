"""A dead letter always fits under the producer's size limit, or producing it would stop the
service on the message it means to park (rarelog_kit.messages.dead_letter)."""
from rarelog_kit.messages import MAX_DEAD_LETTER_BYTES, Inbound, Reason, _size, dead_letter

REASONS = [Reason("oversized", "submission is too large")]


def letter(key: bytes, value: bytes):
    return dead_letter(Inbound("t", 2, 7, key, value, 0, (("traceparent", b"00-1-2-01"),)), "t.dlq", "ingest", REASONS)


def test_an_original_that_fits_travels_unchanged_with_its_headers():
    out = letter(b"S001:r", b"x" * 500_000)
    assert (out.key, out.value) == (b"S001:r", b"x" * 500_000)
    assert ("traceparent", b"00-1-2-01") in out.headers and "x-dlq-original-bytes" not in dict(out.headers)


def test_an_original_near_the_limit_is_left_out_and_its_place_named():
    out = letter(b"S001:r", b"x" * 999_800)
    headers = dict(out.headers)
    assert (out.key, out.value) == (b"S001:r", None) and _size(out) <= MAX_DEAD_LETTER_BYTES
    assert headers["x-dlq-original-bytes"] == b"999800" and headers["x-dlq-error-class"] == b"oversized"
    assert (headers["x-dlq-source-topic"], headers["x-dlq-source-partition"], headers["x-dlq-source-offset"]) == \
        (b"t", b"2", b"7")


def test_a_huge_key_is_left_out_too():
    out = letter(b"k" * 999_900, b"")
    assert (out.key, out.value) == (None, None) and _size(out) <= MAX_DEAD_LETTER_BYTES
