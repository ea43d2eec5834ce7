"""The study secret: read like the pseudonymizer's key, never shown, one derived key per study."""
import pytest

from rarelog.access.keys import StudySecret, load_secret, study_pseudonym
from rarelog.access.request import AccessError

SECRET = bytes(range(32))


def test_each_study_gets_its_own_key_and_pseudonyms():
    s = StudySecret(SECRET)
    a, b = s.study_key("a"), s.study_key("b")
    assert a != b and len(a) == 32
    assert study_pseudonym(a, "P1") != study_pseudonym(b, "P1")
    assert study_pseudonym(a, "P1") == study_pseudonym(s.study_key("a"), "P1")  # a re-grant keeps them
    assert len(study_pseudonym(a, "P1")) == 32
    assert StudySecret(b"\x01" * 32).study_key("a") != a


def test_the_secret_is_never_shown():
    s = StudySecret(SECRET)
    assert SECRET.hex() not in repr(s) and s.key_id in repr(s)


def test_hex_and_raw_files(tmp_path):
    hex_file, raw_file = tmp_path / "hex", tmp_path / "raw"
    hex_file.write_text(SECRET.hex() + "\n")
    raw_file.write_bytes(b"r" * 40)
    assert load_secret(hex_file).secret == SECRET
    assert load_secret(raw_file).secret == b"r" * 40


@pytest.mark.parametrize("setup, message", [
    (None, "no study key: set RARELOG_STUDY_KEY_FILE"),
    ("missing", "does not exist"),
    ("short", "shorter than 32 bytes"),
    ("directory", "cannot be read"),
    ("same", "is the pseudonymisation key file"),
])
def test_refuses_to_run_without_a_usable_key(tmp_path, setup, message):
    path, pseudonym_key = tmp_path / "study.key", None
    if setup == "short":
        path.write_text("ab" * 16)  # 16 bytes
    elif setup == "directory":
        path.mkdir()
    elif setup == "same":
        path.write_text(SECRET.hex())
        pseudonym_key = str(tmp_path / "." / "study.key")
    with pytest.raises(AccessError) as exc:
        load_secret(None if setup is None else path, pseudonym_key)
    assert message in str(exc.value)
    assert SECRET.hex() not in str(exc.value) and "abab" not in str(exc.value)
