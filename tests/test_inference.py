"""Fitting and diagnostics: recovery, convergence verdicts, reproducibility, saving, labels."""
import json
import os
import subprocess
import sys
from pathlib import Path

import arviz as az
import numpy as np
import pandas as pd
import pytest
from unittest import mock

import dose_response as dr
from dose_response.compare import coverage
from dose_response.diagnostics import diagnose, summarize_groups
from dose_response.inference import fit, fit_advi, fit_info, fit_nuts, load, save

SEED = 4


@pytest.fixture(scope="module")
def advi(screen):
    return fit_advi(screen[0], seed=SEED, progressbar=False, n=30_000)


def test_nuts_recovers_known_parameters(nuts, screen):
    cov = coverage(nuts, screen[1])
    # 90% intervals, 20 groups x 4 parameters: 72 of 80 inside is expected; a calibrated fit falls below 80% overall
    # or 65% for one parameter (13 of 20) with probability well under 1%.
    assert np.mean(list(cov.values())) >= 0.8 and all(v >= 0.65 for v in cov.values()), cov
    post = nuts.posterior
    # the population's typical IC50 (the IC50s are pooled on their window position: `ic50_window`)
    assert abs(float(np.median(post.log10_ic50.mean(("chain", "draw")))) - screen[1].attrs["log10_ic50_mu"]) < 0.5
    assert abs(float(post.sigma.mean()) - screen[1].attrs["sigma"]) < 1.0


def test_diagnose_passes_a_good_fit(nuts):
    d = diagnose(nuts)
    assert d.converged, d.reasons
    assert d.max_rhat <= 1.01 and d.min_ess_bulk >= 400 and d.min_ess_tail >= 400 and d.divergences == 0
    assert {"log10_ic50", "ic50_position_mu", "sigma"} <= set(d.table.index)


def test_diagnose_flags_an_unconverged_fit(screen):
    short = fit_nuts(screen[0], draws=20, tune=20, chains=1, seed=SEED, progressbar=False)
    d = diagnose(short)
    assert not d.converged
    assert any("ESS" in r for r in d.reasons) and any("R-hat" in r for r in d.reasons)
    assert all("try " in r for r in d.reasons if "ESS" in r)       # each failure names what to do next


def test_diagnose_thresholds_are_arguments(nuts):
    d = diagnose(nuts, rhat_max=1.0, ess_per_chain=1e6)
    assert not d.converged and any("R-hat" in r for r in d.reasons) and any("bulk ESS" in r for r in d.reasons)


def test_fit_records_method_settings_timing_versions(nuts):
    info = fit_info(nuts)
    assert (info["method"], info["backend"], info["seed"], info["n_obs"], info["n_groups"]) == ("nuts", "nutpie", SEED, 880, 20)
    assert info["settings"]["draws"] == 2000 and info["settings"]["chains"] == 4    # the defaults, diagonal mass matrix
    assert info["attempts"][0]["why"] == "first run" and info["attempts"][0]["target_accept"] == 0.95
    assert info["compile_s"] > 0 and info["tune_s"] > 0 and info["sample_s"] > 0
    assert info["wall_s"] == pytest.approx(info["compile_s"] + info["tune_s"] + info["sample_s"])
    assert {"pymc", "nutpie", "arviz", "python"} <= set(info["versions"])
    assert set(info["model_parameterization"]) == {"log10_ic50", "e0", "einf", "log_hill"} and info["model_compress"] == 1
    assert set(nuts.posterior.data_vars) >= {"log10_ic50", "ic50", "top", "bottom", "hill", "ic50_position_mu", "sigma"}
    assert "log_likelihood" not in nuts.groups() and "warmup_posterior" not in nuts.groups()
    obs = nuts.observed_data                          # the data travel with the fit, one row per observation
    assert obs["response"].size == 880 and set(obs["obs_group"].values) == set(nuts.posterior.group.values)


@pytest.mark.slow
def test_same_seed_same_numbers_and_labels_survive():
    df, _ = dr.simulate(6, replicates=2, seed=1, labels=[105, 3, 77, 12, 9, 40])
    a = fit_nuts(df, draws=100, tune=100, seed=7, retry=False, progressbar=False)   # reproducibility, not retries
    b = fit_nuts(df, draws=100, tune=100, seed=7, retry=False, progressbar=False)
    np.testing.assert_array_equal(a.posterior.log10_ic50.values, b.posterior.log10_ic50.values)
    assert list(a.posterior.group.values) == [105, 3, 77, 12, 9, 40]
    assert float(a.posterior.top.sel(group=77).mean()) == float(b.posterior.top.sel(group=77).mean())
    c = fit_nuts(df, draws=100, tune=100, seed=8, retry=False, progressbar=False)
    assert not np.array_equal(a.posterior.log10_ic50.values, c.posterior.log10_ic50.values)


def test_netcdf_round_trip_keeps_attrs_and_labels(nuts, tmp_path):
    back = load(save(nuts, tmp_path / "nuts.nc"))
    assert fit_info(back) == fit_info(nuts)
    assert list(back.posterior.group.values) == list(nuts.posterior.group.values)
    np.testing.assert_array_equal(back.posterior.ic50.values, nuts.posterior.ic50.values)


def test_advi_result_shape_history_and_verdict(advi, screen):
    info = fit_info(advi)
    assert info["method"] == "advi" and info["converged"] in (0, 1) and info["n_iter"] == advi.elbo_history.sizes["iteration"]
    assert info["compile_s"] > 0 and info["fit_s"] > 0
    assert list(advi.posterior.group.values) == list(screen[1].index)
    assert advi.posterior.sizes["draw"] == 1000 and np.isfinite(advi.importance.log_weight).all()
    d = diagnose(advi)
    assert d.elbo_converged == bool(info["converged"]) and np.isfinite(d.pareto_k)
    assert d.converged == (d.elbo_converged and d.pareto_k <= 0.7)


def test_advi_same_seed_same_numbers(screen):
    a = fit_advi(screen[0], n=3000, seed=2, progressbar=False, n_weights=0)
    b = fit_advi(screen[0], n=3000, seed=2, progressbar=False, n_weights=0)
    np.testing.assert_array_equal(a.posterior.log10_ic50.values, b.posterior.log10_ic50.values)
    np.testing.assert_array_equal(a.elbo_history.loss.values, b.elbo_history.loss.values)


def test_advi_that_runs_out_of_iterations_is_not_converged(screen):
    a = fit_advi(screen[0], n=300, seed=2, progressbar=False, n_weights=20)
    d = diagnose(a)
    assert not d.converged and d.elbo_converged is False and any("ELBO still improving" in r for r in d.reasons)


def test_minibatch_advi_over_cells(screen):
    a = fit_advi(screen[0], n=2000, batch_size=50, seed=1, progressbar=False, n_weights=20)
    info = fit_info(a)
    assert info["model_batch_size"] == 50 and info["model_compress"] == 1
    assert np.isfinite(a.posterior.log10_ic50.values).all()


def test_fullrank_on_small_data_and_refused_at_scale():
    small, _ = dr.simulate(1, replicates=3, seed=0)
    a = fit(small, method="fullrank_advi", n=2000, seed=0, progressbar=False, n_weights=20)
    assert fit_info(a)["method"] == "fullrank_advi"
    big, _ = dr.simulate(3000, replicates=1, concentrations=4, seed=0)
    with pytest.raises(MemoryError, match="full-rank ADVI over 12,009 parameters needs about"):
        fit(big, method="fullrank_advi")


def test_summarize_groups(nuts, screen):
    df, truth = screen
    s = summarize_groups(nuts, df)
    assert list(s.index) == list(truth.index) and len(s) == 20
    for col in ("ic50_median", "ic50_q05", "ic50_q95", "log10_ic50_median", "top_median", "hill_q95",
                "p_ic50_below_range", "p_ic50_above_range", "shrinkage_log10_ic50"):
        assert col in s and s[col].notna().all(), col
    assert (s.ic50_q05 <= s.ic50_median).all() and (s.ic50_median <= s.ic50_q95).all()
    assert s.shrinkage_log10_ic50.between(0, 1).all()
    assert (s.p_ic50_below_range[truth.log10_ic50 > -1] < 0.05).all()


def test_errors_are_plain(screen):
    df = screen[0]
    with pytest.raises(ValueError, match="backend='stan' is not one of"):
        fit_nuts(df, backend="stan")
    with pytest.raises(ValueError, match="method='vb' is not one of"):
        fit(df, method="vb")
    with pytest.raises(ValueError, match="apply only when fitting a DataFrame"):
        fit_nuts(dr.build_model(df), parameterization="centered")
    with pytest.raises(TypeError, match="expected a tidy DataFrame or a model"):
        fit_nuts([1, 2, 3])
    import builtins
    real_import = builtins.__import__
    def no_jax(name, *a, **k):
        if name in ("jax", "numpyro"):
            raise ImportError(name)
        return real_import(name, *a, **k)
    with mock.patch("builtins.__import__", no_jax):
        with pytest.raises(ImportError, match="backend='numpyro' needs JAX and numpyro"):
            fit_nuts(df, backend="numpyro")


def test_the_jax_path_fits_the_same_posterior(nuts, screen):
    "backend='numpyro' runs the same model through JAX (and on a GPU where JAX has one); on CPU here."
    # margins over seeds 4-6 (`python bench/seed_margins.py --kinds jax --seeds 4-6`): R-hat <= 1.006, bulk ESS >= 3,630,
    # IC50 medians at most 0.056 nutpie SDs from nutpie's, interval widths 0.94-1.08 of nutpie's
    j = fit_nuts(screen[0], seed=SEED, backend="numpyro", progressbar=False)
    assert fit_info(j)["backend"] == "numpyro"
    d = diagnose(j)
    assert d.divergences == 0 and d.max_rhat < 1.03 and d.min_ess_bulk > 200, d.reasons
    a, b = summarize_groups(nuts), summarize_groups(j)
    sd = (a.log10_ic50_q95 - a.log10_ic50_q05) / 3.29          # the 90% interval spans 3.29 SDs
    assert ((a.log10_ic50_median - b.log10_ic50_median).abs() < 0.5 * sd).all()
    assert np.allclose(b.log10_ic50_q95 - b.log10_ic50_q05, a.log10_ic50_q95 - a.log10_ic50_q05, rtol=0.3)


JAX_CHILD = """
import json
import dose_response as dr
from dose_response.nuts import jax_cache_dir
df, _ = dr.simulate(3, concentrations=6, replicates=2, seed=3)
idata = dr.fit_nuts(df, seed=1, draws=200, tune=200, chains=2, progressbar=False, backend="numpyro")
print(json.dumps({"dir": str(jax_cache_dir()), "sum": float(idata.posterior["log10_ic50"].sum())}))
"""


@pytest.mark.slow
def test_the_jax_path_keeps_its_compiled_sampler_between_processes(tmp_path):
    "backend='numpyro' stores XLA programs in jax_cache_dir(): a second process compiles nothing and draws the same numbers."
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAX_")} | {"XDG_CACHE_HOME": str(tmp_path)}
    run = lambda: json.loads(subprocess.run([sys.executable, "-c", JAX_CHILD], env=env, check=True, capture_output=True,
                                            text=True).stdout.strip().splitlines()[-1])
    first = run()
    cache = Path(first["dir"])
    assert cache == tmp_path / "dose_response" / "jax"
    entries = {p.name: p.stat().st_mtime_ns for p in cache.iterdir()}
    assert entries, "nothing was cached"
    second = run()
    assert second["sum"] == first["sum"]                     # same seed, same draws, from the cache or not
    assert {p.name: p.stat().st_mtime_ns for p in cache.iterdir()} == entries   # every program came from the cache


def test_pathfinder_through_fit(screen):
    p = fit(screen[0], method="pathfinder", draws=300, seed=1, progressbar=False)
    info = fit_info(p)
    assert (info["method"], info["backend"]) == ("pathfinder", "pymc-extras") and info["compile_s"] > 0
    assert "pathfinder" in p.groups() and "sample_stats" not in p.groups()
    assert list(p.posterior.group.values) == list(screen[1].index) and p.posterior.sizes["draw"] == 300
    d = diagnose(p)
    assert d.method == "pathfinder" and np.isfinite(d.pareto_k)
    assert d.converged == (d.elbo_converged and d.pareto_k <= 0.7)


def test_summarize_groups_from_a_saved_fit_alone(nuts, screen, tmp_path):
    back = load(save(nuts, tmp_path / "fit.nc"))
    pd.testing.assert_frame_equal(summarize_groups(back), summarize_groups(nuts, screen[0]), check_dtype=False)
    del back.dose_range
    with pytest.raises(ValueError, match="pass the data"):
        summarize_groups(back)


@pytest.mark.slow
def test_same_seed_same_draws_cold_and_warm_compile_cache(tmp_path):
    """One seed, two fresh processes, one with an empty PyTensor compile cache and one with the usual (warm) cache:
    identical draws. Before fit_nuts compiled nutpie's numba code afresh, a cold cache gave a different chain."""
    import os
    import subprocess
    import sys
    code = ("import numpy as np, dose_response as dr; from dose_response.inference import fit_nuts; "
            "df, _ = dr.simulate(8, concentrations=6, replicates=1, seed=3); "
            "i = fit_nuts(df, draws=150, tune=150, seed=5, retry=False, progressbar=False); "
            "print(repr(float(i.posterior.log10_ic50.values.sum())), repr(float(i.posterior.sigma.values.sum())))")
    def run(env):
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env=env).stdout.split()[-2:]
    warm = run(dict(os.environ))
    flags = ",".join(f for f in [os.environ.get("PYTENSOR_FLAGS", ""), f"base_compiledir={tmp_path}"] if f)
    cold = run(dict(os.environ, PYTENSOR_FLAGS=flags))
    assert cold == warm, (cold, warm)


def _fake_fit(model, diverging, e0_sigma, chains=2, draws=200):
    "A fit-shaped InferenceData for testing the retry logic without sampling."
    import arviz as az
    rng = np.random.default_rng(0)
    post = {v: 1 + np.abs(rng.normal(size=(chains, draws))) for v in ("log10_ic50_sigma", "einf_sigma", "log_hill_sigma")}
    post["e0_sigma"] = e0_sigma
    return az.from_dict(posterior=post, sample_stats={"diverging": diverging})


def test_retry_remedies_follow_the_fault():
    from dose_response.nuts import RETRY_TARGET_ACCEPT, Attempt, _next_attempt, funnel
    df, _ = dr.simulate(6, replicates=2, seed=0)
    model = dr.build_model(df, pooling="partial", parameterization="centered")
    rng = np.random.default_rng(1)
    sig = np.abs(rng.normal(5, 1, size=(2, 200)))
    div = np.zeros((2, 200), bool)
    div[0, :10] = True
    first = lambda: Attempt(model, target_accept=0.9, draws=200, tune=200, tune_used=200)
    # divergences where the population SD of e0 collapses: the funnel; the remedy non-centres e0
    neck = sig.copy(); neck[div] = 0.2
    assert funnel(_fake_fit(model, div, neck), model) == ["e0"]
    nxt = _next_attempt(_fake_fit(model, div, neck), first(), chains=2)
    assert nxt.noncentered == ["e0"] and nxt.model.spec.parameterization["e0"] == "noncentered"
    assert nxt.model.spec.parameterization["log10_ic50"] == "centered"       # the rest as the user asked
    assert nxt.divergences == 0 and nxt.tune_used is None                     # a new attempt: none of the old outcome
    # divergences elsewhere: smaller steps
    nxt = _next_attempt(_fake_fit(model, div, sig), first(), chains=2)
    assert nxt.target_accept == RETRY_TARGET_ACCEPT and nxt.noncentered is None
    # chains that disagree: first the remedy diagnose names (non-centre the parameter that mixes worst) ...
    stuck = np.stack([sig[0], sig[1] + 10])
    nxt = _next_attempt(_fake_fit(model, np.zeros((2, 200), bool), stuck), first(), chains=2)
    assert nxt.noncentered == ["e0"] and "worst: e0_sigma" in nxt.why and nxt.draws == 200
    # ... and when that was tried already, twice the draws
    tried = first().retry("e0 non-centred", noncentered=["e0"])
    tried.tune_used, tried.divergences, tried.max_rhat = 200, 5, 3.0    # it did worse: the next one builds on the attempt in hand
    nxt = _next_attempt(_fake_fit(model, np.zeros((2, 200), bool), stuck), first(), chains=2, tried=[tried])
    assert (nxt.draws, nxt.tune) == (400, 400) and "R-hat" in nxt.why and nxt.noncentered is None
    tried.max_rhat = 1.2    # it did better: the next one is it again (its form kept), with twice the draws
    nxt = _next_attempt(_fake_fit(model, np.zeros((2, 200), bool), stuck), first(), chains=2, tried=[tried])
    assert nxt.noncentered == ["e0"] and nxt.draws == 400 and "the attempt before did better" in nxt.why
    # nothing wrong (independent draws, enough of them that R-hat's noise stays far below 1.01): no next attempt
    iid = np.abs(rng.normal(5, 1, size=(2, 4000)))
    assert _next_attempt(_fake_fit(model, np.zeros((2, 4000), bool), iid, draws=4000), first(), chains=2) is None


def test_retry_off_records_one_attempt(screen):
    i = fit_nuts(screen[0].query("group < 'cpd0003'"), draws=50, tune=50, chains=2, seed=1, retry=False, progressbar=False)
    assert len(fit_info(i)["attempts"]) == 1


def test_a_non_centring_that_did_not_help_is_undone():
    "acidiq: 22 divergences centred, 57 after non-centring log_hill; the next attempt must go back, with smaller steps."
    from types import SimpleNamespace
    from dose_response.nuts import RETRY_TARGET_ACCEPT, Attempt, _next_attempt

    def run(n_div):
        div = np.zeros((1, 50), bool)
        div[0, :n_div] = True
        return az.from_dict(posterior={"x": np.zeros((1, 50))}, sample_stats={"diverging": div})
    model = lambda name: SimpleNamespace(name=name, spec=SimpleNamespace(hierarchical=False, parameterization={}))
    first = Attempt(model("centred"), target_accept=0.8, draws=50, tune=50, divergences=22)
    second = lambda: Attempt(model("log_hill non-centred"), target_accept=0.8, draws=50, tune=50, why="funnel",
                             noncentered=["log_hill"])
    worse = _next_attempt(run(40), second(), chains=1, previous=first)
    assert worse.model.name == "centred" and worse.target_accept == RETRY_TARGET_ACCEPT
    assert worse.noncentered is None and "no fewer than the 22" in worse.why
    better = _next_attempt(run(3), second(), chains=1, previous=first)
    assert better.model.name == "log_hill non-centred" and better.target_accept == RETRY_TARGET_ACCEPT


def test_the_pymc_backend_runs_through_the_same_call():
    "backend='pymc' (PyMC's own NUTS), once: the same InferenceData, recorded as such."
    df, _ = dr.simulate(6, 5, 2, seed=3)
    idata = fit_nuts(df, backend="pymc", draws=100, tune=100, chains=1, seed=2, retry=False, progressbar=False)
    info = fit_info(idata)
    assert (info["method"], info["backend"]) == ("nuts", "pymc")
    assert idata.posterior.sizes["draw"] == 100 and list(idata.posterior.group.values) == list(df.group.unique())
    assert info["tune_s"] > 0 and info["sample_s"] > 0 and "observed_data" in idata.groups()


def test_the_mixture_remedy_is_offered_only_where_the_model_can_take_it():
    "A Student-t, per-observation or minibatch model cannot be rebuilt with inactive groups: no crash mid-retry."
    from dose_response.nuts import _can_mix
    df, _ = dr.simulate(8, replicates=2, seed=3)
    assert _can_mix(dr.build_model(df, inactive=False, einf="sampled").spec)
    assert not _can_mix(dr.build_model(df, einf="marginal").spec)          # its two components are the mixture
    assert not _can_mix(dr.build_model(df, inactive=True).spec)            # already
    assert not _can_mix(dr.build_model(df, likelihood="student_t").spec)
    assert not _can_mix(dr.build_model(df, compress=False).spec)
    assert not _can_mix(dr.build_model(df, batch_size=20).spec)


def test_a_remedy_that_made_things_worse_is_not_kept():
    "The retries run their course; the attempt returned is the best of them (here the first: fewer divergences)."
    from types import SimpleNamespace
    from dose_response.nuts import Attempt, _attempts

    def run(a):
        n_div = {0.8: 5}.get(a.target_accept, 20)
        div = np.zeros((1, 50), bool)
        div[0, :n_div] = True
        idata = az.from_dict(posterior={"x": np.zeros((1, 50))}, sample_stats={"diverging": div})
        idata.posterior.attrs["n"] = n_div
        return idata
    model = SimpleNamespace(spec=SimpleNamespace(hierarchical=False, parameterization={}, flat_groups=[]))
    idata, attempts = _attempts(run, Attempt(model, target_accept=0.8, draws=50, tune=50), chains=1, retry=True)
    assert [a.divergences for a in attempts] == [5, 20] and [a.kept for a in attempts] == [True, False]
    assert [a.record()["kept"] for a in attempts] == [True, False] and "model" not in attempts[0].record()
    assert "max_rhat" not in attempts[0].record()   # one chain: not checked, so not recorded (JSON has no NaN)
    assert idata.posterior.attrs["n"] == 5
