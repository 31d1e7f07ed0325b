"""The 4PL and the hierarchical model: exactness of the compressed likelihood, zero dose, options."""
import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
import pytest

import dose_response as dr
from unittest import mock

import dose_response.model as model_module
from dose_response.choices import informed_groups, ls_group_fits
from dose_response.curve import POOLING_MIN_GROUPS, data_scales, default_priors, prepare
from dose_response.model import _group_param, cell_grid, random_points


@pytest.fixture(scope="module")
def uneven():
    "Replicates, zero-dose controls and unequal cells (a random third of rows removed)."
    df, _ = dr.simulate(12, concentrations=6, replicates=4, n_controls=3, seed=11)
    return df.sample(frac=0.67, random_state=0).sort_index()


def test_four_pl_limits_and_midpoint():
    c = np.array([0.0, 1.0, 1e9])
    np.testing.assert_allclose(dr.four_pl(c, 0.0, 100.0, 10.0, 1.5), [100.0, 55.0, 10.0], atol=1e-9)
    np.testing.assert_allclose(dr.four_pl(c, 0.0, 100.0, 10.0, 1.5, increasing=True), [10.0, 55.0, 100.0], atol=1e-9)


def test_four_pl_pytensor_matches_numpy_and_has_finite_zero_dose_gradient():
    c = np.array([0.0, 0.0, 1e-4, 0.3, 20.0])
    params = [pt.dscalar(n) for n in ("l", "t", "b", "h")]
    values = dict(zip(params, [-0.7, 95.0, 4.0, 2.2]))
    out = dr.four_pl(c, *params)
    np.testing.assert_allclose(out.eval(values), dr.four_pl(c, -0.7, 95.0, 4.0, 2.2), rtol=1e-12)
    grads = pt.grad(out.sum(), params)
    for g in grads:
        assert np.isfinite(g.eval(values))
    # d f(0) / d top = 1 per control, and controls contribute nothing to d/d hill
    np.testing.assert_allclose(pt.grad(out[:2].sum(), params[1]).eval(values), 2.0)
    np.testing.assert_allclose(pt.grad(out[:2].sum(), params[3]).eval(values), 0.0)


@pytest.mark.parametrize("parameterization,noise", [("centered", "shared"), ("noncentered", "shared"),
                                                     ("centered", "group")])
def test_compressed_logp_equals_per_observation_logp(uneven, parameterization, noise):
    full = dr.build_model(uneven, compress=False, parameterization=parameterization, noise=noise)
    comp = dr.build_model(uneven, compress=True, parameterization=parameterization, noise=noise, einf="sampled")
    assert full.spec.noise == comp.spec.noise == noise
    assert comp.spec.n_cells < full.spec.n_obs and len(set(comp.spec.data.cell_n)) > 1   # unequal cells
    f, g = full.compile_logp(), comp.compile_logp()
    df, dg = full.compile_dlogp(), comp.compile_dlogp()
    for point in random_points(full, 6, seed=5, scale=0.8):
        a, b = f(point), g(point)
        assert np.isfinite(a)
        assert abs(a - b) <= 1e-10 * abs(a), (a, b)
        np.testing.assert_allclose(df(point), dg(point), rtol=1e-8, atol=1e-8)


@pytest.mark.parametrize("noise", ["shared", "group"])
def test_grid_and_gathered_cells_are_the_same_likelihood(uneven, noise):
    "The default grid layout, the gathered cells it replaces, and a screen too ragged for a grid all agree exactly."
    grid = cell_grid(prepare(uneven))
    assert grid is not None and (grid["n"] == 0).any()          # padded: groups lost different cells
    with mock.patch.object(model_module, "cell_grid", lambda *a, **k: None):
        gathered = dr.build_model(uneven, parameterization="centered", inactive=False, noise=noise, einf="sampled")
    on_grid = dr.build_model(uneven, parameterization="centered", inactive=False, noise=noise, einf="sampled")
    assert "response" in on_grid.named_vars and "response_mean" in gathered.named_vars
    f, g = on_grid.compile_logp(), gathered.compile_logp()
    df_, dg = on_grid.compile_dlogp(), gathered.compile_dlogp()
    for point in random_points(on_grid, 4, seed=2, scale=0.8):
        assert abs(f(point) - g(point)) <= 1e-10 * abs(f(point))
        np.testing.assert_allclose(df_(point), dg(point), rtol=1e-8, atol=1e-8)
    if noise == "shared":   # einf integrated out (`01f_marginal`): its grid sums and its cell segment sums agree too
        with mock.patch.object(model_module, "cell_grid", lambda *a, **k: None):
            gathered = dr.build_model(uneven, parameterization="centered", noise=noise, einf="marginal")
        on_grid = dr.build_model(uneven, parameterization="centered", noise=noise, einf="marginal")
        f, g = on_grid.compile_logp(), gathered.compile_logp()
        df_, dg = on_grid.compile_dlogp(), gathered.compile_dlogp()
        for point in random_points(on_grid, 4, seed=2, scale=0.8):
            assert abs(f(point) - g(point)) <= 1e-10 * abs(f(point))
            np.testing.assert_allclose(df_(point), dg(point), rtol=1e-8, atol=1e-8)
    # one group with 40 doses among groups with 4: a grid would be mostly padding, so the cells are gathered
    wide = pd.concat([uneven[uneven.group == uneven.group.iloc[0]].iloc[:0],
                      pd.DataFrame({"group": "wide", "concentration": np.logspace(-3, 1, 40), "response": 50.0}),
                      uneven])
    assert cell_grid(prepare(wide)) is None
    assert "response_mean" in dr.build_model(wide, inactive=False, einf="sampled").named_vars


def test_chains_start_at_each_groups_own_fit():
    "In a screen of rising and falling curves every group starts in its own direction, near its least-squares fit."
    inc, t_inc = dr.simulate(6, replicates=2, increasing=True, seed=2)
    dec, t_dec = dr.simulate(6, replicates=2, seed=2, labels=[f"d{i}" for i in range(6)])
    for form in ("centered", "noncentered"):
        model = dr.build_model(pd.concat([inc, dec]), parameterization=form, einf="sampled")
        start = model.initial_point()
        if form == "centered":
            e0, einf, l = start["e0"], start["einf_logit"], start["ic50_position"]
        else:   # the group values follow from the population and the standardised offsets
            e0, einf, l = (start[f"{p}_mu"] + np.exp(start[f"{p}_sigma_log__"]) * start[f"{p}_z"]
                           for p in ("e0", "einf_logit", "ic50_position"))
        lo, hi = model.spec.priors["einf_bounds"]          # einf is sampled as the logit of its place between these
        einf = lo + (hi - lo) / (1 + np.exp(-einf))
        w_lo, w_hi = model_module.ic50_windows(model.spec.data, 1.0)   # ... and the IC50 as its place in its window
        l = w_lo + (w_hi - w_lo) / (1 + np.exp(-l))
        truth = np.r_[t_inc["log10_ic50"], t_dec["log10_ic50"]]
        x = np.log10(inc.concentration[inc.concentration > 0])
        inside = (truth > x.min() + 0.5) & (truth < x.max() - 0.5)   # the data show these groups' direction
        assert inside.sum() >= 8
        rising = np.arange(12) < 6
        assert (einf > e0 + 20)[rising & inside].all() and (einf < e0 - 20)[~rising & inside].all()
        assert np.median(np.abs(l - truth)[inside]) < 0.5


def test_zero_dose_gradients_are_finite(uneven):
    assert (uneven.concentration == 0).any()
    for compress in (True, False):
        model = dr.build_model(uneven, compress=compress)
        dlogp = model.compile_dlogp()
        for point in random_points(model, 4, seed=1, scale=1.5):
            assert np.isfinite(dlogp(point)).all()


def test_group_labels_become_the_group_coordinate():
    df, _ = dr.simulate(3, labels=[30, 10, 20], seed=0)
    model = dr.build_model(df)
    assert list(model.coords["group"]) == [30, 10, 20]
    assert model["log10_ic50"].type.shape == (3,) or model["log10_ic50"].eval().shape == (3,)


def test_auto_parameterization_follows_what_the_data_pin_down(caplog):
    "Flat groups do not pin their IC50 or slope; clear curves do; the parameter is centred when most groups pin it."
    df, truth = dr.simulate(12, replicates=6, seed=0, sigma=3.0)       # 66 points per group, clear curves
    flat = df.group.isin(truth.index[:3])
    df.loc[flat, "response"] = 100 + np.random.default_rng(0).normal(0, 3.0, flat.sum())
    with caplog.at_level("INFO", logger="dose_response"):
        m = dr.build_model(df)
    assert "parameterization" in caplog.text and m.spec.hierarchical and m.spec.compress
    pinned = informed_groups(m.spec.data, m.spec.priors)
    assert not pinned["log10_ic50"][:3].any() and not pinned["log_hill"][:3].any()
    assert pinned["log10_ic50"][3:].mean() >= 0.75
    # the groups whose data identify the IC50 are centred (most of them pin it), the flat ones non-centred
    assert m.spec.parameterization["log10_ic50"] == "mixed (9 of 12 centred)" and m["log10_ic50"].eval().shape == (12,)
    assert "ic50_position_raw" in m.named_vars          # sampled as its place in its window (`ic50_window`)
    forced = dr.build_model(df, parameterization={"log_hill": "noncentered"})
    assert forced.spec.parameterization["log_hill"] == "noncentered" and "log_hill_z" in forced.named_vars


def test_mixed_masks_build_one_vector():
    "A parameter centred in some groups and not others is one vector, with the same log density as the pure forms."
    df, _ = dr.simulate(6, replicates=2, seed=0)
    data = prepare(df)
    prior = default_priors(data_scales(data))
    forms = np.array(["c", "n", "c", "n", "c", "n"])
    with pm.Model(coords={"group": data.labels}) as m:
        _group_param("e0", prior, forms, hierarchical=True)
    assert "e0_raw" in m.named_vars
    out = m.replace_rvs_by_values([m["e0"]])[0]
    fn = m.compile_fn(out, inputs=m.value_vars, on_unused_input="ignore")
    value = fn({"e0_raw": np.full(6, 0.5), "e0_mu": 1.0, "e0_sigma_log__": np.log(2.0)})
    np.testing.assert_allclose(value, [0.5, 2.0, 0.5, 2.0, 0.5, 2.0])    # raw itself where centred, mu + sd*raw elsewhere


def test_shared_parameter_is_noncentred():
    "With shared controls every group's zero-dose response is the same: a centred form would be a funnel."
    m = dr.build_model(dr.load_dataset("acidiq"), pooling="partial")
    assert m.spec.parameterization["e0"] == "noncentered"


def test_few_groups_are_not_pooled_unless_asked():
    df, _ = dr.simulate(POOLING_MIN_GROUPS - 1, replicates=4, seed=0)
    auto, forced = dr.build_model(df), dr.build_model(df, pooling="partial")
    assert not auto.spec.hierarchical and "e0_sigma" not in auto.named_vars
    assert forced.spec.hierarchical and "e0_sigma" in forced.named_vars
    enough, _ = dr.simulate(POOLING_MIN_GROUPS, replicates=4, seed=0)
    assert dr.build_model(enough).spec.hierarchical
    with pytest.raises(ValueError, match="pooling='partial' needs at least 2 groups"):
        dr.build_model(dr.load_dataset("ryegrass"), pooling="partial")


def test_priors_follow_the_data_scale():
    df, _ = dr.simulate(5, seed=0)
    small = df.assign(response=df.response / 100.0, concentration=df.concentration * 1000)
    p_big, p_small = dr.build_model(df).spec.priors, dr.build_model(small).spec.priors
    np.testing.assert_allclose(p_small["sigma"], p_big["sigma"] / 100, rtol=1e-9)
    np.testing.assert_allclose(p_small["e0_mu"][0], p_big["e0_mu"][0] / 100, rtol=1e-9)
    # the saturating response is sampled as the logit of its place between bounds that scale with the data
    np.testing.assert_allclose(p_small["einf_logit_mu"][0], p_big["einf_logit_mu"][0], rtol=1e-9)
    s_big, s_small = (dr.model.data_scales(dr.model.prepare(d)) for d in (df, small))
    np.testing.assert_allclose(np.array(s_small.einf_bounds), np.array(s_big.einf_bounds) / 100, rtol=1e-9)
    np.testing.assert_allclose(p_small["log10_ic50_mu"][0], p_big["log10_ic50_mu"][0] + 3, rtol=1e-9)


def test_single_group_matches_drc_on_ryegrass():
    "drc: drm(rootl ~ conc, data = ryegrass, fct = LL.4()) gives b=2.98, c=0.48, d=7.79, e=3.06."
    model = dr.build_model(dr.load_dataset("ryegrass"))
    assert not model.spec.hierarchical and "log10_ic50_mu" not in model.named_vars
    map_ = pm.find_MAP(model=model, progressbar=False, seed=1)
    np.testing.assert_allclose(map_["ic50"], [3.06], rtol=0.05)
    np.testing.assert_allclose(map_["top"], [7.79], rtol=0.03)
    np.testing.assert_allclose(map_["bottom"], [0.48], atol=0.25)
    np.testing.assert_allclose(map_["hill"], [2.98], rtol=0.15)


def test_rising_and_falling_curves_in_one_model():
    "A screen normalised to its controls (e0 ~ 100) where half of the compounds lower the response and half raise it."
    from dose_response.robustness import Design, simulate_design
    df, truth = simulate_design(Design("mixed", n_groups=12, replicates=4, noise=0.03, mixed=True), seed=1)
    model = dr.build_model(df, pooling="none")   # MAP of a hierarchy collapses; the curve is the point here
    map_ = pm.find_MAP(model=model, progressbar=False, seed=1)
    ok = np.abs(map_["log10_ic50"] - truth.log10_ic50.to_numpy()) < 0.5
    assert ok.mean() >= 0.8, (map_["log10_ic50"], truth.log10_ic50.to_numpy())
    np.testing.assert_array_equal(map_["einf"] > map_["e0"], truth.rising.to_numpy())
    np.testing.assert_allclose(map_["top"], np.maximum(map_["e0"], map_["einf"]))


@pytest.mark.parametrize("kw, match", [
    (dict(parameterization="centred"), "parameterization='centred' is not one of"),
    (dict(likelihood="cauchy"), "likelihood='cauchy' is not one of"),
    (dict(parameterization={"e0": "sideways"}), "parameterization for e0='sideways' is not one of"),
    (dict(likelihood="student_t", compress=True), "no sufficient statistics"),
    (dict(priors={"ec50": 1}), r"unknown prior\(s\) \['ec50'\]"),
])
def test_bad_options(kw, match):
    df, _ = dr.simulate(3, seed=0)
    with pytest.raises(ValueError, match=match):
        dr.build_model(df, **kw)


def test_build_model_validates_its_input():
    df, _ = dr.simulate(3, seed=0)
    with pytest.raises(ValueError, match="negative values"):
        dr.build_model(df.assign(concentration=-df.concentration))


def test_the_spec_keeps_the_data_and_rebuilds_with_the_users_options(uneven):
    "One home for what a model was built from: `model.spec` (the pm.Model itself carries no data attributes)."
    m = dr.build_model(uneven, pooling="none", likelihood="student_t", compress=False)
    assert not hasattr(m, "df") and not hasattr(m, "data")
    pd.testing.assert_frame_equal(m.spec.df.drop(columns="flagged"), dr.validate(uneven))
    assert not m.spec.df["flagged"].any()        # a Student-t likelihood keeps every well: it down-weights outliers itself
    again = m.spec.rebuild(batch_size=40)          # as ADVI's importance weights rebuild it, minus the minibatch
    assert (again.spec.hierarchical, again.spec.likelihood, again.spec.batch_size) == (False, "student_t", 40)
    assert "nu" in again.named_vars and again.spec.options["pooling"] == "none"
    assert "model_df" not in m.spec.to_attrs() and "model_data" not in m.spec.to_attrs()


def _quiet(df: pd.DataFrame, groups, level: float = 100.0, seed: int = 1) -> pd.DataFrame:
    "The same screen with `groups` made flat: noise about `level` at every dose."
    out, rng = df.copy(), np.random.default_rng(seed)
    q = out.group.isin(groups)
    out.loc[q, "response"] = level + rng.normal(0, 5, q.sum())
    return out


@pytest.mark.parametrize("layout", ["grid", "gathered cells"])
def test_the_inactive_mixture_is_the_exact_two_component_likelihood(uneven, layout):
    "log p(mixture) - log p(4PL) = sum over groups of logaddexp(log s + A_g, log(1-s) + F_g) - A_g, per observation."
    from scipy import stats
    from scipy.special import expit, logsumexp
    df = _quiet(uneven, [uneven.group.iloc[0]])
    with mock.patch.object(model_module, "cell_grid", return_value=None) if layout != "grid" else mock.MagicMock():
        mix = dr.build_model(df, inactive=True, parameterization="centered", ic50_window=None)   # the IC50 as sampled
    plain = dr.build_model(df, inactive=False, parameterization="centered", ic50_window=None)
    assert mix.spec.inactive and not plain.spec.inactive and mix.spec.compress
    f, g = mix.compile_logp(jacobian=False), plain.compile_logp(jacobian=False)
    tidy = mix.spec.df
    code = pd.Index(mix.spec.data.labels).get_indexer(tidy.group)
    for point in random_points(mix, 4, seed=2, scale=0.5):
        s, sd = expit(point["active_share_logodds__"]), np.exp(point["sigma_log__"])
        lo, hi = mix.spec.priors["einf_bounds"]
        einf = lo + (hi - lo) / (1 + np.exp(-point["einf_logit"]))
        mu = dr.four_pl(tidy.concentration.to_numpy(), point["log10_ic50"][code], point["e0"][code],
                        einf[code], np.exp(point["log_hill"][code]))
        a = np.bincount(code, stats.norm.logpdf(tidy.response, mu, sd))
        flat = np.bincount(code, stats.norm.logpdf(tidy.response, point["e0"][code], sd))
        expected = np.sum(logsumexp([np.log(s) + a, np.log1p(-s) + flat], axis=0) - a)
        rest = {k: v for k, v in point.items() if k != "active_share_logodds__"}
        np.testing.assert_allclose(f(point) - g(rest), expected, rtol=1e-9, atol=1e-8)


def test_inactive_auto_records_the_groups_that_look_flat(caplog):
    df, _ = dr.simulate(12, replicates=3, seed=4)
    quiet = _quiet(df, ["cpd0003", "cpd0007"])
    data = prepare(dr.validate(quiet))
    flags = model_module.flat_groups(data, ls_group_fits(data, default_priors(data_scales(data))))
    assert list(data.labels[flags]) == ["cpd0003", "cpd0007"]
    with caplog.at_level("INFO", logger="dose_response"):
        auto = dr.build_model(quiet, einf="sampled")
    # auto fits the plain 4PL and records the groups that look flat: the mixture is fit_nuts's remedy
    assert not auto.spec.inactive and auto.spec.flat_groups == ["cpd0003", "cpd0007"]
    assert "p_active" not in auto.named_vars
    assert "inactive=False (2 of 12 group(s) show no dose response" in caplog.text
    # the defaults integrate einf out here (the flat groups do not pin it): its no-effect component gives p_active
    default = dr.build_model(quiet)
    assert default.spec.einf == "marginal" and not default.spec.inactive and "p_active" in default.named_vars
    assert default.spec.flat_groups == ["cpd0003", "cpd0007"]
    assert dr.build_model(df).spec.flat_groups == []                   # every group has a curve
    assert "p_active" in auto.spec.rebuild(inactive=True).named_vars
    with pytest.raises(ValueError, match="inactive=True needs the cell-level Normal likelihood"):
        dr.build_model(quiet, likelihood="student_t", inactive=True)
    with pytest.raises(ValueError, match="inactive='yes' is not one of"):
        dr.build_model(quiet, inactive="yes")


def _grid_inputs(rng, G=30, K=7):
    "Per-group parameters (Hill slopes 0.02 to 50: steps and near-flat curves) and a grid with zero-dose and empty cells."
    return [rng.normal(0, 1, G), rng.normal(100, 5, G), rng.normal(5, 5, G), np.exp(rng.uniform(np.log(0.02), np.log(50), G)),
            rng.uniform(-3, 3, (G, K)), (rng.uniform(size=(G, K)) < 0.15).astype(float),
            rng.integers(0, 4, (G, K)).astype(float), rng.normal(50, 30, (G, K))]


@pytest.mark.parametrize("mode", ["FAST_RUN", "NUMBA", "JAX"])
def test_grid_kernel_matches_the_expression_it_replaces(mode):
    "GridSS's sums of squares and gradients equal PyTensor's broadcast 4PL in the C, numba and JAX backends."
    import pytensor
    from dose_response.curve import _four_pl_x
    from dose_response.kernel import GridSS, grid_ss, register_jax
    register_jax()
    rng = np.random.default_rng(3)
    args = _grid_inputs(rng)
    ins = [pt.dvector(n) for n in ("l", "e0", "einf", "hill")] + [pt.dmatrix(n) for n in ("x", "zero", "n", "ybar")]
    w = pt.dvector("w")
    col = lambda v: v[:, None]
    ref = pt.sum(ins[6] * (ins[7] - _four_pl_x(ins[4], ins[5], *map(col, ins[:4]))) ** 2, axis=1)
    fused = grid_ss(*ins)[0]
    outs = lambda ss: [ss] + pt.grad(pt.sum(w * ss), ins[:4])
    weights = rng.normal(size=len(args[0]))
    expected = pytensor.function(ins + [w], outs(ref))(*args, weights)
    f = pytensor.function(ins + [w], outs(fused), mode=mode)
    assert any(isinstance(n.op, GridSS) for n in f.maker.fgraph.apply_nodes)
    for got, want in zip(f(*args, weights), expected):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-11 * np.abs(want).max())
    # its own exponential, against numpy's, over the range it is used on
    from dose_response.kernel import _exp_parts
    x = np.linspace(-700, 700, 4001)
    p, k = np.array([_exp_parts.py_func(v) for v in x]).T
    np.testing.assert_allclose(p * 2.0**k, np.exp(x), rtol=1e-15)   # a few ulp: numpy's exp differs by an ulp between CPUs


def test_screen_without_replicates_goes_on_the_grid():
    "One observation per cell: compress='auto' still uses the grid kernel, and the log density is the per-observation one."
    import pytensor
    from dose_response.kernel import GridSS
    df, _ = dr.simulate(6, concentrations=9, replicates=1, seed=4)
    grid_model, per_obs = dr.build_model(df), dr.build_model(df, compress=False)
    assert grid_model.spec.compress and grid_model.spec.n_cells == grid_model.spec.n_obs
    assert any(v.owner is not None and isinstance(v.owner.op, GridSS)
               for v in pytensor.graph.ancestors([grid_model.logp()]))
    f, g = grid_model.compile_logp(), per_obs.compile_logp()
    df_, dg = grid_model.compile_dlogp(), per_obs.compile_dlogp()
    for point in random_points(per_obs, 4, seed=1, scale=0.8):
        assert abs(f(point) - g(point)) <= 1e-10 * abs(g(point))
        np.testing.assert_allclose(df_(point), dg(point), rtol=1e-8, atol=1e-8)


def test_kernel_compiles_without_a_writable_cache():
    "Where numba finds no folder to cache in (here: a function without a source file), the kernel still compiles."
    from dose_response.kernel import _njit_cached
    ns = {}
    exec("def f(x):\n    return x + 1", ns)
    g = _njit_cached(ns["f"])
    assert g(1) == 2 and type(g._cache).__name__ == "NullCache"


def test_pytensor_cache_key_follows_the_kernel_code(monkeypatch):
    "numba's cache does not see a changed callee, so PyTensor's cache key for GridSS carries the kernel's version."
    from pytensor.link.numba.dispatch.basic import numba_funcify_and_cache_key
    import dose_response.kernel as kernel_module
    from dose_response.kernel import GridSS, _kernel_version
    _, key = numba_funcify_and_cache_key(GridSS())
    assert key is not None and _kernel_version() == kernel_module._KERNEL_VERSION
    monkeypatch.setattr(kernel_module, "_KERNEL_VERSION", kernel_module._KERNEL_VERSION + 1)
    _, changed = numba_funcify_and_cache_key(GridSS())
    assert changed != key


def test_noise_per_group_is_an_option_and_shared_is_the_default(uneven):
    "One noise SD unless asked; noise='group' draws one per group from a log-normal population, and says so."
    shared, group = dr.build_model(uneven), dr.build_model(uneven, noise="group")
    assert shared.spec.noise == "shared" and shared["sigma"].ndim == 0
    assert group.spec.noise == "group" and group.spec.to_attrs()["model_noise"] == "group"
    assert {"log_sigma_mu", "log_sigma_sigma", "log_sigma_z"} <= set(group.named_vars)
    assert group["sigma"].eval().shape == (len(group.coords["group"]),)
    with pytest.raises(ValueError, match="noise='each' is not one of"):
        dr.build_model(uneven, noise="each")


def test_noise_per_group_learns_which_groups_are_noisy():
    "Eight curves with noise SD 2 and eight with 20: the per-group SDs separate them, the shared one cannot."
    quiet, _ = dr.simulate(8, replicates=3, sigma=2.0, seed=3)
    loud, _ = dr.simulate(8, replicates=3, sigma=20.0, seed=4, labels=[f"loud{i}" for i in range(8)])
    idata = dr.fit_nuts(pd.concat([quiet, loud]), noise="group", draws=300, tune=500, seed=1, progressbar=False,
                        retry=False)
    sd = idata.posterior["sigma"].median(("chain", "draw")).to_series()
    is_loud = sd.index.str.startswith("loud")
    assert sd[is_loud].min() > 2 * sd[~is_loud].max()        # a factor 10 apart in truth
    assert 8 < np.exp(np.log(sd[is_loud]).mean()) < 40 and 1 < np.exp(np.log(sd[~is_loud]).mean()) < 4


def test_an_ic50_window_keeps_each_ic50_within_its_own_doses():
    """`ic50_window=w` (default 1): each group's IC50 is sampled as its place between its own lowest dose - w and highest + w
    decades (prior draws of a pooled screen whose groups were tested over ranges three decades apart), pooled on that
    position; the starting point is inside; a rebuild keeps the option; a bad width is refused before any work."""
    df, _ = dr.simulate(8, replicates=2, seed=5)
    groups = df.group.unique()
    shifted = pd.concat([df[df.group == g].assign(concentration=df.concentration[df.group == g] * 10.0 ** (3 * (i % 2)))
                         for i, g in enumerate(groups)], ignore_index=True)
    m = dr.build_model(shifted, pooling="partial")       # the default window, one decade
    assert {"ic50_position_mu", "ic50_position_sigma"} <= set(m.named_vars) and "log10_ic50_mu" not in m.named_vars
    assert m.spec.sampled["log10_ic50"] == "ic50_position"
    lo, hi = model_module.ic50_windows(m.spec.data, 1.0)
    assert np.allclose(hi - lo, hi[0] - lo[0]) and abs((lo[1] - lo[0]) - 3.0) < 1e-9   # its own range, +-1 decade
    x = pm.sample_prior_predictive(300, model=m, var_names=["log10_ic50"], random_seed=1).prior["log10_ic50"].values
    x = x.reshape(-1, len(groups))
    assert ((x >= lo) & (x <= hi)).all() and (x.max(0) - x.min(0) > 0.5 * (hi - lo)).all()
    start = m.compile_fn(m["log10_ic50"], inputs=m.value_vars, on_unused_input="ignore")(m.initial_point())
    assert ((start > lo) & (start < hi)).all()
    rebuilt = m.spec.rebuild(parameterization="noncentered")
    assert "ic50_position_z" in rebuilt.named_vars and rebuilt.spec.options["ic50_window"] == 1.0
    plain = dr.build_model(shifted, pooling="partial", ic50_window=None)   # the unbounded IC50
    assert "log10_ic50_mu" in plain.named_vars and "ic50_position_mu" not in plain.named_vars
    for bad in (0, -1.0, float("inf"), "1", True):
        with pytest.raises(ValueError, match="ic50_window"):
            dr.build_model(shifted, ic50_window=bad)


def test_groups_that_look_flat_can_be_kept_apart():
    "`looks_flat='apart'`: a flat group's IC50 window ends at its top dose, and the population does not reach it."
    from dose_response.screens import ScreenDesign, simulate_screen
    df, _ = simulate_screen(ScreenDesign(n_drugs=10, n_lines=2, doses=8, replicates=2, inactive=0.4, bad_wells=0.0),
                            seed=3)                            # 20 pairs, about half flat: the IC50s are pooled
    tidy = dr.validate(df[df.group != "DMSO"])
    m = dr.build_model(tidy, looks_flat="apart")
    flat = np.isin(m.spec.data.labels, m.spec.flat_groups)
    assert flat.any() and (~flat).any() and m.spec.options["looks_flat"] == "apart"
    import pytensor
    out, = m.replace_rvs_by_values([m["log10_ic50"]])
    g = pytensor.function(m.value_vars, out, on_unused_input="ignore")
    f = lambda p: g(*[p[v.name] for v in m.value_vars])       # each group's log10 IC50 at a point
    point = m.initial_point()
    raw = next(n for n in point if n in ("ic50_position_raw", "ic50_position_z"))
    top = model_module.ic50_windows(m.spec.data, 0.0)[1]
    far = f({**point, raw: np.full(len(flat), 30.0)})          # every IC50 pushed to its window's upper edge
    assert np.allclose(far[flat], top[flat]) and np.allclose(far[~flat], top[~flat] + 1.0)
    moved = f({**point, "ic50_position_mu": point["ic50_position_mu"] + 1.0}) - f(point)
    assert np.allclose(moved[flat], 0.0)                       # the population's mean does not move them ...
    logp = m.compile_logp()
    step = lambda p: logp({**p, raw: p[raw] + 0.3 * flat}) - logp(p)
    shifted = {**point, "ic50_position_mu": point["ic50_position_mu"] + 1.0}
    assert np.isclose(step(point), step(shifted))               # ... nor does it weigh their IC50s
    pooled = dr.build_model(tidy, looks_flat="pooled")
    raw_p = next(n for n in pooled.initial_point() if n in ("ic50_position_raw", "ic50_position_z", "ic50_position"))
    lp, p0 = pooled.compile_logp(), pooled.initial_point()
    step_p = lambda p: lp({**p, raw_p: p[raw_p] + 0.3 * flat}) - lp(p)
    assert not np.isclose(step_p(p0), step_p({**p0, "ic50_position_mu": p0["ic50_position_mu"] + 1.0}))  # pooled: it does
    with pytest.raises(ValueError, match="looks_flat='x' is not one of"):
        dr.build_model(tidy, looks_flat="x")
