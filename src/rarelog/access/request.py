"""What a committee approved, checked before anything touches the database (pure: no I/O)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

# The study views one may grant, in the order they are created (sql/views/<name>.sql).
TABLES = ("patient", "diagnosis", "disease_history", "treatment", "activity")
# `study_` + id must fit PostgreSQL's 63-byte identifiers; lower case so that no quoting is needed.
STUDY_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
ORPHACODE = re.compile(r"(?:ORPHA:)?(\d{1,7})", re.IGNORECASE)
YEARS = re.compile(r"(\d{4})(?:-(\d{4}))?")


class AccessError(Exception):
    """A refusal, printed as is: it names what is wrong, never a key."""


@dataclass(frozen=True)
class GrantRequest:
    study: str
    orphacodes: tuple[str, ...]    # ORPHA:<n>, as the warehouse stores them
    first_year: int                # the patient's first contact with an expert centre, inclusive
    last_year: int
    expires_on: date               # the last day of access
    tables: tuple[str, ...]
    login_roles: tuple[str, ...]
    approval: str | None = None    # the committee's decision reference, for the audit

    @property
    def name(self) -> str:
        """The study's schema and role."""
        return schema_of(self.study)

    @property
    def expires_at(self) -> datetime:
        """Access ends when the expiry day ends, at midnight UTC."""
        return datetime.combine(self.expires_on + timedelta(days=1), time(), timezone.utc)


def schema_of(study: str) -> str:
    return f"study_{study}"


def study_id(text: str) -> str:
    if not STUDY_ID.fullmatch(text or ""):
        raise AccessError(f"bad study id {text!r}: lower-case letters, digits and '_', starting with a letter, "
                          "at most 40 characters (it names the schema and role study_<id>)")
    return text


def orphacodes(text: str, nomenclature) -> tuple[str, ...]:
    """Comma-separated ORPHAcodes (`558` or `ORPHA:558`). Only codes ingest accepts can be in the
    warehouse, so an inactive or unknown one would give an empty cohort: refused instead."""
    codes: list[str] = []
    for part in (p.strip() for p in (text or "").split(",")):
        m = ORPHACODE.fullmatch(part)
        if not m:
            raise AccessError(f"bad ORPHAcode {part!r}: expected digits, optionally prefixed by ORPHA: "
                              "(558, ORPHA:558)")
        code = f"ORPHA:{int(m.group(1))}"
        if code in nomenclature.inactive:
            better = nomenclature.replacement(code)
            raise AccessError(f"ORPHAcode {code} is inactive in Orphanet ({nomenclature.inactive[code][1]})"
                              + (f": use {better}" if better else "") + "; no patient carries it in the registry")
        if not nomenclature.is_active(code):
            raise AccessError(f"ORPHAcode {code} is not in the registry's Orphanet extract "
                              "(rarelog_kit/reference/orphanet_disorders.csv): no patient can carry it")
        if code not in codes:
            codes.append(code)
    return tuple(codes)


def years(text: str) -> tuple[int, int]:
    m = YEARS.fullmatch((text or "").strip())
    if not m:
        raise AccessError(f"bad --years {text!r}: expected YYYY-YYYY (or one year YYYY)")
    first, last = int(m.group(1)), int(m.group(2) or m.group(1))
    if first < 1900 or first > last:
        raise AccessError(f"bad --years {text!r}: the first year must be 1900 or later and not after the last")
    return first, last


def expiry(text: str, today: date) -> date:
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        raise AccessError(f"bad --expires {text!r}: expected a date YYYY-MM-DD") from None
    if day < today:
        raise AccessError(f"--expires {day} is in the past (today is {today}, UTC)")
    return day


def tables(values: list[str] | None) -> tuple[str, ...]:
    """Default: every table. Names may be given separately or comma-separated."""
    asked = {t.strip() for v in values or [] for t in v.split(",") if t.strip()}
    unknown = sorted(asked - set(TABLES))
    if unknown:
        raise AccessError(f"unknown table(s) {', '.join(unknown)}: a study may be granted {', '.join(TABLES)}")
    return tuple(t for t in TABLES if t in asked) if asked else TABLES


def login_roles(values: list[str] | None) -> tuple[str, ...]:
    out: list[str] = []
    for name in (n.strip() for v in values or [] for n in v.split(",")):
        if not name or len(name.encode()) > 63:
            raise AccessError(f"bad login role name {name!r}")
        if name.startswith(("pg_", "study_")):
            # A study role inside another study would join the two studies' pseudonyms.
            raise AccessError(f"login role {name!r}: a pg_ or study_ role cannot be an analyst of a study")
        if name not in out:
            out.append(name)
    return tuple(out)


def grant_request(study: str, codes: str, period: str, expires: str, table_names: list[str] | None,
                  roles: list[str] | None, approval: str | None, nomenclature, today: date) -> GrantRequest:
    first, last = years(period)
    return GrantRequest(study_id(study), orphacodes(codes, nomenclature), first, last, expiry(expires, today),
                        tables(table_names), login_roles(roles), approval or None)
