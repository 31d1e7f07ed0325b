"""NUTS preconditioned by each group's curvature (`fit_nuts(mass_matrix="block")`): the same posterior, fewer steps."""
import numpy as np
import pytest

from dose_response.simulation import simulate
from dose_response.inference import fit_info, fit_nuts
from dose_response.nuts import BLOCK_TUNE, TUNE
from dose_response.precondition import (NoJointMode, _logp_dlogp, fit_preconditioner, group_curvature,
                                        preconditioned_model, use_blocks)
from dose_response.curve import GROUP_PARAMS
from dose_response.model import build_model


@pytest.fixture(scope="module")
def small():
    df, _ = simulate(10, replicates=3, seed=42)
    return df, build_model(df, einf="sampled")   # four values per group (integrated out, einf leaves three)


def _values(model, pre, shifts, z):
    "The original model's unconstrained values at the preconditioned model's z: shift + L z per group, shift + scale u."
    names, ip = list(pre.coords["group_value"]), model.initial_point()
    k, g = len(names), len(model.coords["group"])
    xg = shifts["group_shift"] + np.einsum("ijg,jg->ig", shifts["group_chol"], z[:k * g].reshape(k, g))
    rest = shifts["value_shift"] + shifts["value_scale"] * z[k * g:]
    rest = iter(np.split(rest, np.cumsum([np.size(v) for n, v in ip.items() if n not in names])[:-1]))
    return np.concatenate([np.ravel(xg[names.index(n)] if n in names else next(rest)) for n in ip])


def test_preconditioned_model_is_the_same_density(small):
    df, model = small
    pre = preconditioned_model(model)
    f, fp = _logp_dlogp(model), _logp_dlogp(pre)
    x = np.concatenate([np.ravel(v) for v in model.initial_point().values()])
    assert np.isclose(f(x)[0], fp(np.zeros_like(x))[0], rtol=1e-10)       # at the identity
    rng = np.random.default_rng(0)   # any shifts, lower-triangular factors and scales
    L = np.tril(rng.normal(scale=0.3, size=(4, 4, 10)).transpose(2, 0, 1)).transpose(1, 2, 0)
    L[np.arange(4), np.arange(4)] = np.exp(rng.normal(size=(4, 10)))
    n_rest = pre["value_shift"].get_value().size
    shifts = {"group_shift": pre["group_shift"].get_value() + rng.normal(scale=0.1, size=(4, 10)), "group_chol": L,
              "value_shift": pre["value_shift"].get_value() + rng.normal(scale=0.1, size=n_rest),
              "value_scale": np.exp(rng.normal(scale=0.5, size=n_rest))}
    for name, v in shifts.items():
        pre[name].set_value(v)
    fp = _logp_dlogp(pre)
    for seed in range(3):   # anywhere: the density at z is the model's at shift + L z (the constant Jacobian left out)
        z = np.random.default_rng(seed).normal(size=x.size)
        assert np.isclose(fp(z)[0], f(_values(model, pre, shifts, z))[0], rtol=1e-9)
    assert set(pre.kept) == {v.name for v in model.free_RVs + model.deterministics}


def test_colouring_gives_the_hessian_blocks(small):
    df, model = small
    fp = _logp_dlogp(preconditioned_model(model))
    n = sum(np.size(v) for v in model.initial_point().values())
    gi, oi = np.arange(40).reshape(4, 10).T, np.arange(40, n)
    g = lambda y: fp(y)[1]
    y = np.random.default_rng(0).normal(scale=0.1, size=n)
    blocks, diag = group_curvature(g, y, gi, oi)
    dense = -np.stack([(g(y + 1e-5 * e) - g(y - 1e-5 * e)) / 2e-5 for e in np.eye(n)])
    assert np.allclose(blocks, dense[gi[:, :, None], gi[:, None, :]], rtol=1e-4, atol=1e-6 * np.abs(dense).max())
    assert np.allclose(diag, dense[oi, oi], rtol=1e-4)
    # and the blocks are all there is between groups: the rest of the group-by-group Hessian is zero
    off = dense[:40, :40].copy()
    off[gi[:, :, None], gi[:, None, :]] = 0
    assert np.abs(off).max() < 1e-6 * np.abs(dense).max()


@pytest.mark.slow
def test_block_fit_samples_the_same_posterior_in_fewer_steps():
    df, _ = simulate(200, replicates=6, seed=3)
    model = build_model(df)
    assert use_blocks(model) and not use_blocks(build_model(df.head(30 * 33)))   # auto: >= 200 groups, all centred
    kw = dict(draws=400, chains=2, seed=0, progressbar=False, retry=False)
    diag, block = fit_nuts(model, mass_matrix="diagonal", tune=400, **kw), fit_nuts(model, **kw)
    info = fit_info(block)
    assert (info["settings"]["mass_matrix"], fit_info(diag)["settings"]["mass_matrix"]) == ("block", "diagonal")
    assert info["settings"]["tune"] == BLOCK_TUNE < TUNE    # the default warm-up: short, the metric is given
    assert block.warmup_sample_stats.sizes["draw"] == BLOCK_TUNE
    assert info["precondition_s"] > 0 and "group_z" not in block.posterior and "value_u" not in block.posterior
    steps = lambda i: float(i.sample_stats.n_steps.mean())
    assert steps(block) < 0.6 * steps(diag)            # ~16 against ~60 on this design
    for p in GROUP_PARAMS:                              # the same posterior, within Monte Carlo error
        a, b = block.posterior[p], diag.posterior[p]
        se = np.hypot(az_mcse(a), az_mcse(b))
        within = np.abs(a.mean(("chain", "draw")).values - b.mean(("chain", "draw")).values) < 5 * se
        assert within.mean() >= 0.99, (p, within.mean())
        ratio = np.median(a.std(("chain", "draw")).values / b.std(("chain", "draw")).values)
        assert 0.9 < ratio < 1.1, (p, ratio)


def az_mcse(x):
    import arviz as az
    return az.mcse(x.to_dataset(name="v"))["v"].values


@pytest.mark.slow
def test_no_joint_mode_falls_back_to_the_diagonal():
    """This 10-group design, centred, has no joint mode to centre on (a population SD runs toward zero; the whitened
    gradient where L-BFGS stops is ~7e5 here, against a tolerance of 1): diagonal, said so."""
    df, _ = simulate(10, replicates=3, seed=0)
    model = build_model(df, parameterization="centered")
    pre = preconditioned_model(model)
    with pytest.raises(NoJointMode, match="still climbs"):
        fit_preconditioner(pre, _logp_dlogp(pre))
    idata = fit_nuts(model, mass_matrix="block", draws=100, chains=2, progressbar=False, retry=False)
    assert fit_info(idata)["settings"]["mass_matrix"] == "diagonal"
    assert fit_info(idata)["settings"]["tune"] == TUNE    # the diagonal metric's warm-up, not the blocks' short one


def test_a_low_rank_metric_when_asked_for(small, monkeypatch):
    """Without blocks (10 groups), `"auto"` keeps nutpie's diagonal metric (the low-rank one did no better over the
    screen benchmark, 02c_nuts); `"low_rank"`, or nutpie's own option given by the user, reaches nutpie and is recorded."""
    import functools
    import nutpie
    asked, sample = [], nutpie.sample
    spy = functools.wraps(sample)(lambda *a, **k: asked.append(k["low_rank_modified_mass_matrix"]) or sample(*a, **k))
    monkeypatch.setattr(nutpie, "sample", spy)    # wraps: fit_nuts reads nutpie.sample's signature for its options
    df, model = small
    kw = dict(draws=50, tune=50, chains=2, progressbar=False, retry=False)
    for mass_matrix, extra, used in (("auto", {}, "diagonal"), ("low_rank", {}, "low_rank"),
                                     ("auto", {"low_rank_modified_mass_matrix": True}, "low_rank")):
        idata = fit_nuts(model, mass_matrix=mass_matrix, **kw, **extra)
        assert fit_info(idata)["settings"]["mass_matrix"] == used and idata.posterior.sizes["draw"] == 50
    assert asked == [False, True, True]


def test_block_is_refused_where_it_cannot_run(small):
    df, model = small
    for mass_matrix in ("block", "low_rank"):
        with pytest.raises(ValueError, match="needs backend='nutpie'"):
            fit_nuts(df, backend="pymc", mass_matrix=mass_matrix)
    with pytest.raises(ValueError, match="is not one of"):
        fit_nuts(df, mass_matrix="dense")
