"""Potency comparisons from joint posterior draws: `p_more_potent` and `rank_potency`."""
import arviz as az
import numpy as np
import pytest
from scipy import stats

import dose_response as dr


@pytest.fixture(scope="module")
def fit():
    "Three groups with known log10 IC50 posteriors: a clearly most potent, b and c close, c uncertain."
    rng = np.random.default_rng(0)
    n = (4, 5000)
    x = np.stack([rng.normal(0.0, 0.1, n), rng.normal(1.0, 0.1, n), rng.normal(1.05, 0.5, n)], axis=-1)
    return az.from_dict(posterior={"log10_ic50": x}, coords={"group": ["a", "b", "c"]}, dims={"log10_ic50": ["group"]})


def test_p_more_potent_is_the_share_of_joint_draws(fit):
    assert dr.p_more_potent(fit, "a", "b") > 0.999
    assert dr.p_more_potent(fit, "b", "a") < 0.001
    expected = stats.norm.cdf(0.05 / np.hypot(0.1, 0.5))         # P(b < c) for independent normals
    assert abs(dr.p_more_potent(fit, "b", "c") - expected) < 0.02
    assert abs(dr.p_more_potent(fit, "b", "c") + dr.p_more_potent(fit, "c", "b") - 1) < 1e-12
    with pytest.raises(KeyError, match="not in this fit"):
        dr.p_more_potent(fit, "a", "zzz")


def test_rank_potency_orders_and_qualifies_the_ranking(fit):
    r = dr.rank_potency(fit)
    assert list(r.index) == ["a", "b", "c"] and list(r["rank"]) == [1, 2, 3]
    assert r.ic50_median.is_monotonic_increasing
    assert r.loc["a", "p_more_potent_than_next"] > 0.999 and 0.45 < r.loc["b", "p_more_potent_than_next"] < 0.65
    assert np.isnan(r.loc["c", "p_more_potent_than_next"])
    assert (r.loc["a", "rank_q05"], r.loc["a", "rank_q95"]) == (1, 1)          # a is first in every draw
    assert (r.loc["b", "rank_q05"], r.loc["b", "rank_q95"]) == (2, 3)          # b and c swap often
