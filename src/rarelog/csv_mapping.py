"""CSV submissions: one row per record, columns named after the SDM-MR items (docs/csv-submissions.md).

A cell that cannot be converted (say, `deceased` = "maybe") is passed on as written, so that
ingest refuses the submission with the field's path; nothing is dropped here.
"""
from __future__ import annotations

import csv
from typing import Iterator, TextIO

COLUMNS = ("operation", "centre_id", "local_record_id", "birth_name", "first_given_name", "given_names",
           "used_name", "sex", "birth_date", "birth_place_cog", "birth_country", "ins", "local_patient_id",
           "deceased", "death_date", "death_due_to_rare_disease", "diagnoses")
REQUIRED = ("centre_id", "local_record_id")
LIST_SEPARATOR = "|"


def _bool(text: str) -> bool | str | None:
    low = text.strip().lower()
    if low == "":
        return None
    return {"true": True, "yes": True, "1": True, "oui": True,
            "false": False, "no": False, "0": False, "non": False}.get(low, text)


def _none(text: str) -> str | None:
    return text.strip() or None


def _diagnoses(cell: str) -> list[dict]:
    """`ORPHA:558=CONFIRMED@2015-03|ORPHA:616874=UNDETERMINED`: code, optional =status, optional @date."""
    out = []
    for item in filter(None, (p.strip() for p in cell.split(LIST_SEPARATOR))):
        code, _, when = item.partition("@")
        code, _, status = code.partition("=")
        key = "orphacode" if code.upper().startswith("ORPHA:") else "icd10"
        out.append({key: code.strip(), "status": status.strip() or "OTHER", "diagnosis_date": _none(when)})
    return out


def row_to_submission(row: dict[str, str]) -> dict:
    get = lambda name: row.get(name) or ""  # noqa: E731  (missing column = empty cell)
    operation = get("operation").strip().upper() or "UPSERT"
    submission: dict = {"operation": operation, "centre_id": get("centre_id").strip(),
                        "local_record_id": get("local_record_id").strip()}
    if operation != "UPSERT":
        return submission
    given = [g.strip() for g in get("given_names").split(LIST_SEPARATOR) if g.strip()]
    deceased = _bool(get("deceased"))
    submission["record"] = {
        "identity": {
            "birth_name": _none(get("birth_name")), "first_given_name": _none(get("first_given_name")),
            "given_names": given, "used_name": _none(get("used_name")), "sex": get("sex").strip().upper() or "UNKNOWN",
            "birth_date": _none(get("birth_date")), "birth_place_cog": _none(get("birth_place_cog")),
            "birth_country": _none(get("birth_country")), "ins": _none(get("ins")),
            "local_patient_id": _none(get("local_patient_id")),
        },
        "vital_status": {"deceased": False if deceased is None else deceased, "death_date": _none(get("death_date")),
                         "death_due_to_rare_disease": _bool(get("death_due_to_rare_disease"))},
        "diagnoses": _diagnoses(get("diagnoses")),
    }
    return submission


def read_csv(stream: TextIO) -> Iterator[tuple[int, dict]]:
    """Yields (line number, submission). An unknown column is an error of the whole file."""
    reader = csv.DictReader(stream)
    unknown = [c for c in (reader.fieldnames or []) if c not in COLUMNS]
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if unknown or missing:
        raise ValueError("CSV header: " + "; ".join(
            ([f"unknown column(s) {', '.join(unknown)}"] if unknown else []) +
            ([f"missing column(s) {', '.join(missing)}"] if missing else [])) +
            f" (columns: {', '.join(COLUMNS)})")
    for row in reader:
        yield reader.line_num, row_to_submission(row)
