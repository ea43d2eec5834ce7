"""Error-tolerant, keyed linkage encodings of a normalised identity. Pure: no I/O.

What leaves the pseudonymizer is plain bytes and hex strings that are worthless without the key:
- one Bloom filter per field (Schnell, Bachteler & Reiher 2009, "Privacy-preserving record
  linkage using Bloom filters"): each token of the field sets `k` bits chosen by double hashing
  (Kirsch & Mitzenmacher 2006) of an HMAC-SHA-256 under a subkey of the field group. Given name,
  surname and used name share one subkey and one length, so a given↔surname swap is comparable
  crosswise;
- optionally hardened by BLIP randomised response (Alaggan, Gambs & Kermarrec 2012; Schnell &
  Borgs 2016): every bit of a non-empty filter is flipped with probability `blip`, from a stream
  keyed by the record's nonce, so one identity gives different filters in different records and
  the reconciler cannot count equal filters;
- blocking keys that need the clear text: a French-aware phonetic code (`phonetic`, ours) with
  the birth year, and birth year-month with sex, each HMAC'd and cut to a short hex string.

Parameters were chosen by measurement on FEBRL (docs/linkage.md, "Encoding"). Token masks are
cached per encoder: names, places and dates reuse a small vocabulary of q-grams and date tokens,
so a record costs dictionary look-ups and integer ORs, not HMACs.
"""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass

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
    blip: float = 0.02      # BLIP flip probability per bit (docs/linkage.md); 0 = not hardened
    key_hex: int = 16       # blocking keys: 64 bits of HMAC as hex
    phonetic_len: int = 6

    def bits(self, field: str) -> int:
        return {"given": self.name_bits, "given_all": self.name_bits, "surname": self.name_bits, "used": self.name_bits,
                "place": self.place_bits, "date": self.date_bits, "date_swap": self.date_bits,
                "sex": self.sex_bits}[field]


DEFAULT = EncodingParams()
FIELDS = ("given", "given_all", "surname", "used", "date", "date_swap", "place", "sex")  # the filters
_GROUP = {"given": "name", "given_all": "name", "surname": "name", "used": "name", "date": "date", "date_swap": "date",
          "place": "place", "sex": "sex"}

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


def tokens_of(ident: NormalisedIdentity, q: int) -> dict[str, list[str]]:
    place = ident.birth_place
    names = ident.given_names.split()
    # all given names, only when there is more than the first (else the first name's filter says it)
    every = [t for name in names for t in qgrams(name, q)] if names[1:] else []
    return {"given": qgrams(ident.first_given_name, q), "given_all": every, "surname": qgrams(ident.surname, q),
            "used": qgrams(ident.used_name, q) if ident.used_name != ident.surname else [],
            "date": date_tokens(ident.birth_year, ident.birth_month, ident.birth_day),
            # day and month exchanged (03/04 written for 04/03), when that is another valid date
            "date_swap": date_tokens(ident.birth_year, ident.birth_day, ident.birth_month)
            if 0 < ident.birth_day <= 12 and ident.birth_day != ident.birth_month else [],
            "place": qgrams(place, q), "sex": [f"S{ident.sex}"] if ident.sex in ("M", "F") else []}


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


def phonetic(name: str, length: int = 6) -> str:
    """A French-aware reduction of a folded name (our own Soundex-like code): French graphemes
    first (PH→F, CH→J sound, QU→K, soft C and G, GN, EAU/AU→O, OU, AI/EI→E, silent H and
    endings), then consonant classes (B/P, D/T, F/V, S/Z/X, M/N, C/G/K), vowels after the first
    letter dropped, repeats collapsed. FONTAINE = FONTENE = FONTAINES, LEFEVRE = LEFEBVRE, THIBAULT = TIBO;
    used only inside HMAC'd blocking keys."""
    code = name
    for pattern, replacement in _PHONETIC_RULES:
        code = pattern.sub(replacement, code)
    if code[:1] in "AEIOU":
        code = "A" + code[1:]  # an initial vowel is a weak first letter (EMILIE / AMELIE)
    return _REPEAT.sub(r"\1", _VOWEL_AFTER_FIRST.sub("", code))[:length]


# ---------------------------------------------------------------------------------------------
# the encoder


class Encoder:
    """Holds the subkeys and a cache of token masks for one key and one set of parameters."""

    _CACHE_LIMIT = 300_000

    def __init__(self, key: bytes, params: EncodingParams = DEFAULT):
        self.params = params
        sub = {g: hmac.digest(key, f"rarelog-linkage-v1|{g}".encode(), "sha256")
               for g in ("name", "date", "place", "sex", "block", "blip")}
        self._subkeys = sub
        self._cache: dict[tuple[str, str], int] = {}

    def _mask(self, field: str, token: str) -> int:
        """The k bits of one token, as an int: (h1 + i·h2) mod m, h1 and h2 from the HMAC."""
        group = _GROUP[field]
        cached = self._cache.get((group, token))
        if cached is None:
            m, k = self.params.bits(field), getattr(self.params, f"{'name' if group == 'name' else group}_k")
            digest = hmac.digest(self._subkeys[group], token.encode(), "sha256")
            h1, h2 = int.from_bytes(digest[:8], "little"), int.from_bytes(digest[8:16], "little") | 1
            cached = 0
            for i in range(k):
                cached |= 1 << ((h1 + i * h2) % m)
            if len(self._cache) >= self._CACHE_LIMIT:
                self._cache.clear()  # rare: a cohort with more distinct dates than the limit
            self._cache[(group, token)] = cached
        return cached

    def filters(self, ident: NormalisedIdentity) -> dict[str, int]:
        """Clear (not hardened) filters as ints: bit p of the int is bit p of the filter."""
        out = {}
        for field, toks in tokens_of(ident, self.params.q).items():
            bits = 0
            for token in toks:
                bits |= self._mask(field, token)
            out[field] = bits
        return out

    def _blip(self, field: str, bits: int, nonce: bytes) -> int:
        """Randomised response: flip each bit with probability `blip`, from a keyed stream that
        depends on the record (nonce) and the field, so it is reproducible but differs between
        two records of the same identity. Empty filters stay empty (missing is not hidden).

        The flip mask has P(bit) = q / 256 with q = round(256·blip): eight random words are
        combined from the lowest binary digit of q up, OR for a 1 and AND for a 0."""
        m, q = self.params.bits(field), round(self.params.blip * 256)
        if not bits or q <= 0:
            return bits
        seed = hmac.digest(self._subkeys["blip"], nonce + b"|" + field.encode(), "sha256")
        n = m // 8
        stream = hashlib.shake_256(seed).digest(8 * n)
        flips = 0
        for i in range(8):
            word = int.from_bytes(stream[i * n:(i + 1) * n], "little")
            flips = (word | flips) if (q >> i) & 1 else (word & flips)
        return bits ^ flips

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
        `nonce` should be the record key: it seeds the BLIP noise (see _blip)."""
        out: dict[str, bytes | str | list[str]] = {}
        for field, bits in self.filters(ident).items():
            if self.params.blip:
                bits = self._blip(field, bits, nonce)
            # an empty field is b"": missing, and nothing to store
            out[field] = bits.to_bytes(self.params.bits(field) // 8, "little") if bits else b""
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
