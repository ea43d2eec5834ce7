"""Comparison of two records and the Fellegi-Sunter model (Fellegi & Sunter 1969) fitted by EM
(Winkler 1988; Jaro 1989) over the whole pair space.

A pair is compared field by field: Dice of the two filters, binned into agreement levels (0 =
missing on either side, then from "disagree" up to "agree"). Given name and surname are compared
crosswise too, and the orientation that agrees better is kept, so a swap costs nothing. The
surname also meets the used name (nom d'usage) both ways, the first given name meets the further
given names, and the birth date meets its day/month-swapped form: each takes the best Dice. The
further given names and the country of birth (for people born abroad) are fields of their own.

The model is a plain dict of floats (`to_dict` / `from_dict`), so the service can keep it in its
changelog and decide the same way after a restart.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .blocking import jit, jit_inline, numba
from .filters import FilterStore

COMPARED = ("given", "surname", "date", "place", "sex", "given_rest", "country")

# Dice thresholds of the agreement levels: level l + 1 when Dice ≥ thresholds[l]. Measured on
# FEBRL4 (docs/linkage.md): F1 moves by less than 0.001 across sensible choices; these keep a top
# level for "same value" and three for typos. Scaled down for BLIP-hardened filters.
DEFAULT_THRESHOLDS: dict[str, tuple[float, ...]] = {
    "given": (0.55, 0.7, 0.85, 0.97),
    "surname": (0.55, 0.7, 0.85, 0.97),
    "date": (0.55, 0.7, 0.85, 0.97),
    "place": (0.55, 0.7, 0.85, 0.97),
    "sex": (0.5,),
    "given_rest": (0.55, 0.7, 0.85, 0.97),
    "country": (0.55, 0.7, 0.85, 0.97),
}


# Every Dice a comparison needs, as (field of a, field of b). Crosswise names catch a swap, the
# used name meets the surname both ways (a woman under her married name in one centre, her birth
# name in another), all given names meet the first ("Marie" / "Marie Claire Anne"), and the
# day/month-swapped date meets the date.
_COMBOS = (("given", "given"), ("surname", "surname"), ("given", "surname"), ("surname", "given"),
           ("given_rest", "given_rest"), ("given", "given_rest"), ("given_rest", "given"),
           ("surname", "used"), ("used", "surname"), ("used", "used"),
           ("date", "date"), ("date", "date_swap"), ("date_swap", "date"), ("place", "place"), ("sex", "sex"),
           ("country", "country"))
_C = {combo: i for i, combo in enumerate(_COMBOS)}


def _layout(store: FilterStore) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Column indices that line up each combination's two fields, and where each segment starts
    (cached on the store: its layout never changes)."""
    cached = getattr(store, "_combo_layout", None)
    if cached is not None:
        return cached
    cols_a, cols_b, starts = [], [], []
    for fa, fb in _COMBOS:
        sa, sb = store.slices[fa], store.slices[fb]
        starts.append(len(cols_a))
        cols_a += range(sa.start, sa.stop)
        cols_b += range(sb.start, sb.stop)
    pop_a = np.array([store.column[fa] for fa, _ in _COMBOS])
    pop_b = np.array([store.column[fb] for _, fb in _COMBOS])
    store._combo_layout = np.array(cols_a), np.array(cols_b), np.array(starts), pop_a, pop_b
    return store._combo_layout


def dice_matrix(store: FilterStore, a: np.ndarray, b: np.ndarray, other: FilterStore | None = None) -> np.ndarray:
    """(pairs × combinations) Dice, NaN where a filter is empty. `a` may hold one row for all."""
    other = other or store
    cols_a, cols_b, starts, pop_a, pop_b = _layout(store)
    both = store.bits[a][:, cols_a] & other.bits[b][:, cols_b]  # rows first, then columns: faster
    shared = np.add.reduceat(np.bitwise_count(both), starts, axis=1, dtype=np.int32)
    pa, pb = store.pop[a][:, pop_a].astype(np.int32), other.pop[b][:, pop_b].astype(np.int32)
    with np.errstate(invalid="ignore", divide="ignore"):
        out = (2.0 * shared / (pa + pb)).astype(np.float32)
    out[(pa == 0) | (pb == 0)] = np.nan
    return out


def similarities(store: FilterStore, a: np.ndarray, b: np.ndarray, swap_margin: float = 0.1,
                 other: FilterStore | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(pairs × COMPARED) similarities of the pairs (a[i], b[i]) — rows of `b` from `other` when
    given — and whether each pair was read crosswise (given name and surname swapped)."""
    d = dice_matrix(store, a, b, other)
    col = lambda x, y: d[:, _C[(x, y)]]  # noqa: E731
    gg, ss, gs, sg = col("given", "given"), col("surname", "surname"), col("given", "surname"), col("surname", "given")
    with np.errstate(invalid="ignore"):
        swapped = (gs + sg) > (gg + ss) + swap_margin  # False where any is NaN
    # the first given name of one may stand among the further given names of the other
    given = np.fmax.reduce([np.where(swapped, gs, gg), col("given", "given_rest"), col("given_rest", "given")])
    surname = np.fmax.reduce([np.where(swapped, sg, ss), col("surname", "used"), col("used", "surname"),
                              col("used", "used")])
    date = np.fmax.reduce([col("date", "date"), col("date", "date_swap"), col("date_swap", "date")])
    return np.stack([given, surname, date, col("place", "place"), col("sex", "sex"), col("given_rest", "given_rest"),
                     col("country", "country")], axis=1), swapped


if numba is not None:
    from numba.extending import intrinsic

    @intrinsic
    def _popcount(typingctx, x):
        """LLVM's ctpop: one POPCNT instruction."""
        if x != numba.types.uint64:
            return None

        def codegen(context, builder, signature, args):
            return builder.ctpop(args[0])
        return numba.types.uint64(numba.types.uint64), codegen
else:
    def _popcount(x):
        return np.uint64(int(x).bit_count())


@jit_inline
def _fmax(a, b):
    return b if np.isnan(a) else (a if np.isnan(b) or a >= b else b)


@jit
def score_members(rows, rank, patient_of, ranks, records_of, head, nxt, bits, pop, qbits, qpop,
                  cols_a, cols_b, seg, pop_a, pop_b, thresholds, weights, swap_margin, prior, link):
    """One record against its candidates, compiled: the candidate rows that are live and of its
    foetus rank, their patients (sorted numbers), every live row of those patients grouped by
    patient in chain order (as assign._members), and per row the log2 posterior odds, agreement
    levels and crosswise flag — the same values as similarities → levels → bayes_factor + prior
    (float32 Dice, the same float32 sums and comparisons, the level weights summed in order).
    Returns (candidates, patients, starts, all_rows, score, levels, swapped, top, top_row, second)."""
    size = 16
    while size < 2 * len(rows):
        size *= 2
    seen = np.full(size, -1, dtype=np.int64)  # open addressing: rows arrive once per key shared
    n_cand = 0
    cand = np.empty(len(rows), dtype=np.int64)
    for r in rows:
        if patient_of[r] >= 0 and ranks[r] == rank:
            slot = (r * 0x9E3779B1) & (size - 1)
            while seen[slot] >= 0 and seen[slot] != r:
                slot = (slot + 1) & (size - 1)
            if seen[slot] < 0:
                seen[slot] = r
                cand[n_cand] = patient_of[r]
                n_cand += 1
    patients = np.unique(cand[:n_cand])
    starts = np.empty(len(patients), dtype=np.int64)
    total = 0
    for i in range(len(patients)):
        starts[i] = total
        total += records_of[patients[i]]
    all_rows = np.empty(total, dtype=np.int64)
    at = 0
    for i in range(len(patients)):
        r = head[patients[i]]
        while r >= 0:
            all_rows[at] = r
            at += 1
            r = nxt[r]
    n_fields, width = thresholds.shape
    score = np.full(total, -np.inf)  # -inf: not computed (a row that cannot matter, see below)
    lev = np.zeros((total, n_fields), dtype=np.int8)
    swapped = np.zeros(total, dtype=np.bool_)
    owner = np.empty(total, dtype=np.int64)
    if total == 0:
        return n_cand, patients, starts, all_rows, score, lev, swapped, 0, 0, -np.inf
    for p in range(len(patients)):
        end = starts[p + 1] if p + 1 < len(patients) else total
        owner[starts[p]:end] = p
    d = np.empty(len(pop_a), dtype=np.float32)
    # Branch and bound. An upper bound of each row's score from the birth date, place and sex
    # alone (the other fields at their best weight); rows are then scored exactly in decreasing
    # bound until the bound falls below both the best exact score so far and the link threshold:
    # such a row can be neither the best nor a runner-up that makes the best ambiguous. The best
    # patient's rows are then all scored (its mean). Same decision, fewer rows read.
    rest = 0.0
    for c in (0, 1, 5, 6):  # given, surname, given_rest, country
        top_weight = weights[c, 0]
        for level in range(1, weights.shape[1]):
            top_weight = max(top_weight, weights[c, level])
        rest += top_weight
    bound = np.empty(total)
    for i in range(total):
        r = all_rows[i]
        for c in range(10, 15):
            d[c] = _dice_one(c, r, bits, pop, qbits, qpop, cols_a, cols_b, seg, pop_a, pop_b)
        partial = (weights[2, _level(_fmax(_fmax(d[10], d[11]), d[12]), thresholds, 2)]
                   + weights[3, _level(d[13], thresholds, 3)] + weights[4, _level(d[14], thresholds, 4)])
        bound[i] = partial + rest + prior + 1e-6  # the margin covers the sums' rounding
    best = -np.inf
    for i in np.argsort(-bound):
        if bound[i] < best and (bound[i] <= -1000 or 1.0 / (1.0 + 2.0 ** (-bound[i])) < link):
            break
        _exact(i, all_rows[i], bits, pop, qbits, qpop, cols_a, cols_b, seg, pop_a, pop_b, thresholds, weights,
               swap_margin, prior, d, score, lev, swapped)
        best = max(best, score[i])
    # the best patient (ties to the lowest number: the oldest)
    top = -1
    for i in range(total):
        if score[i] == best and score[i] > -np.inf and (top < 0 or owner[i] < top):
            top = owner[i]
    top = max(top, 0)
    end = starts[top + 1] if top + 1 < len(patients) else total
    for i in range(starts[top], end):
        if score[i] == -np.inf:
            _exact(i, all_rows[i], bits, pop, qbits, qpop, cols_a, cols_b, seg, pop_a, pop_b, thresholds, weights,
                   swap_margin, prior, d, score, lev, swapped)
    top_row = starts[top]  # its best row: the first in chain order
    for i in range(starts[top] + 1, end):
        if score[i] > score[top_row]:
            top_row = i
    second = -np.inf  # the runner-up patient's best score
    for i in range(total):
        if owner[i] != top:
            second = max(second, score[i])
    return n_cand, patients, starts, all_rows, score, lev, swapped, top, top_row, second


@jit_inline
def _dice_one(c, r, bits, pop, qbits, qpop, cols_a, cols_b, seg, pop_a, pop_b):
    """Combination c's Dice of the query and stored row r (float32, NaN when a filter is empty)."""
    pa, pb = np.int32(qpop[pop_a[c]]), np.int32(pop[r, pop_b[c]])
    if pa == 0 or pb == 0:
        return np.float32(np.nan)
    shared = np.uint64(0)
    a0, b0 = cols_a[seg[c]], cols_b[seg[c]]  # each combination's columns are contiguous
    for j in range(seg[c + 1] - seg[c]):
        shared += _popcount(qbits[a0 + j] & bits[r, b0 + j])
    return np.float32(2.0 * np.float64(shared) / np.float64(pa + pb))


@jit_inline
def _level(x, thresholds, c):
    if np.isnan(x):
        return 0
    level = 1
    for t in range(thresholds.shape[1]):
        if x >= thresholds[c, t]:
            level += 1
    return level


@jit_inline
def _exact(i, r, bits, pop, qbits, qpop, cols_a, cols_b, seg, pop_a, pop_b, thresholds, weights, swap_margin,
           prior, d, score, lev, swapped):
    """Row r's score, levels and crosswise flag into slot i, exactly as the numpy path."""
    for c in range(len(pop_a)):
        d[c] = _dice_one(c, r, bits, pop, qbits, qpop, cols_a, cols_b, seg, pop_a, pop_b)
    # _COMBOS order: gg ss gs sg rr g·rest rest·g s·used used·s used·used dd d·swap swap·d pp sex cc
    sw = (d[2] + d[3]) > (d[0] + d[1]) + swap_margin
    swapped[i] = sw
    sims = (_fmax(_fmax(d[2] if sw else d[0], d[5]), d[6]),
            _fmax(_fmax(_fmax(d[3] if sw else d[1], d[7]), d[8]), d[9]),
            _fmax(_fmax(d[10], d[11]), d[12]), d[13], d[14], d[4], d[15])
    bf = 0.0
    for c in range(7):
        level = _level(sims[c], thresholds, c)
        lev[i, c] = level
        bf += weights[c, level]
    score[i] = bf + prior


def level_table(thresholds: dict[str, tuple[float, ...]]) -> np.ndarray:
    """(fields × max thresholds) float32, +inf past a field's own: level = 1 + thresholds ≤ Dice."""
    width = max(len(thresholds[f]) for f in COMPARED)
    table = np.full((len(COMPARED), width), np.inf, dtype=np.float32)
    for c, f in enumerate(COMPARED):
        table[c, :len(thresholds[f])] = thresholds[f]
    return table


def levels(sims: np.ndarray, thresholds: dict[str, tuple[float, ...]]) -> np.ndarray:
    """(pairs × fields) int8: 0 missing, 1 below the first threshold, ..., len(thresholds) + 1."""
    table = level_table(thresholds)
    with np.errstate(invalid="ignore"):
        lev = 1 + (sims[:, :, None] >= table[None, :, :]).sum(axis=2)
    return np.where(np.isnan(sims), 0, lev).astype(np.int8)


@dataclass
class Model:
    """Fellegi-Sunter: prior λ (share of matches in the fitted pair space), m and u per field and
    level (levels 1..L; level 0, missing, weighs nothing)."""
    prior: float
    m: dict[str, list[float]]
    u: dict[str, list[float]]
    thresholds: dict[str, tuple[float, ...]] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    swap_margin: float = 0.1
    records: int = 0  # records in the pair space it was fitted on: the prior scales with it
    info: dict[str, float] = field(default_factory=dict)

    def weight_table(self) -> np.ndarray:
        """(fields × max levels + 1) log2(m/u), zero at level 0."""
        width = 1 + max(len(v) for v in self.m.values())
        table = np.zeros((len(COMPARED), width))
        for c, f in enumerate(COMPARED):
            m, u = np.asarray(self.m[f]), np.asarray(self.u[f])
            table[c, 1:1 + len(m)] = np.log2(np.maximum(m, 1e-9) / np.maximum(u, 1e-9))
        return table

    def tables(self) -> tuple[np.ndarray, np.ndarray]:
        """(level thresholds as level_table, weight_table), cached: m, u and the thresholds do not
        change once fitted or loaded."""
        tables = self.__dict__.get("_tables")
        if tables is None:
            tables = self.__dict__["_tables"] = (level_table(self.thresholds), self.weight_table())
        return tables

    def bayes_factor(self, lev: np.ndarray) -> np.ndarray:
        """log2 of the likelihood ratio of each pair's agreement pattern."""
        table = self.tables()[1]
        return table[np.arange(len(COMPARED)), np.asarray(lev, dtype=np.int64)].sum(axis=1)

    def prior_log2(self, index_records: int | None = None, within_pairs: int | None = None) -> float:
        """log2 prior odds that a pair matches. Fitted on N records the share is λ; against an
        index of n records a pair's prior is about λ·N/n if each record has the same expected
        number of earlier matches, spread over more records.
        With `within_pairs` (W: pairs of records of one patient in the index) the expected
        matches per record are read from the index instead of assumed constant: a new record
        meets on average 2W/n records of its patient, a pair's prior is 2W/n² = W / C(n, 2),
        pooled with λ weighted by the C(N, 2) pairs it was fitted on (a Beta prior: at n ≈ N
        mostly λ, then the index's own share). When W grows as n it falls as 1/n, like λ·N/n;
        it differs where the registry's duplicate rate does, e.g. when a model fitted on a
        sample (fewer matches per record than the whole index) meets the whole index: there
        λ·N/n was ~4 bits too low at 2 M records and turned ~5 % of duplicates into new patients."""
        prior = self.prior
        if index_records and self.records:
            if within_pairs is None:
                prior = prior * self.records / max(index_records, 1)
            else:
                fitted, pairs = self.records * (self.records - 1) / 2, index_records * (index_records - 1) / 2
                prior = (prior * fitted + within_pairs) / (fitted + pairs)
            prior = min(0.5, prior)
        return float(np.log2(prior / (1 - prior)))

    def to_dict(self) -> dict:
        return {"prior": self.prior, "m": {f: list(map(float, v)) for f, v in self.m.items()},
                "u": {f: list(map(float, v)) for f, v in self.u.items()},
                "thresholds": {f: list(v) for f, v in self.thresholds.items()},
                "swap_margin": self.swap_margin, "records": self.records, "info": dict(self.info)}

    @classmethod
    def from_dict(cls, value: dict) -> "Model":
        return cls(float(value["prior"]), {f: list(v) for f, v in value["m"].items()},
                   {f: list(v) for f, v in value["u"].items()},
                   {f: tuple(v) for f, v in value["thresholds"].items()}, float(value["swap_margin"]),
                   int(value.get("records", 0)), dict(value.get("info", {})))


def em(patterns: np.ndarray, weights: np.ndarray, n_levels: dict[str, int], prior: float = 1e-4,
       iterations: int = 500, tolerance: float = 1e-9,
       fixed_u: dict[str, np.ndarray] | None = None) -> tuple[float, dict, dict, int]:
    """EM for the two-class latent model with conditionally independent fields, on weighted
    distinct agreement patterns. Level 0 (missing) is ignored in both classes. With `fixed_u`
    only m and the prior are estimated."""
    u = {}
    for c, f in enumerate(COMPARED):  # u starts at the level frequencies: nearly all pairs differ
        counts = np.bincount(patterns[:, c], weights, minlength=n_levels[f] + 1)[1:] + 1e-3
        u[f] = counts / counts.sum()
    if fixed_u is not None:
        u = {f: np.asarray(fixed_u[f], dtype=float) for f in COMPARED}
    m = {}
    for f in COMPARED:  # m starts heavy on full agreement
        start = 2.0 ** (3 * np.arange(n_levels[f]))
        m[f] = start / start.sum()
    for it in range(1, iterations + 1):
        log_m = np.full(len(patterns), np.log(prior))
        log_u = np.full(len(patterns), np.log1p(-prior))
        for c, f in enumerate(COMPARED):
            lev = patterns[:, c]
            known = lev > 0
            log_m[known] += np.log(m[f][lev[known] - 1])
            log_u[known] += np.log(u[f][lev[known] - 1])
        g = 1.0 / (1.0 + np.exp(np.clip(log_u - log_m, -700, 700)))  # P(match | pattern)
        wm, wu = weights * g, weights * (1 - g)
        new_prior = wm.sum() / weights.sum()
        change = abs(new_prior - prior) / prior
        prior = new_prior
        for c, f in enumerate(COMPARED):
            lev = patterns[:, c]
            # one pseudo-pair per level for u: a level that no non-match reached weighs a lot,
            # not +∞ (the random pairs stand for millions each and may all miss it)
            cm = np.bincount(lev, wm, minlength=n_levels[f] + 1)[1:] + 1e-6
            cu = np.bincount(lev, wu, minlength=n_levels[f] + 1)[1:] + 1.0
            new_m, new_u = cm / cm.sum(), (cu / cu.sum() if fixed_u is None else u[f])
            change = max(change, np.abs(new_m - m[f]).max(), np.abs(new_u - u[f]).max())
            m[f], u[f] = new_m, new_u
        if change < tolerance:
            break
    return prior, m, u, it


def noisy_thresholds(thresholds: dict[str, tuple[float, ...]], store: FilterStore,
                     blip: float) -> dict[str, tuple[float, ...]]:
    """Level thresholds for filters hardened by BLIP (each bit flipped with probability f).
    Two noisy copies of filters with Dice d have a Dice of about d·c, where for a filter of m bits
    with x set, c = (1-f)² / ((1-f) + (m/x - 1)·f): shared bits survive twice, and noise adds
    about (m-x)·f bits to each. x is estimated from the stored (noisy) filters."""
    if blip <= 0:
        return dict(thresholds)
    out = {}
    for f, values in thresholds.items():
        pop = store.pop[:store.size, store.column[f]]
        m = 64 * store.words[f]
        noisy = float(pop[pop > 0].mean()) if (pop > 0).any() else m / 4
        x = max((noisy - m * blip) / (1 - 2 * blip), 1.0)
        c = (1 - blip) ** 2 / ((1 - blip) + (m / x - 1) * blip)
        out[f] = tuple(round(t * c, 4) for t in values)
    return out


def fit(store: FilterStore, candidates: np.ndarray, random_pairs: int = 1_000_000, seed: int = 7,
        thresholds: dict[str, tuple[float, ...]] | None = None, swap_margin: float = 0.1,
        blip: float = 0.0, chunk: int = 50_000, u_from_random: bool = False) -> Model:
    """EM over the whole pair space of the stored records: every candidate pair (weight 1) and
    `random_pairs` random pairs from outside the candidates, each standing for
    (all pairs - candidates) / random_pairs pairs. Fitting on candidates alone teaches the model
    what blocking selected for (e.g. "the birth date agrees") rather than "same person".
    `blip`: the encoder's flip probability, if hardened (the thresholds are scaled to it)."""
    thresholds = noisy_thresholds(dict(thresholds or DEFAULT_THRESHOLDS), store, blip)
    n = store.size
    total_pairs = n * (n - 1) // 2
    if total_pairs <= random_pairs:  # a small set: every pair, exactly
        i, j = np.triu_indices(n, k=1)
    else:
        rng = np.random.default_rng(seed)
        a, b = rng.integers(0, n, size=random_pairs), rng.integers(0, n, size=random_pairs)
        i, j = np.minimum(a, b), np.maximum(a, b)
        i, j = i[i != j], j[i != j]
    cand_codes = np.sort(candidates[:, 0].astype(np.int64) * n + candidates[:, 1])
    codes = i.astype(np.int64) * n + j
    if len(cand_codes):
        pos = np.searchsorted(cand_codes, codes)
        inside = (pos < len(cand_codes)) & (cand_codes[np.minimum(pos, len(cand_codes) - 1)] == codes)
    else:  # no candidate pair among the live records (erasures can leave an index so): all outside
        inside = np.zeros(len(codes), dtype=bool)
    outside_weight = (total_pairs - len(candidates)) / max(int((~inside).sum()), 1)

    def patterns_of(pairs_i: np.ndarray, pairs_j: np.ndarray) -> np.ndarray:
        parts = []
        for s in range(0, len(pairs_i), chunk):
            sims, _ = similarities(store, pairs_i[s:s + chunk], pairs_j[s:s + chunk], swap_margin)
            parts.append(levels(sims, thresholds))
        return np.concatenate(parts) if parts else np.zeros((0, len(COMPARED)), dtype=np.int8)

    sample = patterns_of(i, j)  # random pairs over the whole space
    pat = np.concatenate([patterns_of(candidates[:, 0], candidates[:, 1]), sample[~inside]])
    w = np.concatenate([np.ones(len(candidates)), np.full(int((~inside).sum()), outside_weight)])
    base = 1 + max(len(t) for t in thresholds.values()) + 1
    pattern_codes = (pat.astype(np.int64) * base ** np.arange(len(COMPARED))).sum(axis=1)  # one int each
    _, first, inverse = np.unique(pattern_codes, return_index=True, return_inverse=True)
    distinct = pat[first]
    weights = np.bincount(inverse.ravel(), w)
    n_levels = {f: len(thresholds[f]) + 1 for f in COMPARED}
    prior0 = max(len(candidates) * 0.05, 1.0) / max(total_pairs, 1)
    fixed_u = None
    # u_from_random: u from the random sample alone, EM for m only. Measured worse on FEBRL4 (F1
    # 0.9835 against 0.9853, twice the review), so off: EM estimates u too.
    if u_from_random:
        fixed_u = {}
        for c, f in enumerate(COMPARED):
            counts = np.bincount(sample[:, c], minlength=n_levels[f] + 1)[1:] + 1.0
            fixed_u[f] = counts / counts.sum()
    prior, m, u, iterations = em(distinct, weights, n_levels, prior0, fixed_u=fixed_u)
    return Model(float(prior), {f: m[f].tolist() for f in COMPARED}, {f: u[f].tolist() for f in COMPARED},
                 thresholds, swap_margin, n,
                 {"candidate_pairs": float(len(candidates)), "random_pairs": float((~inside).sum()),
                  "pair_space": float(total_pairs), "em_iterations": float(iterations),
                  "expected_matches": float(prior * total_pairs)})
