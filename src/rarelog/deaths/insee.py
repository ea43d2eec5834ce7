"""INSEE's deceased-persons file: a streaming reader, and the writer of one line.

One death per line, fixed width, positions counted in characters (1-based in INSEE's layout):

    1-80     NOM*PRENOMS/   surname, '*', given names separated by spaces, '/', space-padded
    81       sex            1 male, 2 female
    82-89    birth date     AAAAMMJJ, 0000 / 00 for an unknown year / month / day
    90-94    birth place    COG code in force when the death was recorded (99xxx abroad)
    95-124   birth commune  in clear
    125-154  birth country  DOM/TOM/COM or country in clear
    155-162  death date     as the birth date
    163-167  death place    COG code
    168-176  certificate    death certificate number; anything after column 176 is junk

The real files are millions of lines, mostly ASCII with stray UTF-8 and bytes that are not
UTF-8, exact duplicates among them. So the reader decodes each line on its own (UTF-8, else
latin-1: one byte is one character, the columns stay where they are), skips exact duplicates,
and reports an unreadable line with its file, line number and reason instead of stopping.
Neither the reports nor the log lines carry identity: a line's content is never quoted.
"""
from __future__ import annotations

import hashlib
import logging
from calendar import monthrange
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

log = logging.getLogger("rarelog.deaths")

RECORD_WIDTH = 176     # the certificate number ends at column 176
MINIMUM_WIDTH = 167    # tools that strip trailing blanks may cut an empty certificate number
NAME_WIDTH = 80

# Why a line could not be read, in column order (the first fault found is the one reported).
TOO_SHORT = "too-short"
NO_NAME_SEPARATOR = "missing-name-separator"
NO_SURNAME = "missing-surname"
INVALID_SEX = "invalid-sex"
INVALID_BIRTH_DATE = "invalid-birth-date"
INVALID_DEATH_DATE = "invalid-death-date"
REASONS = (TOO_SHORT, NO_NAME_SEPARATOR, NO_SURNAME, INVALID_SEX, INVALID_BIRTH_DATE, INVALID_DEATH_DATE)

_SEXES = {"1": "M", "2": "F"}
_SEX_CODES = {"M": "1", "F": "2"}
# Control characters (NUL, DEL, C1 from latin-1 bytes) are noise in the real files: each becomes
# a space, so the columns do not move.
_CONTROLS = {c: " " for c in (*range(0x20), *range(0x7F, 0xA0))}
# Ways the files say "unknown" in a place name.
_UNKNOWN_PLACE = frozenset(("X", "XX", "XXX", "INCONNU", "INCONNUE", "NON DETERMINE", "ND"))
_BOM = b"\xef\xbb\xbf"
_LONGEST_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # days a month can have, year unknown


@dataclass(frozen=True, slots=True)
class PartialDate:
    """A date whose year, month or day may be unknown (None; 0 in the file)."""
    year: int | None
    month: int | None = None
    day: int | None = None

    def iso(self) -> str | None:
        """'YYYY-MM-DD', 'YYYY-MM' or 'YYYY' as far as known from the year on; None without a year."""
        if self.year is None:
            return None
        if self.month is None:
            return f"{self.year:04d}"
        return f"{self.year:04d}-{self.month:02d}" + (f"-{self.day:02d}" if self.day is not None else "")

    def field(self) -> str:
        """The file's AAAAMMJJ form."""
        return f"{self.year or 0:04d}{self.month or 0:02d}{self.day or 0:02d}"


@dataclass(frozen=True)  # no slots: a frozen slotted class is three times slower to build here
class DeathRecord:
    """One death as the file gives it, spaces trimmed, unknown values None. The repr names only
    the line, so that a record in a log or a traceback shows no identity."""
    surname: str = field(repr=False)
    given_names: tuple[str, ...] = field(repr=False)  # in the file's order
    sex: str = field(repr=False)                      # "M" or "F"
    birth_date: PartialDate = field(repr=False)
    birth_place_code: str | None = field(repr=False)
    birth_commune: str | None = field(repr=False)
    birth_country: str | None = field(repr=False)
    death_date: PartialDate = field(repr=False)
    death_place_code: str | None = field(repr=False)
    certificate_number: str | None = field(repr=False)
    line: int = 0                                     # 1-based, in its file
    source: str = ""                                  # the file, as it was given to the reader


@dataclass(frozen=True, slots=True)
class LineProblem:
    """A line that could not be read: where, and why (one of REASONS); never its content."""
    source: str
    line: int
    reason: str


@dataclass
class ReadCounts:
    """What a read saw, across all its files; filled in as the reader goes."""
    files: int = 0
    lines: int = 0                 # every line read, duplicates included
    records: int = 0
    duplicates: int = 0            # exact repeats of an earlier line (of any file of the read)
    latin1_lines: int = 0          # not UTF-8, decoded as latin-1
    unreadable: Counter = field(default_factory=Counter)  # reason -> lines

    @property
    def unreadable_total(self) -> int:
        return sum(self.unreadable.values())


def read_deaths(paths: str | Path | Iterable[str | Path], counts: ReadCounts | None = None, *,
                skip_duplicates: bool = True) -> Iterator[DeathRecord | LineProblem]:
    """Every line of the files, in order, as a DeathRecord or a LineProblem.

    Memory stays flat whatever the size of the files (one line at a time), apart from the set
    of line digests that finds exact duplicates: 16 bytes of BLAKE2b per distinct line, about
    100 bytes each with the set's own table (measured: 11.7 MB for 100,000 lines), so 2 to 3 GB
    for the whole ~25-million-line history read in one go. Read year by year, or pass
    skip_duplicates=False and deduplicate downstream, where that is too much."""
    counts = counts if counts is not None else ReadCounts()
    seen: set[bytes] | None = set() if skip_duplicates else None
    for path in [paths] if isinstance(paths, (str, Path)) else paths:
        source = str(path)
        before = (counts.lines, counts.records, counts.duplicates, counts.unreadable_total)
        counts.files += 1
        with open(path, "rb") as f:
            for number, raw in enumerate(f, 1):
                counts.lines += 1
                raw = raw.rstrip(b"\r\n")
                if number == 1 and raw.startswith(_BOM):
                    raw = raw[len(_BOM):]
                if seen is not None:
                    digest = hashlib.blake2b(raw, digest_size=16).digest()
                    if digest in seen:
                        counts.duplicates += 1
                        continue
                    seen.add(digest)
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    text = raw.decode("latin-1")
                    counts.latin1_lines += 1
                result = parse_line(text, number, source)
                if type(result) is LineProblem:
                    counts.unreadable[result.reason] += 1
                else:
                    counts.records += 1
                yield result
        log.info("deaths file read", extra={
            "source": source, "lines": counts.lines - before[0], "records": counts.records - before[1],
            "duplicates": counts.duplicates - before[2], "unreadable": counts.unreadable_total - before[3]})


def parse_line(text: str, line: int = 0, source: str = "") -> DeathRecord | LineProblem:
    """One decoded line (without its line end)."""
    if len(text) < MINIMUM_WIDTH:
        return LineProblem(source, line, TOO_SHORT)
    if not text.isprintable():
        text = text.translate(_CONTROLS)
    name = text[:NAME_WIDTH]
    star = name.find("*")
    if star < 0:
        return LineProblem(source, line, NO_NAME_SEPARATOR)
    surname = name[:star].strip()
    if not surname:
        return LineProblem(source, line, NO_SURNAME)
    # The '/' may be missing when the names fill the whole field: then the field ends them.
    slash = name.find("/", star + 1)
    given = tuple(name[star + 1:slash if slash >= 0 else NAME_WIDTH].split())
    sex = _SEXES.get(text[80])
    if sex is None:
        return LineProblem(source, line, INVALID_SEX)
    birth = _date(text[81:89])
    if birth is None:
        return LineProblem(source, line, INVALID_BIRTH_DATE)
    death = _date(text[154:162])
    if death is None:
        return LineProblem(source, line, INVALID_DEATH_DATE)
    return DeathRecord(surname, given, sex, birth, _code(text[89:94]), _place(text[94:124]),
                       _place(text[124:154]), death, _code(text[162:167]), text[167:RECORD_WIDTH].strip() or None,
                       line, source)


@lru_cache(maxsize=1 << 13)  # death dates recur all over a file (kept small: memory stays flat)
def _date(value: str) -> PartialDate | None:
    """AAAAMMJJ with zeros for unknown parts; None when it is no such date (not 8 digits, month
    over 12, a day its month cannot have). A known day under an unknown month is kept as given."""
    if len(value) != 8 or not (value.isascii() and value.isdigit()):
        return None
    year, month, day = int(value[:4]), int(value[4:6]), int(value[6:])
    if month > 12 or day > 31:
        return None
    if month and day and day > (monthrange(year, month)[1] if year else _LONGEST_MONTH[month]):
        return None
    return PartialDate(year or None, month or None, day or None)


@lru_cache(maxsize=1 << 12)  # a few thousand places fill most of a file
def _code(value: str) -> str | None:
    value = value.strip()
    return value if value.strip("-.*_Xx") else None  # blanks, dashes, dots, XXXXX: unknown


@lru_cache(maxsize=1 << 12)
def _place(value: str) -> str | None:
    value = value.strip()
    if not value or value in _UNKNOWN_PLACE or not value.strip("-.*_ "):
        return None
    return value


def format_line(record: DeathRecord) -> str:
    """The record as one line of the file (176 characters, no line end). Raises ValueError when
    the surname and given names do not fit the 80-character name field."""
    name = f"{record.surname}*{' '.join(record.given_names)}/"
    if len(name) > NAME_WIDTH:
        raise ValueError("the names do not fit the name field")
    line = (f"{name:<80}{_SEX_CODES[record.sex]}{record.birth_date.field()}{record.birth_place_code or '':<5}"
            f"{(record.birth_commune or '')[:30]:<30}{(record.birth_country or '')[:30]:<30}"
            f"{record.death_date.field()}{record.death_place_code or '':<5}{record.certificate_number or '':<9}")
    if len(line) != RECORD_WIDTH:
        raise ValueError("a code or the certificate number is wider than its field")
    return line
