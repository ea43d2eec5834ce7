"""The reader of INSEE's deceased-persons file: the layout, column by column; a generated file
read back record for record; every kind of unreadable line reported where it is and why;
duplicates skipped and counted, across files; memory that does not grow with the file."""
import logging
import tracemalloc
from dataclasses import replace

import pytest

from rarelog.deaths.generate import DeathFileSpec, lines, write
from rarelog.deaths.insee import (REASONS, DeathRecord, LineProblem, PartialDate, ReadCounts, format_line,
                                  parse_line, read_deaths)


def _line(name="DUPONT*JEAN PIERRE/", sex="1", birth="19450300", code="2A004", commune="AJACCIO", country="",
          death="20260612", death_code="75115", certificate="123", tail="") -> str:
    """A line laid out by hand from INSEE's positions (1-based: name 1-80, sex 81, birth 82-89,
    birth place 90-94, commune 95-124, country 125-154, death 155-162, death place 163-167,
    certificate 168-176), independently of the code under test."""
    text = f"{name:<80}{sex}{birth}{code:<5}{commune:<30}{country:<30}{death}{death_code:<5}{certificate:<9}"
    assert len(text) == 176
    return text + tail


def _write(path, lines_, encoding="utf-8"):
    path.write_bytes(b"".join(line.encode(encoding) + b"\n" for line in lines_))
    return path


def test_every_field_is_read_from_its_columns():
    record = parse_line(_line(tail="X7 JUNK"), 3, "deces.txt")
    assert record == DeathRecord("DUPONT", ("JEAN", "PIERRE"), "M", PartialDate(1945, 3, None), "2A004", "AJACCIO",
                                 None, PartialDate(2026, 6, 12), "75115", "123", 3, "deces.txt")
    abroad = parse_line(_line(name="BEN SAID*FATIMA/", sex="2", birth="00000000", code="99350", commune="CASABLANCA",
                              country="MAROC", certificate="ABC123456"))
    assert (abroad.surname, abroad.given_names, abroad.sex, abroad.birth_date) == \
           ("BEN SAID", ("FATIMA",), "F", PartialDate(None, None, None))
    assert (abroad.birth_place_code, abroad.birth_commune, abroad.birth_country, abroad.certificate_number) == \
           ("99350", "CASABLANCA", "MAROC", "ABC123456")


def test_the_writer_lays_out_what_the_reader_reads():
    record = parse_line(_line(tail="   trailing"))
    assert format_line(record) == _line()
    with pytest.raises(ValueError) as info:
        format_line(replace(record, given_names=("JEAN",) * 20))
    assert "DUPONT" not in str(info.value)


@pytest.mark.parametrize("field, expected", [
    ("00000000", PartialDate(None, None, None)), ("19450000", PartialDate(1945)), ("19450300", PartialDate(1945, 3)),
    ("00000229", PartialDate(None, 2, 29)), ("19450015", PartialDate(1945, None, 15)),
    ("20000229", PartialDate(2000, 2, 29)),
])
def test_unknown_date_parts_are_zeros(field, expected):
    assert parse_line(_line(birth=field)).birth_date == expected
    assert parse_line(_line(death=field)).death_date == expected


def test_what_the_files_write_for_unknown_is_none():
    for commune in ("", "INCONNUE", "-----", "....", "X"):
        assert parse_line(_line(commune=commune)).birth_commune is None
    for code in ("", "-----", "XXXXX"):
        assert parse_line(_line(code=code)).birth_place_code is None
    assert parse_line(_line(certificate="")).certificate_number is None
    # Tools that trim trailing blanks leave 167 characters when the certificate number is empty.
    assert parse_line(_line(certificate="").rstrip()).death_place_code == "75115"


def test_names_filling_the_field_need_no_terminator_and_controls_are_blanks():
    full = "DUPONT*MARIE " + "A" * 67
    assert len(full) == 80
    assert parse_line(_line(name=full)).given_names == ("MARIE", "A" * 67)
    record = parse_line(_line(name="DUPONT\x00*JEAN\x7f/"))
    assert (record.surname, record.given_names) == ("DUPONT", ("JEAN",))


@pytest.mark.parametrize("line, reason", [
    (_line()[:166], "too-short"),
    ("", "too-short"),
    (_line(name="DUPONT JEAN/"), "missing-name-separator"),
    (_line(name="   *JEAN/"), "missing-surname"),
    (_line(sex="3"), "invalid-sex"),
    (_line(sex=" "), "invalid-sex"),
    (_line(birth="19451301"), "invalid-birth-date"),
    (_line(birth="19450230"), "invalid-birth-date"),
    (_line(birth="19010229"), "invalid-birth-date"),
    (_line(birth="00000230"), "invalid-birth-date"),
    (_line(birth="1945 3 1"), "invalid-birth-date"),
    (_line(death="20260632"), "invalid-death-date"),
    (_line(death="2026061X"), "invalid-death-date"),
])
def test_each_unreadable_kind_is_reported_with_its_line_and_reason(tmp_path, line, reason):
    path = _write(tmp_path / "deces.txt", [_line(), line, _line(certificate="124")])
    counts = ReadCounts()
    out = list(read_deaths(path, counts))
    assert out[1] == LineProblem(str(path), 2, reason)
    assert [type(r) for r in out] == [DeathRecord, LineProblem, DeathRecord] and out[2].line == 3
    assert (counts.lines, counts.records, counts.unreadable) == (3, 2, {reason: 1})
    assert set(REASONS) >= {reason}


def test_utf8_and_latin1_lines_keep_their_columns(tmp_path):
    line = _line(name="LEFÈVRE*HÉLÈNE/", commune="SAINT-ÉTIENNE")
    for encoding, latin1 in (("utf-8", 0), ("latin-1", 1)):
        path = _write(tmp_path / f"deces-{encoding}.txt", [line], encoding)
        counts = ReadCounts()
        (record,) = read_deaths(path, counts)
        assert (record.surname, record.given_names, record.birth_commune) == ("LEFÈVRE", ("HÉLÈNE",), "SAINT-ÉTIENNE")
        assert record.death_place_code == "75115" and counts.latin1_lines == latin1
    bom = tmp_path / "bom.txt"
    bom.write_bytes(b"\xef\xbb\xbf" + line.encode() + b"\r\n")
    assert next(read_deaths(bom)).surname == "LEFÈVRE"


def test_records_and_logs_show_no_identity(tmp_path, caplog):
    path = _write(tmp_path / "deces.txt", [_line(), _line(sex="9")])
    with caplog.at_level(logging.INFO, logger="rarelog.deaths"):
        record, problem = read_deaths(path)
    assert "DUPONT" not in repr(record) and "JEAN" not in repr(record) and "1945" not in repr(record)
    assert "DUPONT" not in repr(problem)
    logged = caplog.records
    assert logged and all("DUPONT" not in str(r.__dict__) for r in logged)
    assert logged[-1].records == 1 and logged[-1].unreadable == 1


@pytest.fixture(scope="module")
def months(tmp_path_factory):
    """Month 1 and month 2 files of a small cohort, and what was generated for month 2."""
    folder = tmp_path_factory.mktemp("deaths")
    spec = DeathFileSpec(patients=600, centres=8, seed=5, month=1, lines=6000)
    write(spec, folder / "m1.txt")
    write(replace(spec, month=2), folder / "m2.txt")
    return folder / "m1.txt", folder / "m2.txt", list(lines(replace(spec, month=2)))


def test_a_generated_file_reads_back_record_for_record(months):
    _, path, generated = months
    counts = ReadCounts()
    got = {r.line: r for r in read_deaths(path, counts)}
    source = str(path)
    duplicates = 0
    for g in generated:
        n, kind = g.truth["line"], g.truth["kind"]
        if kind == "death":
            assert got[n] == replace(g.record, source=source), n
        elif kind == "malformed":
            assert got[n] == LineProblem(source, n, g.truth["reason"])
        else:
            assert n not in got  # skipped: an exact repeat of an earlier line
            duplicates += 1
    assert len(got) + duplicates == len(generated) == counts.lines
    assert counts.duplicates == duplicates > 0
    assert counts.records == sum(g.truth["kind"] == "death" for g in generated)
    assert set(counts.unreadable) == set(REASONS)


def test_duplicates_are_skipped_across_files_so_overlapping_months_read_once(months):
    m1, m2, generated = months
    alone, both = ReadCounts(), ReadCounts()
    records_alone = [r for r in read_deaths(m2, alone) if isinstance(r, DeathRecord)]
    records_both = [r for r in read_deaths([m1, m2], both) if isinstance(r, DeathRecord)]

    def content(r):
        return replace(r, line=0, source="")
    assert sorted(map(format_line, map(content, records_both))) == sorted(map(format_line, map(content, records_alone)))
    first_month = sum(1 for g in generated if g.truth["month"] == 1)
    assert both.lines == alone.lines + first_month
    assert both.duplicates == alone.duplicates + first_month
    assert both.files == 2 and both.unreadable == alone.unreadable
    kept = ReadCounts()
    assert sum(1 for _ in read_deaths([m1, m2], kept, skip_duplicates=False)) == both.lines
    assert kept.duplicates == 0


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("big") / "deces.txt"
    summary = write(DeathFileSpec(patients=300, centres=5, seed=2, lines=100_000), path)
    assert summary["lines"] == 100_000
    return path


def test_reading_100000_lines_keeps_memory_flat(big_file):
    """Streaming: without the duplicate check the peak stays far below the file's size (about
    18 MB), and no higher for the whole file than for a tenth of it; the duplicate check adds
    its digests only (measured on 20,000 lines: tracing makes reading several times slower)."""
    assert big_file.stat().st_size > 17_000_000

    def peak(limit, skip):
        tracemalloc.start()
        try:
            for count, _ in enumerate(read_deaths(big_file, skip_duplicates=skip), 1):
                if count == limit:
                    break
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    for _ in read_deaths(big_file, skip_duplicates=False):  # fill the parsing caches, bounded in size
        pass
    tenth, whole = peak(10_000, False), peak(100_000, False)
    assert whole < 4_000_000
    assert whole < tenth + 500_000
    # The set's table grows by steps (x4 below 50,000 entries): a small count pays up to ~200
    # bytes a line, ~100 at the 100,000 lines of this file (measured: 11.7 MB).
    assert peak(20_000, True) < tenth + 250 * 20_000
