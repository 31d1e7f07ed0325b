"""Simulation-based calibration: a reduced SBC of the default model's NUTS fit, which must give uniform ranks, and
the same fits with posteriors made half as wide, which the checks must flag (so the test can fail)."""
import numpy as np
import pandas as pd
import pytest
import xarray as xr

import dose_response.calibration as cal
from dose_response.calibration import (QUANTITIES, SBC_MODEL, SBCDesign, rank_uniformity, ranks_of, sbc, sbc_priors,
                                       thinned)
from dose_response.model import build_model

DESIGN = SBCDesign(groups=6, doses=6, replicates=2)


def test_ranks_count_the_draws_below_the_truth():
    post = xr.Dataset({"a": (("chain", "draw"), np.arange(10.0).reshape(2, 5)),
                       "b": (("chain", "draw", "group"), np.stack([np.arange(10.0), -np.arange(10.0)], -1).reshape(2, 5, 2))})
    r = ranks_of(post, {"a": np.array(3.5), "b": np.array([0.5, 0.5])}, n_ranks=10)
    assert r.set_index(["quantity", "group"])["rank"].to_dict() == {("a", -1): 4, ("b", 0): 1, ("b", 1): 10}
    with pytest.raises(ValueError, match="cannot be thinned"):
        thinned(np.zeros((2, 3)), 7)


def test_the_fitted_model_has_the_prior_the_truths_are_drawn_from():
    model = build_model(DESIGN.frame(), priors=sbc_priors(DESIGN), parameterization="noncentered", **SBC_MODEL)
    assert model.spec.priors == sbc_priors(DESIGN)
    truths = cal.draw_truths(model, 400, seed=0)
    mu = np.array([t["log10_ic50_mu"] for t in truths])
    loc, scale = sbc_priors(DESIGN)["log10_ic50_mu"]
    assert abs(mu.mean() - loc) < 0.25 * scale and 0.85 < mu.std() / scale < 1.15


@pytest.fixture(scope="module")
def reduced_sbc():
    "30 simulations of a small design; every fit's posterior is kept (to rank again with a distorted posterior)."
    kept = []
    original = cal.ranks_of

    def keep(post, truth, n_ranks):
        kept.append((post, truth))
        return original(post, truth, n_ranks)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cal, "ranks_of", keep)
        result = sbc(30, DESIGN, method="nuts", seed=11, draws=500, tune=500)
    return result, kept


@pytest.mark.slow
def test_reduced_sbc_nuts_ranks_are_uniform(reduced_sbc):
    result, _ = reduced_sbc
    assert result.ranks.sim.nunique() == 30 and set(result.ranks.quantity) == set(QUANTITIES)
    u = result.uniformity(prob=0.999)
    # 13 quantities: thresholds with room for chance (each check fails a uniform quantity about once in 1,000)
    assert (u.p_value > 1e-3).all(), u
    # the band is simultaneous per quantity; over 13 quantities and 30 short fits (500 draws, the population scales
    # mix slowly) one may graze its band by chance on some CPU's floating-point path: two may not
    assert (~u.in_band).sum() <= 1, u
    assert u.loc[list(cal.GROUP_PARAMS), "in_band"].all(), u
    # (no margin on tails or bias: 30 ranks, or 180 dependent ones pooled over groups, leave too much room for chance)


@pytest.mark.slow
def test_reduced_sbc_flags_a_posterior_half_as_wide(reduced_sbc):
    _, kept = reduced_sbc
    narrow = []
    for i, (post, truth) in enumerate(kept):
        centre = post.mean(("chain", "draw"))
        narrow.append(ranks_of(centre + 0.5 * (post - centre), truth, 99).assign(sim=i))
    u = rank_uniformity(pd.concat(narrow), 99, prob=0.999, pooled=True)   # all groups: power to see the U
    flagged = (u.p_value < 1e-3) | ~u.in_band
    assert flagged["log10_ic50"] and flagged["e0"] and flagged["einf"], u
    assert (u.loc[list(cal.GROUP_PARAMS), "tails"] > 0.2).all(), u
