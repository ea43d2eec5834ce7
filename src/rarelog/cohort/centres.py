"""The centre directory of a synthetic cohort: each centre S001… gets a hospital city, hence a
département, drawn deterministically from the seed and the centre number alone, so the cohort's
content does not depend on it. Expert centres sit mostly in university-hospital (CHU) cities,
weighted roughly by the size of each CHU's rare-disease activity (Paris's AP-HP first)."""
from __future__ import annotations

import csv
import random
from pathlib import Path

from .sampling import Weighted

# (département, city, weight)
_CITIES = Weighted.of([
    (("75", "Paris (AP-HP)"), 30), (("94", "Le Kremlin-Bicêtre (AP-HP)"), 3), (("92", "Garches (AP-HP)"), 1),
    (("93", "Bobigny (AP-HP)"), 1), (("69", "Lyon"), 10), (("13", "Marseille"), 8), (("59", "Lille"), 7),
    (("31", "Toulouse"), 6), (("33", "Bordeaux"), 6), (("44", "Nantes"), 5), (("34", "Montpellier"), 5),
    (("67", "Strasbourg"), 5), (("35", "Rennes"), 4), (("54", "Nancy"), 3), (("38", "Grenoble"), 3),
    (("06", "Nice"), 3), (("76", "Rouen"), 3), (("37", "Tours"), 3), (("21", "Dijon"), 3),
    (("63", "Clermont-Ferrand"), 3), (("49", "Angers"), 2), (("29", "Brest"), 2), (("14", "Caen"), 2),
    (("80", "Amiens"), 2), (("25", "Besançon"), 2), (("87", "Limoges"), 2), (("86", "Poitiers"), 2),
    (("51", "Reims"), 2), (("42", "Saint-Étienne"), 2), (("30", "Nîmes"), 1), (("45", "Orléans"), 1),
    (("57", "Metz"), 1), (("78", "Versailles"), 1), (("974", "Saint-Denis (La Réunion)"), 1),
    (("972", "Fort-de-France"), 1), (("971", "Pointe-à-Pitre"), 1), (("973", "Cayenne"), 0.5),
    (("2A", "Ajaccio"), 0.3)])

HEADER = ("centre_id", "name", "finess", "departement")


def centre(seed: int, number: int) -> dict[str, str]:
    # Seeded apart from the cohort's own generators: adding the directory changed no cohort byte.
    rng = random.Random(f"centre-directory:{seed}:{number}")
    departement, city = _CITIES.pick(rng)
    prefix = departement if len(departement) == 2 else departement[:3]  # FINESS: 97x overseas
    finess = prefix + "".join(str(int(rng.random() * 10)) for _ in range(9 - len(prefix)))
    centre_id = f"S{number:03d}"
    return {"centre_id": centre_id, "name": f"CHU {city}, site maladies rares {centre_id}", "finess": finess,
            "departement": departement}


def directory(seed: int, centres: int) -> list[dict[str, str]]:
    return [centre(seed, n) for n in range(1, max(1, centres) + 1)]


def write_directory(seed: int, centres: int, out: Path) -> None:
    with open(out, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(directory(seed, centres))
