"""Date helpers: random days, partial-date texts and SDM-MR ages (JDV_Age + precision)."""
from __future__ import annotations

import random
from datetime import date, timedelta

from .params import REFERENCE_DAY

CENTRES_OPEN = date(2005, 1, 1)  # the national files begin (CEMARA, then BaMaRa)


def plus(day: date, days: float) -> date:
    return day + timedelta(days=int(days))


def uniform_day(rng: random.Random, low: date, high: date) -> date:
    """A day in [low, high] (low when the span is empty)."""
    span = (high - low).days
    return low if span <= 0 else low + timedelta(days=int(rng.random() * (span + 1)))


def clamp(day: date, low: date, high: date = REFERENCE_DAY) -> date:
    return low if day < low else high if day > high else day


def text(day: date, precision: int = 3) -> str:
    """'YYYY-MM-DD', 'YYYY-MM' or 'YYYY' (precision 3, 2, 1)."""
    return day.isoformat()[: (0, 4, 7, 10)[precision]]


def loose_precision(rng: random.Random, full: float = 0.6, month: float = 0.3) -> int:
    u = rng.random()
    return 3 if u < full else 2 if u < full + month else 1


def age_at(birth: date, when: date, *, neonatal: bool = False) -> dict:
    """An AgeAt: ANTENATAL before birth, NEONATAL in the first 28 days when asked, otherwise
    AT_AGE with a precision whose unit suits the age (days, months, then years), so that the
    value agrees with the dates."""
    days = (when - birth).days
    if days < 0:
        return {"period": "ANTENATAL"}
    if neonatal and days < 28:
        return {"period": "NEONATAL"}
    if days < 31:
        return {"period": "AT_AGE", "value": float(days), "unit": "DAYS"}
    months = (when.year - birth.year) * 12 + when.month - birth.month - (when.day < birth.day)
    if months < 24:
        return {"period": "AT_AGE", "value": float(months), "unit": "MONTHS"}
    return {"period": "AT_AGE", "value": float(months // 12), "unit": "YEARS"}
