"""The saturating response integrated out (`build_model(einf="marginal")`, nbs/01f_marginal): the model's likelihood is
the exact integral over e_inf, the options it cannot take are refused, and a fit draws e_inf, top and bottom back."""
import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

import dose_response as dr
import dose_response.advi


def _two_curves() -> pd.DataFrame:
    "A falling curve and a flat one, each with three untreated wells and 2 wells at 5 doses."
    rng = np.random.default_rng(0)
    conc = np.repeat([0.0, 0.01, 0.1, 1, 10, 100], [3, 2, 2, 2, 2, 2])
    falling = dr.four_pl(conc, 0.0, 100.0, 20.0, 1.2) + rng.normal(0, 4, conc.size)
    flat = 100 + rng.normal(0, 4, conc.size)
    return pd.DataFrame({"group": np.repeat(["falling", "flat"], conc.size), "concentration": np.tile(conc, 2),
                         "response": np.r_[falling, flat]})


def test_the_likelihood_is_the_integral_over_einf_of_the_two_components():
    df = _two_curves()
    model = dr.build_model(df, einf="marginal", pooling="none")
    assert "einf" not in [v.name for v in model.free_RVs] and "active_share" in model.named_vars
    point = model.initial_point()
    point["active_share_logodds__"] = np.array(0.4)   # w = 0.599
    response = model.compile_fn(model.logp(vars=[model["response"]], jacobian=False))(point)
    values = model.compile_fn(model.replace_rvs_by_values(
        [model[v] for v in ("log10_ic50", "e0", "hill", "sigma", "active_share")]))(point)
    l, e0, hill, sigma, w = values
    (m, t), spike = model.spec.priors["einf_mu"], model.spec.priors["einf_spike"]
    flagged = model.spec.df["flagged"].to_numpy()
    total = 0.0
    for k, (_, rows) in enumerate(df[~flagged].groupby("group", sort=False)):
        x, y = rows.concentration.to_numpy(), rows.response.to_numpy()
        g = np.where(x > 0, 1 / (1 + 10 ** (hill[k] * (np.log10(np.where(x > 0, x, 1)) - l[k]))), 1.0)
        like = lambda e: np.exp(np.sum(stats.norm.logpdf(y, e0[k] * g + e * (1 - g), sigma)) + 60)
        prior = lambda e: w * stats.norm.pdf(e, m, t) + (1 - w) * stats.norm.pdf(e, e0[k], spike)
        value, _ = integrate.quad(lambda e: like(e) * prior(e), m - 12 * t, m + 12 * t, points=[e0[k], m], limit=200)
        total += np.log(value) - 60
    np.testing.assert_allclose(response, total, rtol=1e-6)


@pytest.mark.parametrize("option", [dict(likelihood="student_t"), dict(inactive=True), dict(noise="group"),
                                    dict(compress=False), dict(batch_size=10)])
def test_options_the_integral_cannot_take_are_refused_by_name(option):
    with pytest.raises(ValueError, match="einf='marginal'.*needs.*" + next(iter(option))):
        dr.build_model(_two_curves(), einf="marginal", **option)


def test_a_matrix_with_crossed_populations_is_refused_and_a_bad_value_too():
    df = _two_curves().assign(drug="d1", cell_line=lambda d: d.group)
    with pytest.raises(ValueError, match="structure 'auto' or 'pooled'"):
        dr.build_model(dr.validate(df, group=["drug", "cell_line"]), einf="marginal", structure="crossed")
    with pytest.raises(ValueError, match="einf='integrated' is not one of"):
        dr.build_model(_two_curves(), einf="integrated")


@pytest.mark.slow
def test_a_fit_draws_einf_top_and_bottom_and_tells_the_flat_curves_apart():
    "Twelve curves with full plateaus, four of them flat: the flat ones near p_active 0, e_inf intervals covering the truth."
    df, truth = dr.simulate(12, concentrations=8, replicates=2, n_controls=2, seed=4)
    flat, rows = truth.index[:4].to_numpy(), df.group.isin(truth.index[:4]).to_numpy()
    noise = np.random.default_rng(1).normal(0, truth.attrs["sigma"], rows.sum())
    df.loc[rows, "response"] = truth.top.reindex(df.group[rows]).to_numpy() + noise
    idata = dr.fit_nuts(df, einf="marginal", seed=2, progressbar=False)   # converged, same margins, at fit seeds 1-3
    post = idata.posterior
    assert {"einf", "top", "bottom", "p_active"} <= set(post.data_vars)
    assert dr.diagnose(idata).converged
    p = post.p_active.mean(("chain", "draw")).to_series()
    assert p[flat].max() < 0.5 < p.drop(flat).min()
    active = truth.drop(flat)
    lo, hi = post.einf.quantile([0.05, 0.95], ("chain", "draw")).sel(group=active.index.to_numpy()).values
    assert np.mean((lo <= active.bottom.to_numpy()) & (active.bottom.to_numpy() <= hi)) >= 0.75
    np.testing.assert_array_equal(post.top.values, np.maximum(post.e0.values, post.einf.values))


def test_auto_integrates_einf_out_only_where_some_curves_do_not_pin_it():
    "Complete, well-measured curves keep einf sampled (fused kernel, block preconditioning); flat ones integrate it out."
    complete, _ = dr.simulate(12, concentrations=11, replicates=12, n_controls=2, seed=0)
    assert dr.build_model(complete).spec.einf == "sampled"                 # the default is "auto"
    assert dr.build_model(complete, einf="auto").spec.einf == "sampled"
    half_flat = complete.copy()
    flat = half_flat.group.isin(half_flat.group.unique()[:6])
    half_flat.loc[flat, "response"] = 100 + np.random.default_rng(0).normal(0, 3, flat.sum())
    model = dr.build_model(half_flat, einf="auto")
    assert model.spec.einf == "marginal" and model.spec.parameterization["einf"] == "integrated"
    assert "einf" not in model.named_vars and model.spec.rebuild().spec.einf == "marginal"
    assert "einf_spike" in model.spec.priors and "einf_spike" not in dr.build_model(complete).spec.priors
    assert dr.build_model(half_flat, einf="auto", likelihood="student_t").spec.einf == "sampled"   # blocked: no error


@pytest.mark.parametrize("fit", ["fit_advi", "fit_block_advi", "fit_pathfinder"])
def test_the_variational_fits_refuse_an_integrated_model(fit):
    with pytest.raises(ValueError, match=f"{fit} cannot fit .*einf=.marginal.*einf=.sampled."):
        (getattr(dr, fit, None) or getattr(dr.advi, fit))(dr.build_model(_two_curves(), einf="marginal", pooling="none"))


def test_the_variational_fits_rebuild_a_model_that_auto_integrated(caplog):
    "A model the defaults built with einf integrated out (no einf='marginal' asked for) is rebuilt with it sampled."
    from dose_response.fitrecord import _vi_model
    complete, _ = dr.simulate(12, concentrations=11, replicates=12, n_controls=2, seed=0)
    half_flat = complete.copy()
    flat = half_flat.group.isin(half_flat.group.unique()[:6])
    half_flat.loc[flat, "response"] = 100 + np.random.default_rng(0).normal(0, 3, flat.sum())
    model = dr.build_model(half_flat)
    assert model.spec.einf == "marginal"
    with caplog.at_level("INFO", logger="dose_response"):
        rebuilt, kw = _vi_model(model, {"n": 10}, "fit_advi")
    assert rebuilt.spec.einf == "sampled" and "einf" in rebuilt.named_vars and kw == {"n": 10}
    assert rebuilt.spec.priors["einf_bounds"] == model.spec.priors["einf_bounds"]
    assert "fit_advi: the model's saturating response was integrated out by einf='auto'" in caplog.text


def test_the_retry_ladder_sees_a_curve_stuck_between_active_and_flat():
    "diagnose reads p_active's R-hat; so must the check that decides whether fit_nuts runs again."
    import arviz as az
    from dose_response.nuts import _mixing
    model = dr.build_model(_two_curves(), einf="marginal", pooling="none")
    rng = np.random.default_rng(0)
    post = {v.name: rng.normal(size=(4, 500, *model.initial_point()[model.rvs_to_values[v].name].shape))
            for v in model.free_RVs}
    stuck = rng.uniform(size=(4, 500, 2)) * 0.1 + np.array([0.0, 0.0, 0.0, 0.9])[:, None, None]   # one chain apart
    idata = az.from_dict(posterior={**post, "p_active": stuck})
    rhat, _, worst = _mixing(idata, model, chains=4)
    assert worst == "p_active" and rhat > 1.5


@pytest.mark.parametrize("pooled", [False, True])
def test_prior_curves_draw_einf_from_its_two_components(pooled):
    "The prior predictive of an integrated model (`prior_curves`): e_inf at e0 with chance 1 - active_share, else spread."
    import pymc as pm
    from dose_response.marginal import einf_prior_draws
    from dose_response.model import prior_curves
    df = dr.simulate(8, replicates=2, seed=3)[0] if pooled else _two_curves()
    model = dr.build_model(df, einf="marginal")
    assert ("einf_sigma" in model.named_vars) == pooled
    grid, curves = prior_curves(model, draws=500, seed=1)
    assert curves.shape == (500, grid.size) and np.isfinite(curves).all()
    names = ["e0", "active_share"] + (["einf_mu", "einf_sigma"] if pooled else [])
    prior = pm.sample_prior_predictive(4000, model=model, var_names=names, random_seed=1).prior
    e0 = prior["e0"].values.reshape(4000, -1)[:, :1]
    einf = einf_prior_draws(prior, e0, model.spec.priors, seed=2)
    near = np.abs(einf - e0) < 3 * model.spec.priors["einf_spike"]
    # no effect with chance 1 - active_share (Beta(1, 1): one half); some active draws land near e0 too (about 0.1)
    assert 0.45 < near.mean() < 0.7, near.mean()
    assert np.std(einf - e0) > 5 * model.spec.priors["einf_spike"]          # the active ones spread over the range
