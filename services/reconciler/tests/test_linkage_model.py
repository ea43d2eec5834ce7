"""Comparison levels and the Fellegi-Sunter model fitted by EM."""
import json

import numpy as np
import pytest

from rarelog_reconciler.linkage import COMPARED, DEFAULT_THRESHOLDS, FilterStore, Model, levels, similarities
from rarelog_reconciler.linkage.filters import FIELDS
from rarelog_reconciler.linkage.model import em, noisy_thresholds

WORDS = {f: (1 if f == "sex" else 8) for f in FIELDS}
N_LEVELS = {f: len(DEFAULT_THRESHOLDS[f]) + 1 for f in COMPARED}


def test_levels_bin_dice_and_mark_missing():
    sims = np.array([[1.0, 0.1, np.nan, 0.6, 1.0, np.nan, 0.9], [0.56, 0.86, 0.98, 0.0, 0.0, 0.7, np.nan]],
                    dtype=np.float32)
    assert levels(sims, DEFAULT_THRESHOLDS).tolist() == [[5, 1, 0, 2, 2, 0, 4], [2, 4, 5, 1, 1, 3, 0]]


def true_model():
    m = {"given": [0.05, 0.03, 0.07, 0.15, 0.70], "surname": [0.04, 0.03, 0.08, 0.15, 0.70],
         "date": [0.04, 0.02, 0.04, 0.10, 0.80], "place": [0.10, 0.05, 0.05, 0.10, 0.70], "sex": [0.01, 0.99],
         "given_rest": [0.05, 0.05, 0.1, 0.1, 0.7], "country": [0.02, 0.02, 0.02, 0.04, 0.9]}
    u = {"given": [0.97, 0.02, 0.006, 0.003, 0.001], "surname": [0.975, 0.015, 0.006, 0.003, 0.001],
         "date": [0.90, 0.08, 0.015, 0.004, 0.001], "place": [0.95, 0.03, 0.01, 0.005, 0.005], "sex": [0.5, 0.5],
         "given_rest": [0.9, 0.05, 0.03, 0.01, 0.01], "country": [0.8, 0.05, 0.05, 0.05, 0.05]}
    return m, u


def test_em_recovers_m_u_and_prior_without_labels():
    rng = np.random.default_rng(0)
    m, u = true_model()
    n, prior = 400_000, 0.01
    match = rng.random(n) < prior
    patterns = np.zeros((n, len(COMPARED)), dtype=np.int8)
    for c, f in enumerate(COMPARED):
        patterns[match, c] = 1 + rng.choice(len(m[f]), match.sum(), p=m[f])
        patterns[~match, c] = 1 + rng.choice(len(u[f]), (~match).sum(), p=u[f])
    patterns[rng.random(n) < 0.05, 3] = 0  # place missing sometimes: ignored by both classes
    distinct, inverse = np.unique(patterns, axis=0, return_inverse=True)
    fitted_prior, fm, fu, _ = em(distinct, np.bincount(inverse.ravel()).astype(float), N_LEVELS, prior=1e-3)
    assert fitted_prior == pytest.approx(prior, rel=0.1)
    for f in COMPARED:
        assert np.allclose(fm[f], m[f], atol=0.03), f
        assert np.allclose(fu[f], u[f], atol=0.005), f


def test_model_is_a_plain_serialisable_value_that_decides_the_same():
    m, u = true_model()
    model = Model(0.001, m, u, dict(DEFAULT_THRESHOLDS), records=1000, info={"em_iterations": 12.0})
    again = Model.from_dict(json.loads(json.dumps(model.to_dict())))
    lev = np.array([[5, 5, 5, 5, 2, 0, 0], [1, 1, 1, 1, 1, 1, 0], [0, 5, 2, 0, 2, 0, 5]], dtype=np.int8)
    assert np.allclose(model.bayes_factor(lev), again.bayes_factor(lev))
    assert again.prior_log2() == model.prior_log2()
    assert model.bayes_factor(lev)[0] > 20 > 0 > model.bayes_factor(lev)[1]


def test_prior_scales_with_the_index_when_asked():
    m, u = true_model()
    model = Model(1e-4, m, u, records=10_000)
    assert model.prior_log2(20_000) == pytest.approx(np.log2(5e-5 / (1 - 5e-5)))
    assert model.prior_log2() == pytest.approx(np.log2(1e-4 / (1 - 1e-4)))


def record(given: bytes, surname: bytes, **others) -> dict:
    blank = {f: b"" for f in FIELDS}
    return {**blank, "given": given, "surname": surname, **others}


def filt(*positions: int, words: int = 8) -> bytes:
    value = 0
    for p in positions:
        value |= 1 << p
    return value.to_bytes(8 * words, "little")


def test_swapped_names_are_read_crosswise_and_used_names_meet_surnames():
    store = FilterStore(WORDS)
    anne, martin, dupont = filt(1, 2, 3, 4), filt(10, 11, 12, 13), filt(20, 21, 22, 23)
    store.add(record(anne, martin))                 # 0
    store.add(record(martin, anne))                 # 1: swapped
    store.add(record(anne, dupont, used=martin))    # 2: married name
    sims, swapped = similarities(store, np.array([0, 0]), np.array([1, 2]))
    assert swapped.tolist() == [True, False]
    assert sims[0, :2].tolist() == [1.0, 1.0]        # given and surname agree, crosswise
    assert sims[1, 1] == 1.0                          # MARTIN meets the used name MARTIN
    assert np.isnan(sims[0, 2]) and np.isnan(sims[0, 4]) and np.isnan(sims[0, 6])  # no date, sex, country


def test_a_day_month_swap_meets_the_date():
    store = FilterStore(WORDS)
    store.add(record(filt(1), filt(2), date=filt(30, 31, 32), date_swap=filt(40, 41, 42)))
    store.add(record(filt(1), filt(2), date=filt(40, 41, 42), date_swap=filt(30, 31, 32)))
    sims, _ = similarities(store, np.array([0]), np.array([1]))
    assert sims[0, COMPARED.index("date")] == 1.0


def test_thresholds_follow_blip_noise():
    store = FilterStore(WORDS)
    for _ in range(10):
        store.add(record(filt(*range(0, 100)), filt(*range(0, 100)), date=filt(*range(100)), place=filt(*range(100)),
                         sex=filt(1, 2, 3, words=1)))
    scaled = noisy_thresholds(DEFAULT_THRESHOLDS, store, 0.02)
    assert noisy_thresholds(DEFAULT_THRESHOLDS, store, 0.0) == DEFAULT_THRESHOLDS
    for f in ("given", "date"):
        assert 0.85 < scaled[f][-1] / DEFAULT_THRESHOLDS[f][-1] < 0.95  # two noisy copies of one value
