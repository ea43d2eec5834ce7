"""Clinical code lists: which ORPHAcodes are frequent, their genes and treatments, HPO terms,
ICF codes. ORPHAcodes are always checked against the platform's Orphanet extract, so that only
active codes are ever drawn."""
from __future__ import annotations

import random
from functools import lru_cache
from typing import NamedTuple

from rarelog_kit.reference import orphanet

from .sampling import Weighted

UNDIAGNOSED = "ORPHA:616874"


class Disorder(NamedTuple):
    code: str
    onset: str                 # congenital, child, adult or any
    heredity: str | None       # Heredity symbol; None when not a single-gene disorder
    genes: tuple[str, ...]     # HGNC ids
    screened: bool = False     # found by French newborn screening


# The frequent head, most frequent first (rough order of French expert-centre files).
_HEAD = (
    Disorder("ORPHA:232", "congenital", "AR", ("HGNC:4827",), True),      # sickle cell anaemia, HBB
    Disorder("ORPHA:586", "congenital", "AR", ("HGNC:1884",), True),      # cystic fibrosis, CFTR
    Disorder("ORPHA:558", "child", "AD", ("HGNC:3603",)),                 # Marfan, FBN1
    Disorder("ORPHA:636", "child", "AD", ("HGNC:7765",)),                 # NF1
    Disorder("ORPHA:285", "child", "AD", ()),                             # hypermobile EDS
    Disorder("ORPHA:98896", "child", "XLR", ("HGNC:2928",)),              # Duchenne, DMD
    Disorder("ORPHA:870", "congenital", "SPO", ()),                       # Down syndrome
    Disorder("ORPHA:881", "congenital", "SPO", ()),                       # Turner
    Disorder("ORPHA:908", "child", "XLD", ("HGNC:3775",)),                # fragile X, FMR1
    Disorder("ORPHA:567", "congenital", "AD", ()),                        # 22q11.2 deletion
    Disorder("ORPHA:803", "adult", None, ()),                             # ALS
    Disorder("ORPHA:273", "any", "AD", ("HGNC:2933",)),                   # Steinert, DMPK
    Disorder("ORPHA:536", "adult", None, ()),                             # SLE
    Disorder("ORPHA:797", "adult", None, ()),                             # sarcoidosis
    Disorder("ORPHA:90291", "adult", None, ()),                           # systemic sclerosis
    Disorder("ORPHA:805", "child", "AD", ("HGNC:12362", "HGNC:12363")),   # TSC1/TSC2
    Disorder("ORPHA:70", "child", "AR", ("HGNC:11117",)),                 # SMA, SMN1
    Disorder("ORPHA:399", "adult", "AD", ("HGNC:4851",)),                 # Huntington, HTT
    Disorder("ORPHA:778", "child", "XLD", ("HGNC:6990",)),                # Rett, MECP2
    Disorder("ORPHA:791", "any", "AR", ()),                               # retinitis pigmentosa
    Disorder("ORPHA:98878", "congenital", "XLR", ("HGNC:3546",)),         # haemophilia A, F8
    Disorder("ORPHA:589", "adult", None, ()),                             # myasthenia gravis
    Disorder("ORPHA:739", "congenital", "SPO", ()),                       # Prader-Willi
    Disorder("ORPHA:904", "congenital", "SPO", ()),                       # Williams
    Disorder("ORPHA:2331", "child", None, ()),                            # Kawasaki
    Disorder("ORPHA:648", "congenital", "AD", ("HGNC:9644",)),            # Noonan, PTPN11
    Disorder("ORPHA:730", "adult", "AD", ("HGNC:9008", "HGNC:9009")),     # ADPKD, PKD1/PKD2
    Disorder("ORPHA:15", "congenital", "AD", ("HGNC:3690",)),             # achondroplasia, FGFR3
    Disorder("ORPHA:666", "congenital", "AD", ("HGNC:2197", "HGNC:2198")),  # OI, COL1A1/COL1A2
    Disorder("ORPHA:905", "child", "AR", ("HGNC:870",)),                  # Wilson, ATP7B
    Disorder("ORPHA:117", "adult", None, ()),                             # Behçet
    Disorder("ORPHA:33069", "child", "AD", ("HGNC:10585",)),              # Dravet, SCN1A
    Disorder("ORPHA:72", "child", "SPO", ("HGNC:12496",)),                # Angelman, UBE3A
    Disorder("ORPHA:447", "adult", None, ()),                             # PNH
    Disorder("ORPHA:355", "any", "AR", ("HGNC:4177",)),                   # Gaucher, GBA1
    Disorder("ORPHA:324", "any", "XLR", ("HGNC:4296",)),                  # Fabry, GLA
    Disorder("ORPHA:716", "congenital", "AR", ("HGNC:8582",), True),      # PKU, PAH
    Disorder("ORPHA:365", "any", "AR", ("HGNC:4065",)),                   # Pompe, GAA
    Disorder("ORPHA:63", "child", "XLD", ()),                             # Alport
    Disorder("ORPHA:3451", "child", None, ()),                            # infantile spasms
    Disorder("ORPHA:287", "child", "AD", ()),                             # classical EDS
    Disorder("ORPHA:827", "child", "AR", ("HGNC:34",)),                   # Stargardt, ABCA4
    Disorder("ORPHA:104", "adult", "MI", ()),                             # LHON
    Disorder("ORPHA:3287", "adult", None, ()),                            # Takayasu
    Disorder("ORPHA:892", "adult", "AD", ("HGNC:12687",)),                # VHL
    Disorder("ORPHA:89936", "child", "XLD", ("HGNC:8918",)),              # XLH, PHEX
    Disorder("ORPHA:213", "child", "AR", ()),                             # cystinosis
    Disorder("ORPHA:882", "congenital", "AR", (), True),                   # tyrosinaemia 1
)

# Orphan medicines (EMA procedure, ATC) and a few specific treatments without an EMA code.
TREATMENTS: dict[str, tuple[tuple[str | None, str], ...]] = {
    "ORPHA:586": (("EMEA/H/C/005269", "R07AX32"), ("EMEA/H/C/002494", "R07AX02")),
    "ORPHA:70": (("EMEA/H/C/004312", "M09AX07"), ("EMEA/H/C/004750", "M09AX09"), ("EMEA/H/C/005145", "M09AX10")),
    "ORPHA:98896": (("EMEA/H/C/002720", "M09AX03"), (None, "H02AB07")),
    "ORPHA:355": (("EMEA/H/C/003724", "A16AX10"), ("EMEA/H/C/000435", "A16AX06")),
    "ORPHA:324": (("EMEA/H/C/000370", "A16AB04"), ("EMEA/H/C/004059", "A16AX14")),
    "ORPHA:365": (("EMEA/H/C/000636", "A16AB07"),),
    "ORPHA:716": (("EMEA/H/C/000943", "A16AX07"),),
    "ORPHA:447": (("EMEA/H/C/000791", "L04AA25"),),
    "ORPHA:882": (("EMEA/H/C/000555", "A16AX04"),),
    "ORPHA:636": (("EMEA/H/C/005244", "L01EE04"),),
    "ORPHA:89936": (("EMEA/H/C/004275", "M05BX05"),),
    "ORPHA:213": (("EMEA/H/C/000125", "A16AA04"),),
    "ORPHA:232": (("EMEA/H/C/004239", "L01XX05"),),
    "ORPHA:803": (("EMEA/H/C/000109", "N07XX02"),),
    "ORPHA:98878": (("EMEA/H/C/004406", "B02BX06"),),
    "ORPHA:730": (("EMEA/H/C/002788", "C03XA01"),),
    "ORPHA:905": (("EMEA/H/C/004005", "A16AX12"), (None, "M01CC01")),
    "ORPHA:536": ((None, "P01BA02"), (None, "H02AB07")),
    "ORPHA:589": ((None, "N07AA02"), (None, "J06BA02")),
    "ORPHA:2331": ((None, "J06BA02"),),
    "ORPHA:117": ((None, "L04AB02"),),
    "ORPHA:881": ((None, "H01AC01"),),
    "ORPHA:739": ((None, "H01AC01"),),
}

# Disease genes for the tail (an id per disorder, fixed by its number).
GENE_POOL = ("HGNC:1100", "HGNC:1101", "HGNC:11998", "HGNC:7127", "HGNC:7325", "HGNC:583", "HGNC:9588",
             "HGNC:6407", "HGNC:3689", "HGNC:2201", "HGNC:10012", "HGNC:7577", "HGNC:7551", "HGNC:6294",
             "HGNC:6251", "HGNC:10593", "HGNC:3688", "HGNC:9884", "HGNC:1014", "HGNC:2186", "HGNC:11389",
             "HGNC:4565", "HGNC:6636", "HGNC:8616", "HGNC:3236", "HGNC:9282", "HGNC:11634", "HGNC:1787")
HPO_TERMS = ("HP:0001249", "HP:0001250", "HP:0001263", "HP:0000252", "HP:0001508", "HP:0001252",
             "HP:0000729", "HP:0004322", "HP:0001631", "HP:0000365", "HP:0000505", "HP:0002650",
             "HP:0001382", "HP:0003198", "HP:0001251", "HP:0100543", "HP:0000717", "HP:0002376",
             "HP:0001627", "HP:0000077", "HP:0001999", "HP:0000256", "HP:0001510", "HP:0000750",
             "HP:0001270", "HP:0000486", "HP:0001629", "HP:0000028", "HP:0001513")
ICD10_COMORBID = ("F84.0", "G80.9", "Q21.1", "E66.9", "E11.9", "G40.9", "F70", "H90.3", "Q90.9")
ICF_CODES = ("b117", "b130", "b144", "b152", "b1670", "b210", "b230", "b280", "b440", "b710", "b730", "b760",
             "d166", "d330", "d450", "d465", "d510", "d540", "d550", "d820", "d850")
BIOBANKS = tuple(f"BB-0033-{n:05d}" for n in (11, 14, 24, 33, 36, 39, 40, 46, 53, 66))
_HEREDITY_TAIL = Weighted(("AR", "AD", "XLR", "XLD", "MI", "INC", "SPO", None), (34, 30, 6, 2, 2, 8, 6, 12))
_ONSET_TAIL = Weighted(("congenital", "child", "adult", "any"), (30, 35, 20, 15))


class Catalogue:
    """Disorders in frequency order with a Zipf-Mandelbrot weight, drawn from the active codes."""

    def __init__(self) -> None:
        active = orphanet().names
        head = [d for d in _HEAD if d.code in active]
        head_codes = {d.code for d in head}
        tail_codes = sorted((c for c in active if c not in head_codes and c != UNDIAGNOSED),
                            key=lambda c: int(c[6:]))
        # A fixed shuffle (its own seed, not the cohort's) decides which tail codes are less rare.
        random.Random(20250116).shuffle(tail_codes)
        tail = [self._tail_disorder(c) for c in tail_codes]
        self.disorders = tuple(head + tail)
        self.weighted = Weighted.zipf(self.disorders, 1.05, 6.0)
        self.by_code = {d.code: d for d in self.disorders}

    @staticmethod
    def _tail_disorder(code: str) -> Disorder:
        rng = random.Random(int(code[6:]))  # traits fixed per code, the same in every cohort
        heredity = _HEREDITY_TAIL.pick(rng)
        genes = (GENE_POOL[int(code[6:]) % len(GENE_POOL)],) if heredity not in (None, "SPO") else ()
        return Disorder(code, _ONSET_TAIL.pick(rng), heredity, genes)

    def pick(self, rng: random.Random) -> Disorder:
        return self.weighted.pick(rng)


@lru_cache(maxsize=1)
def catalogue() -> Catalogue:
    return Catalogue()
