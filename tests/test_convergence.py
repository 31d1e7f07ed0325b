"""R-hat and ESS over many quantities at once (nbs/03a_convergence) give ArviZ's numbers."""
import warnings

import arviz as az
import numpy as np
import xarray as xr

from dose_response.convergence import ess_bulk, ess_tail, rhat


def test_the_same_numbers_as_arviz_on_random_chains():
    rng = np.random.default_rng(5)
    warnings.simplefilter("ignore")
    for _ in range(40):
        c, n = int(rng.integers(1, 5)), int(rng.integers(4, 200))
        x = np.zeros((c, n, 5))
        phi = rng.uniform(-0.5, 0.99, 5)
        for t in range(1, n):
            x[:, t] = phi * x[:, t - 1] + rng.standard_normal((c, 5))
        x[..., 0] = np.round(x[..., 0])                       # ties
        ds = xr.Dataset({"x": (("chain", "draw", "q"), x)})
        np.testing.assert_allclose(ess_bulk(x), az.ess(ds, method="bulk")["x"].values, rtol=1e-8)
        np.testing.assert_allclose(ess_tail(x), az.ess(ds, method="tail")["x"].values, rtol=1e-8)
        if c >= 2:
            np.testing.assert_allclose(rhat(x), az.rhat(ds)["x"].values, rtol=1e-10)


def test_a_constant_quantity_has_full_ess():
    x = np.ones((4, 100, 1))
    assert ess_bulk(x)[0] == 400 and ess_tail(x)[0] == 400
