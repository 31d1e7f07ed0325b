"""Block ADVI: the Gaussian's algebra (draws, density, entropy, ELBO gradient) against dense linear algebra and
finite differences, then the fit itself against NUTS on an easy screen, its refusals and its reproducibility."""
import numpy as np
import pytest
from scipy import stats

import dose_response as dr
from dose_response.compare import compare_fits
from dose_response.diagnostics import diagnose
from dose_response.block_advi import Adam, BlockGaussian, BlockLayout, block_layout
from dose_response.inference import fit, fit_advi, fit_block_advi, fit_info

SEED = 4


def _random_q(seed: int = 0, G: int = 3, K: int = 2, P: int = 2) -> BlockGaussian:
    """A block Gaussian with every parameter random; population first, then three levels (two of one factor, one of
    another: each group belongs to one of each), then the groups' parameters interleaved."""
    rng = np.random.default_rng(seed)
    V = 3
    D = P + V + G * K
    group_idx = P + V + np.arange(G * K).reshape(K, G).T      # variable k of group g at P + V + k * G + g, as the model ravels
    group_levels = np.stack([np.arange(G) % 2, np.full(G, 2)], axis=1)
    layout = BlockLayout(["pop", "levels", *[f"v{k}" for k in range(K)]], [(P,), (V,)] + [(G,)] * K, group_idx,
                         np.arange(P), P + np.arange(V), group_levels)
    q = BlockGaussian.whitened(layout, rng.normal(size=D), np.exp(rng.normal(size=D) * 0.3))
    q.mu[:] = rng.normal(size=D)
    q.log_diag[:] = rng.normal(size=D) * 0.3
    q.pop_block[:] = np.tril(rng.normal(size=(P, P)), -1)
    q.level_coupling[:] = rng.normal(size=(V, P))
    q.group_block[:] = np.tril(rng.normal(size=(G, K, K)), -1)
    q.coupling[:] = rng.normal(size=(G, K, P))
    q.own_levels[:] = rng.normal(size=(G, K, 2))
    return q


def _dense_factor(q: BlockGaussian) -> np.ndarray:
    "The D x D matrix L of w = mu + L e, written out."
    gi, pi, li = q.layout.group_idx, q.layout.pop_idx, q.layout.level_idx
    L = np.diag(np.exp(q.log_diag))
    L[np.ix_(pi, pi)] += q.pop_block
    L[np.ix_(li, pi)] += q.level_coupling
    for g in range(gi.shape[0]):
        L[np.ix_(gi[g], gi[g])] += q.group_block[g]
        L[np.ix_(gi[g], pi)] += q.coupling[g]
        L[np.ix_(gi[g], li[q.layout.group_levels[g]])] += q.own_levels[g]
    return L


def test_block_gaussian_draws_density_and_entropy_match_dense_algebra():
    q = _random_q()
    L = _dense_factor(q)
    e = np.random.default_rng(1).normal(size=(5, len(q.mu)))
    z = q.draw(e)
    np.testing.assert_allclose(z, q.shift + q.scale * (q.mu + e @ L.T), rtol=1e-12)
    # after a permutation to population, levels, then groups, L is lower triangular: its determinant is its diagonal's
    order = np.r_[q.layout.pop_idx, q.layout.level_idx, q.layout.group_idx.ravel()]
    assert np.allclose(np.triu(L[np.ix_(order, order)], 1), 0)
    cov = (q.scale[:, None] * L) @ (q.scale[:, None] * L).T
    mvn = stats.multivariate_normal(q.shift + q.scale * q.mu, cov)
    np.testing.assert_allclose(q.logq(e), mvn.logpdf(z), rtol=1e-10)
    assert q.entropy() == pytest.approx(mvn.entropy(), rel=1e-10)


def test_block_elbo_gradient_is_the_gradient_of_the_sampled_objective():
    "With the draws held fixed, `elbo_grad` must be the exact gradient of mean log p(z(e)) + entropy: finite differences."
    q = _random_q(2)
    D = len(q.mu)
    rng = np.random.default_rng(3)
    A = rng.normal(size=(D, D))
    A = A @ A.T / D + np.eye(D)
    m = rng.normal(size=D)
    logp = lambda z: -0.5 * np.einsum("ni,ij,nj->n", z - m, A, z - m)
    grad = lambda z: -(z - m) @ A
    e = rng.normal(size=(4, D))
    objective = lambda: float(logp(q.draw(e)).mean() + q.entropy())
    analytic = q.elbo_grad(e, grad(q.draw(e)))
    for name, value in q.params().items():
        lower = np.tril(np.ones(value.shape[-2:]), -1) if name in ("pop_block", "group_block") else 1.0
        numeric = np.zeros_like(value)
        for i in np.ndindex(value.shape):
            if not np.broadcast_to(lower, value.shape)[i]:
                continue                                      # the upper triangle is not a parameter
            old = value[i]
            value[i] = old + 1e-6
            up = objective()
            value[i] = old - 1e-6
            down = objective()
            value[i] = old
            numeric[i] = (up - down) / 2e-6
        np.testing.assert_allclose(analytic[name], numeric, rtol=1e-5, atol=1e-6, err_msg=name)


def test_adam_climbs_a_quadratic():
    x = {"a": np.array([5.0, -3.0])}
    opt = Adam(x, lr=0.1)
    for _ in range(500):
        opt.step(x, {"a": -2 * x["a"]})                    # ascent on -|a|^2
    assert np.abs(x["a"]).max() < 0.05


def test_layout_puts_four_parameters_per_group_and_the_rest_in_the_population(screen):
    df = screen[0]
    for options, population in (({}, 9), ({"pooling": "none"}, 1), ({"likelihood": "student_t"}, 10)):
        lay = block_layout(dr.build_model(df, einf="sampled", **options))   # fit_block_advi samples einf
        assert lay.group_idx.shape == (20, 4) and len(lay.pop_idx) == population, options
        assert len(lay.level_idx) == 0 and lay.group_levels.shape == (20, 0), options
        assert sorted(np.r_[lay.pop_idx, lay.group_idx.ravel()]) == list(range(lay.size))


def test_block_advi_keeps_the_spread_mean_field_loses(screen, nuts):
    "Against NUTS on the easy screen (conftest): block ADVI's SDs near NUTS's, mean-field's well below, sane intervals."
    df, truth = screen
    block = fit_block_advi(df, seed=SEED, progressbar=False)
    mean_field = fit_advi(df, seed=SEED, progressbar=False, n_weights=0)
    b, _ = compare_fits(nuts, block, truth)
    a, _ = compare_fits(nuts, mean_field, truth)
    assert 0.85 <= b["sd_ratio_median"] <= 1.15, b["sd_ratio_median"]
    assert b["sd_ratio_median"] > a["sd_ratio_median"] + 0.1, (a["sd_ratio_median"], b["sd_ratio_median"])
    assert b["mean_shift_median"] < 0.3                       # means within a third of a NUTS SD
    # 80 intervals (20 groups x 4 parameters): a calibrated 90% fit covers 80% or more with probability > 99%
    assert b["coverage_cand"] >= 0.8, b["coverage_cand"]
    info = fit_info(block)
    assert info["method"] == "block_advi" and info["converged"] == 1 and info["advi_n_iter"] > 0
    assert info["wall_s"] == pytest.approx(info["compile_s"] + info["advi_s"] + info["fit_s"] + info["draw_s"])
    assert info["settings"]["blocks"] == "20 x 4 per group, 9 population"
    assert np.isfinite(block.importance.log_weight).all() and np.isfinite(diagnose(block).pareto_k)


@pytest.mark.slow
def test_block_advi_same_seed_same_numbers(screen):
    run = lambda seed: fit(screen[0], method="block_advi", n=2000, block_n=1000, draws=50, seed=seed,
                           progressbar=False, n_weights=0)
    a, b, c = run(1), run(1), run(2)
    np.testing.assert_array_equal(a.posterior.log10_ic50.values, b.posterior.log10_ic50.values)
    assert not np.array_equal(a.posterior.log10_ic50.values, c.posterior.log10_ic50.values)


def test_block_advi_that_runs_out_of_iterations_is_not_converged(screen):
    a = fit_block_advi(screen[0], n=2000, block_n=300, draws=20, seed=1, progressbar=False, n_weights=0)
    assert fit_info(a)["converged"] == 0 and fit_info(a)["n_iter"] == 300
    assert any("ELBO still improving" in r for r in diagnose(a).reasons)


@pytest.mark.parametrize("kw, error, message", [
    ({"block_n": 0}, ValueError, "block_n"),
    ({"mc": 0}, ValueError, "mc"),
    ({"draws": 0}, ValueError, "draws"),
    ({"block_size": 3}, TypeError, "unexpected arguments"),
])
def test_block_advi_refuses_bad_arguments(screen, kw, error, message):
    with pytest.raises(error, match=message):
        fit_block_advi(screen[0], progressbar=False, **kw)


def test_block_advi_refuses_a_minibatch_model(screen):
    with pytest.raises(ValueError, match="full-batch"):
        fit_block_advi(dr.build_model(screen[0], batch_size=32), progressbar=False)
