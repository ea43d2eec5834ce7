"""What every rule group shares: how a fault is worded, partial-date arithmetic, and the facts
about a record (birth, death, receipt day) that dates are judged against."""
from __future__ import annotations

import calendar
import math
from dataclasses import dataclass, field
from datetime import date, timedelta

from rarelog_kit.messages import Reason

EARLIEST_YEAR = 1880
# A prenatal diagnosis or consultation may precede birth, by at most a full pregnancy.
PREGNANCY = timedelta(weeks=45)


def fault(code: str, path: str, text: str) -> Reason:
    """A reason whose message starts with the field path and never quotes the value."""
    return Reason(code, f"{path} {text}", path)


def earliest(value: dict) -> date:
    return date(value["year"], value.get("month") or 1, value.get("day") or 1)


def latest(value: dict) -> date:
    year, month = value["year"], value.get("month")
    if month is None:
        return date(year, 12, 31)
    return date(year, month, value.get("day") or days_in_month(year, month))


_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_in_month(year: int, month: int) -> int:
    """calendar.monthrange(year, month)[1], without working out the weekday."""
    return 29 if month == 2 and calendar.isleap(year) else _MONTH_DAYS[month]


def partial_date_problems(value: dict | None, path: str, today: date) -> list[Reason]:
    """A partial date must be a real calendar date as far as it goes, and not in the future."""
    if value is None:
        return []
    year, month, day = value["year"], value.get("month"), value.get("day")
    if not EARLIEST_YEAR <= year <= 9999:
        return [fault("date-invalid", f"{path}.year", f"must be between {EARLIEST_YEAR} and today")]
    if month is None and day is not None:
        return [fault("date-invalid", f"{path}.day", "is set without a month")]
    if month is not None and not 1 <= month <= 12:
        return [fault("date-invalid", f"{path}.month", "must be 1 to 12")]
    if day is not None and not 1 <= day <= days_in_month(year, month):
        return [fault("date-invalid", f"{path}.day", "does not exist in that month")]
    if earliest(value) > today:
        return [fault("date-in-future", path, "is after the day the registry received the submission")]
    return []


def partial_date_ok(value: dict, today: date) -> bool:
    """Whether partial_date_problems finds nothing, without building reasons (every date of
    every submission is checked, and almost all are fine)."""
    year, month, day = value["year"], value.get("month"), value.get("day")
    if month is None:
        return day is None and EARLIEST_YEAR <= year <= today.year
    if not (EARLIEST_YEAR <= year <= 9999 and 1 <= month <= 12):
        return False
    if day is None:
        return (year, month) <= (today.year, today.month)
    return 1 <= day <= days_in_month(year, month) and (year, month, day) <= (today.year, today.month, today.day)


def in_range(value: float | int | None, low: float, high: float) -> bool:
    """True when a (JSON) number is finite and within [low, high]; huge integers are not."""
    try:
        number = float(value)
    except (OverflowError, TypeError, ValueError):
        return False
    return math.isfinite(number) and low <= number <= high


@dataclass
class Context:
    """Facts of one record that several rules judge dates against."""
    today: date
    bad_dates: set[str] = field(default_factory=set)  # paths of dates already refused
    origin: dict | None = None   # birth date, or pregnancy start of a foetus; None if unknown
    foetus: bool = False
    deceased: bool = False
    death: dict | None = None    # valid death date

    def valid(self, value: dict | None, path: str) -> dict | None:
        """The date, when it is given and was not refused already."""
        return value if value is not None and path not in self.bad_dates else None

    def before_origin(self, value: dict, *, prenatal: bool = False) -> bool:
        """Certainly before birth (before the pregnancy start for a foetus). `prenatal` allows
        the pregnancy before a birth."""
        if self.origin is None:
            return False
        limit = earliest(self.origin)
        if prenatal and not self.foetus:
            limit -= PREGNANCY
        return latest(value) < limit

    def origin_words(self) -> str:
        return "the pregnancy start" if self.foetus else "the birth date"

    def after_death(self, value: dict) -> bool:
        return self.death is not None and earliest(value) > latest(self.death)

    def before_birth(self, value: dict | None, path: str, *, prenatal: bool = False) -> list[Reason]:
        when = self.valid(value, path)
        if when is not None and self.before_origin(when, prenatal=prenatal):
            margin = ", by more than a pregnancy" if prenatal and not self.foetus else ""
            return [fault("date-before-birth", path, f"is before {self.origin_words()}{margin}")]
        return []
