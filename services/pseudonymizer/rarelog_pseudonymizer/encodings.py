"""Error-tolerant, keyed linkage encodings of a normalised identity. Pure: no I/O.

What leaves the pseudonymizer is plain bytes and hex strings that are worthless without the key:
- one Bloom filter per field (Schnell, Bachteler & Reiher 2009, "Privacy-preserving record
  linkage using Bloom filters"): each token of the field sets `k` bits chosen by double hashing
  (Kirsch & Mitzenmacher 2006) of an HMAC-SHA-256 under a subkey of the field group. Given
  names, surname and used name share one subkey and one length, so a given↔surname swap is
  comparable crosswise;
- hardened by BLIP randomised response (Alaggan, Gambs & Kermarrec 2012; Schnell & Borgs 2016):
  every bit of a non-empty filter flips with probability `blip`, from a stream keyed by the
  record's nonce, so one identity gives different filters in different records and the
  reconciler cannot count equal filters;
- blocking keys that need the clear text: a French-aware phonetic code (`phonetic`, ours) with
  the birth year or the birth day, and birth date with sex, each HMAC'd and cut to 64 bits.

Parameters were chosen by measurement on FEBRL and the synthetic cohort (docs/linkage.md).
Whole values (a name, a place, a date) are cached per encoder with their filter: names and
places repeat a lot, so most records cost dictionary look-ups and integer ORs, not HMACs.
"""
from __future__ import annotations

import functools
import hashlib
import hmac
import math
import re
from dataclasses import dataclass

import numpy as np

from .normalise import NormalisedIdentity

# ---------------------------------------------------------------------------------------------
# parameters


@dataclass(frozen=True)
class EncodingParams:
    name_bits: int = 512    # given name(s), surname and used name: one length, one subkey
    name_k: int = 10
    q: int = 2              # q-grams of names and place, padded with "_" at both ends
    place_bits: int = 512
    place_k: int = 10
    date_bits: int = 512    # birth date and its day/month-swapped twin
    date_k: int = 10
    sex_bits: int = 64
    sex_k: int = 8
    blip: float = 0.01      # BLIP flip probability per bit (docs/linkage.md); 0 = not hardened
    key_hex: int = 16       # blocking keys: 64 bits of HMAC as hex
    phonetic_len: int = 6

    def bits(self, field: str) -> int:
        return {"given": self.name_bits, "given_rest": self.name_bits, "surname": self.name_bits,
                "used": self.name_bits, "place": self.place_bits, "country": self.place_bits, "date": self.date_bits,
                "date_swap": self.date_bits, "sex": self.sex_bits}[field]


DEFAULT = EncodingParams()
FIELDS = ("given", "given_rest", "surname", "used", "date", "date_swap", "place", "country", "sex")  # the filters

# ---------------------------------------------------------------------------------------------
# tokens


def qgrams(text: str, q: int) -> list[str]:
    """Padded q-grams: "ANA" → _A AN NA A_ for q=2. Padding weighs the first and last letters,
    where spelling differences are rarer, and gives one-letter names a token."""
    if not text:
        return []
    padded = "_" * (q - 1) + text + "_" * (q - 1)
    return [padded[i:i + q] for i in range(len(padded) - q + 1)]


def date_tokens(year: int, month: int, day: int) -> list[str]:
    """Year, month, day, month-day, whole date and positional digits: a one-digit typo, a wrong
    year or a wrong day each leave most tokens in common; unknown parts give no tokens."""
    if not year:
        return []
    tokens = [f"Y{year:04d}"]
    digits = f"{year:04d}"
    if month:
        tokens += [f"M{month:02d}", f"YM{year:04d}{month:02d}"]
        digits += f"{month:02d}"
        if day:
            tokens += [f"D{day:02d}", f"MD{month:02d}{day:02d}", f"W{year:04d}{month:02d}{day:02d}"]
            digits += f"{day:02d}"
    return tokens + [f"P{i}{d}" for i, d in enumerate(digits)]


# ---------------------------------------------------------------------------------------------
# phonetic code


_PHONETIC_RULES = [(re.compile(a), b) for a, b in (
    (r"CHR", "KR"), (r"PH", "F"), (r"(?:SCH|SH|CH)", "J"), (r"GH", "G"),
    (r"(?:QU|CK|Q)", "K"), (r"C(?=[EIY])", "S"), (r"GU(?=[EIY])", "K"), (r"G(?=[EIY])", "J"),
    (r"GN", "N"), (r"[CG]", "K"), (r"W", "V"), (r"Y", "I"), (r"ILL", "IL"), (r"BV", "V"),
    (r"E?AULT$", "O"), (r"EAU|AU", "O"), (r"OU", "U"), (r"[AE]I", "E"), (r"H", ""),
    (r"(?<=.)E$", ""), (r"(?<=..)[STXDZ]+$", ""),                 # silent endings
    (r"[BP]", "P"), (r"[DT]", "T"), (r"[FV]", "F"), (r"[SZX]", "S"), (r"[MN]", "N"),
)]
_VOWEL_AFTER_FIRST = re.compile(r"(?<=.)[AEIOU]")
_REPEAT = re.compile(r"(.)\1+")


@functools.lru_cache(maxsize=65536)
def phonetic(name: str, length: int = 6) -> str:
    """A French-aware reduction of a folded name (our own Soundex-like code): French graphemes
    first (PH→F, CH→J sound, QU→K, soft C and G, GN, EAU/AU→O, OU, AI/EI→E, silent H and
    endings), then consonant classes (B/P, D/T, F/V, S/Z/X, M/N, C/G/K), vowels after the first
    letter dropped, repeats collapsed: FONTAINE = FONTENE = FONTAINES, LEFEVRE = LEFEBVRE,
    THIBAULT = TIBO. Used only inside HMAC'd blocking keys."""
    code = name
    for pattern, replacement in _PHONETIC_RULES:
        code = pattern.sub(replacement, code)
    if code[:1] in "AEIOU":
        code = "A" + code[1:]  # an initial vowel is a weak first letter (EMILIE / AMELIE)
    return _REPEAT.sub(r"\1", _VOWEL_AFTER_FIRST.sub("", code))[:length]


# ---------------------------------------------------------------------------------------------
# the encoder


class Encoder:
    """Holds the subkeys and a cache of value filters for one key and one set of parameters."""

    _CACHE_LIMIT = 300_000

    def __init__(self, key: bytes, params: EncodingParams = DEFAULT):
        self.params = params
        sub = {g: hmac.digest(key, f"rarelog-linkage-v1|{g}".encode(), "sha256")
               for g in ("name", "date", "place", "sex", "block", "blip")}
        self._subkeys = sub
        self._shape = {"name": (params.name_bits, params.name_k), "date": (params.date_bits, params.date_k),
                       "place": (params.place_bits, params.place_k), "sex": (params.sex_bits, params.sex_k)}
        self._bits = {f: params.bits(f) for f in FIELDS}
        self._cache: dict[tuple[str, str | tuple], int] = {}

    def _mask(self, group: str, token: str) -> int:
        """The k bits of one token, as an int: (h1 + i·h2) mod m, h1 and h2 from the HMAC."""
        m, k = self._shape[group]
        digest = hmac.digest(self._subkeys[group], token.encode(), "sha256")
        h1, h2 = int.from_bytes(digest[:8], "little"), int.from_bytes(digest[8:16], "little") | 1
        bits = 0
        for i in range(k):
            bits |= 1 << ((h1 + i * h2) % m)
        return bits

    def _value(self, group: str, value: str | tuple, tokens: list[str] | None = None) -> int:
        """The filter of one value (a name, a place, a date), cached: values repeat a lot."""
        cached = self._cache.get((group, value))
        if cached is None:
            if tokens is None:
                tokens = qgrams(value, self.params.q) if isinstance(value, str) else date_tokens(*value)
            cached = 0
            for token in tokens:
                cached |= self._mask(group, token)
            if len(self._cache) >= self._CACHE_LIMIT:
                self._cache.clear()  # rare: more distinct values than the limit
            self._cache[(group, value)] = cached
        return cached

    def filters(self, ident: NormalisedIdentity) -> dict[str, int]:
        """Clear (not hardened) filters as ints, one per field of FIELDS (0 when unknown):
        bit p of the int is bit p of the filter.
        - given: letter bigrams of the first given name; given_rest: of the further given names;
        - surname, used (the used name when it differs): letter bigrams;
        - place: bigrams of the birth commune's code; country: of the 99xxx code when born abroad
          (apart, because sharing a country of birth says much less than sharing a commune);
        - date: date_tokens; date_swap: the same with day and month exchanged, when that is
          another valid date (03/04 written for 04/03);
        - sex: one token, M or F."""
        rest = 0
        for name in ident.given_names.split()[1:]:
            rest |= self._value("name", name)
        y, m, d = ident.birth_year, ident.birth_month, ident.birth_day
        place = self._value("place", ident.birth_place) if ident.birth_place else 0
        abroad = ident.birth_place.startswith("99")
        return {
            "given": self._value("name", ident.first_given_name) if ident.first_given_name else 0,
            "given_rest": rest,
            "surname": self._value("name", ident.surname) if ident.surname else 0,
            "used": self._value("name", ident.used_name) if ident.used_name not in ("", ident.surname) else 0,
            "date": self._value("date", (y, m, d)) if y else 0,
            "date_swap": self._value("date", (y, d, m)) if y and 0 < d <= 12 and d != m else 0,
            "place": 0 if abroad else place,
            "country": place if abroad else 0,
            "sex": self._value("sex", ident.sex, [f"S{ident.sex}"]) if ident.sex in ("M", "F") else 0,
        }

    def _blip(self, filters: dict[str, int], nonce: bytes) -> dict[str, int]:
        """Randomised response: flip each bit of every non-empty filter with probability `blip`,
        from a keyed stream that depends on the record (nonce), so it is reproducible but differs
        between two records of the same identity. Empty filters stay empty (missing is not
        hidden). The fields' bits are taken end to end and the flipped positions drawn by
        geometric skips (the gap to the next flip is Geometric(blip)): a few dozen draws per
        record, in one numpy pass, instead of one draw per bit."""
        f, total = self.params.blip, sum(self._bits.values())
        seed = hmac.digest(self._subkeys["blip"], nonce, "sha256")
        draws, block, last, found = int(total * f * 1.5) + 64, 0, -1, []
        while last < total:
            raw = hashlib.shake_256(seed + block.to_bytes(4, "little")).digest(4 * draws)
            uniform = (np.frombuffer(raw, dtype="<u4").astype(np.float64) + 1.0) / 4294967296.0
            steps = last + np.cumsum(np.floor(np.log(uniform) / math.log1p(-f)).astype(np.int64) + 1)
            found.append(steps[steps < total])
            last, block = int(steps[-1]), block + 1
        mask = np.zeros(total, dtype=bool)
        mask[np.concatenate(found)] = True
        flips = np.packbits(mask, bitorder="little").tobytes()
        out, offset = {}, 0
        for field in FIELDS:
            m = self._bits[field]
            bits = filters[field]
            out[field] = bits ^ int.from_bytes(flips[offset // 8:(offset + m) // 8], "little") if bits else 0
            offset += m
        return out

    def blocking_keys(self, ident: NormalisedIdentity) -> list[str]:
        """Keys the reconciler can only compare for equality. Domain-separated, so two kinds never
        collide; the list is sorted so that it reveals nothing of which kind is which."""
        p, year = self.params, ident.birth_year
        sur, given = phonetic(ident.surname, p.phonetic_len), phonetic(ident.first_given_name, p.phonetic_len)
        clear = []
        md = f"{ident.birth_month}|{ident.birth_day}" if ident.birth_month and ident.birth_day else ""
        if sur and year:
            clear.append(f"PSY|{sur}|{year}")
        if given and year:
            clear.append(f"PGY|{given}|{year}")
        if sur and given:  # swap-proof; survives a wrong year (alone, and with month and day)
            pair = "|".join(sorted((sur, given)))
            clear.append(f"PSG|{pair}")
            if md:
                clear.append(f"PSGD|{pair}|{md}")
        if ident.used_name and ident.used_name != ident.surname and year:
            clear.append(f"PSY|{phonetic(ident.used_name, p.phonetic_len)}|{year}")  # meets a PSY
        if year and ident.birth_month:
            clear.append(f"YMS|{year}|{ident.birth_month}|{ident.sex}")
            if ident.birth_day:  # whatever the names: ~20 people per date and sex in 1.6 M
                clear.append(f"YMDS|{year}|{md}|{ident.sex}")
        key = self._subkeys["block"]
        return sorted(hmac.digest(key, c.encode(), "sha256").hex()[:p.key_hex] for c in clear)

    def encode(self, ident: NormalisedIdentity, nonce: bytes = b"") -> dict[str, bytes | str | list[str]]:
        """Field filters as little-endian bytes (bit p = byte p//8, bit p%8; b"" when the field is
        unknown), blocking keys as hex, the foetus rank ("" for a person) in clear.
        `nonce` should be the record key: it seeds the BLIP noise (see _blip). Without one, two
        records of one identity get the same noise, and equal filters show again."""
        out: dict[str, bytes | str | list[str]] = {}
        filters = self.filters(ident)
        if self.params.blip > 0:
            filters = self._blip(filters, nonce)
        for field, bits in filters.items():
            # an empty field is b"": missing, and nothing to store
            out[field] = bits.to_bytes(self._bits[field] // 8, "little") if bits else b""
        out["blocking"] = self.blocking_keys(ident)
        out["foetus_rank"] = str(ident.foetus_rank) if ident.is_foetus else ""
        return out

    def encode_many(self, idents: list[NormalisedIdentity], nonces: list[bytes] | None = None) -> list[dict]:
        """The batch form: the same values as `encode`, one per identity."""
        nonces = nonces or [b""] * len(idents)
        return [self.encode(i, n) for i, n in zip(idents, nonces)]


_ENCODERS: dict[tuple[bytes, EncodingParams], Encoder] = {}


def encode(key: bytes, ident: NormalisedIdentity, params: EncodingParams = DEFAULT,
           nonce: bytes = b"") -> dict[str, bytes | str | list[str]]:
    """One record's encodings. Keeps one cached Encoder per (key, params): indexed by a
    fingerprint of the key, never by the key itself."""
    fingerprint = hashlib.sha256(b"rarelog-encoder|" + key).digest()
    encoder = _ENCODERS.get((fingerprint, params))
    if encoder is None:
        if len(_ENCODERS) > 8:
            _ENCODERS.clear()
        encoder = _ENCODERS[(fingerprint, params)] = Encoder(key, params)
    return encoder.encode(ident, nonce)
