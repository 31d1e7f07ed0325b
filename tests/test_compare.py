"""The comparison maths on synthetic posteriors with known answers (no fitting)."""
import arviz as az
import numpy as np
import pandas as pd
import pytest

from dose_response.compare import compare_fits
from dose_response.curve import CURVE_PARAMS as PARAMS


def _fit(shift=0.0, scale=1.0, method="nuts", seed=0):
    rng = np.random.default_rng(seed)
    groups = [f"g{i}" for i in range(6)]
    post = {p: shift + scale * rng.normal(size=(2, 4000, len(groups))) + np.arange(len(groups)) for p in PARAMS}
    idata = az.from_dict(posterior=post, coords={"group": groups}, dims={p: ["group"] for p in PARAMS})
    idata.posterior.attrs.update(method=method, wall_s=10.0)      # what fit_info reads
    return idata


def test_identical_fits_compare_as_identical():
    ref = _fit()
    metrics, table = compare_fits(ref, ref)
    assert metrics["mean_shift_median"] == 0 and metrics["sd_ratio_median"] == 1 and metrics["overlap_median"] == 1
    assert (table.sd_ratio == 1).all() and (table.overlap == 1).all()


def test_a_narrower_shifted_candidate_is_measured_as_such():
    ref, cand = _fit(), _fit(shift=0.5, scale=0.5, method="advi", seed=1)
    metrics, _ = compare_fits(ref, cand)
    assert metrics["sd_ratio_median"] == pytest.approx(0.5, abs=0.03)
    assert metrics["mean_shift_median"] == pytest.approx(0.5, abs=0.05)     # in units of the reference SD
    assert metrics["overlap_median"] == pytest.approx(0.5, abs=0.03)       # its whole (half-width) interval inside
    assert metrics["candidate"]["method"] == "advi"


def test_coverage_against_the_truth():
    ref = _fit()
    truth = pd.DataFrame({p: np.arange(6.0) for p in PARAMS}, index=[f"g{i}" for i in range(6)])
    far = truth + 10
    assert compare_fits(ref, ref, truth)[0]["coverage_ref"] == 1.0
    assert compare_fits(ref, ref, far)[0]["coverage_cand"] == 0.0
