"""The Laplace approximation with a block-sparse Hessian that issue 11 tried and dropped (not part of the package).

    python bench/laplace_attempt.py [--groups 100] [--replicates 3] [--seed 1] [--parameterization centered]

At the posterior mode (L-BFGS from the model's initial point), the Hessian of the negative log density has one
4 x 4 block per group, a population block and the couplings between them; between groups it is zero. Four central
differences of the gradient (every group nudged at once) give all group blocks, P more the population columns;
draws come from the whole Gaussian through the Schur complement. It prints what the mode looks like and the
median SD ratio against NUTS. Measured (2 cores): centred, 100 groups x 33 points, seed 1: the mode has
e0_sigma_log__ = -16 (the funnel's neck, where the centred density is unbounded), all 100 group blocks indefinite,
SD ratio 0.008; non-centred: no indefinite block, SD ratio 1.89. Neither is usable; the TMB/INLA-style version
(population parameters optimised on the Laplace-marginalised density) is what would be.
"""
import argparse
import time
from typing import Any

import numpy as np
import pytensor

import dose_response as dr
from dose_response.compare import compare_fits
from dose_response.fitrecord import NUMBA_FLAGS

def _mode(fn, x0: np.ndarray, maxiter: int) -> tuple[np.ndarray, Any]:
    "The posterior mode in unconstrained space: L-BFGS on the negative log density, from `x0`."
    from scipy.optimize import minimize
    def neg(x):
        logp, grad = fn(x)
        return -float(logp), -np.asarray(grad, float)
    res = minimize(neg, x0, jac=True, method="L-BFGS-B", options=dict(maxiter=maxiter, maxcor=20, gtol=1e-6))
    return res.x, res

def _block_hessian(fn, x: np.ndarray, group_idx: np.ndarray, pop_idx: np.ndarray, step: float = 1e-4):
    "Hessian of the negative log density at `x`: group blocks (G, K, K), couplings (G, K, P), population block (P, P)."
    grad = lambda v: -np.asarray(fn(v)[1], float)
    def column(direction: np.ndarray) -> np.ndarray:
        return (grad(x + step * direction) - grad(x - step * direction)) / (2 * step)
    G, K = group_idx.shape[1], group_idx.shape[0]
    blocks = np.empty((G, K, K))
    for k in range(K):                        # every group's k-th parameter at once: groups do not interact
        d = np.zeros_like(x)
        d[group_idx[k]] = 1.0
        c = column(d)
        blocks[:, :, k] = c[group_idx].T
    blocks = 0.5 * (blocks + blocks.transpose(0, 2, 1))
    cross, pop = np.empty((G, K, len(pop_idx))), np.empty((len(pop_idx), len(pop_idx)))
    for j, p in enumerate(pop_idx):
        d = np.zeros_like(x)
        d[p] = 1.0
        c = column(d)
        cross[:, :, j], pop[:, j] = c[group_idx].T, c[pop_idx]
    return blocks, cross, 0.5 * (pop + pop.T)

def _floor_eigenvalues(blocks: np.ndarray, floor: float = 1e-8) -> tuple[np.ndarray, int]:
    "Blocks made positive definite by flooring their eigenvalues; how many needed it."
    w, v = np.linalg.eigh(blocks)
    low = w < floor * np.maximum(w.max(axis=-1, keepdims=True), 1.0)
    bad = int(low.any(axis=-1).sum())
    if bad:
        w = np.where(low, floor * np.maximum(w.max(axis=-1, keepdims=True), 1.0), w)
        blocks = (v * w[..., None, :]) @ v.transpose(0, 2, 1)
    return blocks, bad

def _laplace_draws(mode: np.ndarray, blocks, cross, pop, group_idx, pop_idx, draws: int, rng) -> np.ndarray:
    "Draws (draws, n) from N(mode, H^-1) for the block-sparse H: population from its marginal, groups given it."
    chol = np.linalg.cholesky(blocks)                                   # blocks = L L'
    solve = lambda b: np.linalg.solve(blocks, b)                        # batched over groups
    binv_cross = solve(cross)                                           # (G, K, P): B^-1 C
    schur = pop - np.einsum("gkp,gkq->pq", cross, binv_cross)           # marginal precision of the population
    x = np.tile(mode, (draws, 1))
    if len(pop_idx):
        dp = rng.multivariate_normal(np.zeros(len(pop_idx)), np.linalg.inv(schur), size=draws, method="eigh")
        x[:, pop_idx] += dp
        shift = -np.einsum("gkp,dp->dgk", binv_cross, dp)               # E[group | population] - mode
    else:
        shift = 0.0
    z = rng.standard_normal((draws,) + chol.shape[:2])                  # (draws, G, K)
    # u = L'^-1 z has covariance (L L')^-1 = B^-1
    u = np.linalg.solve(np.broadcast_to(chol.transpose(0, 2, 1), (draws,) + chol.shape), z[..., None])[..., 0]
    for k in range(group_idx.shape[0]):
        x[:, group_idx[k]] += (shift + u)[:, :, k]
    return x



def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--groups", type=int, default=100)
    ap.add_argument("--replicates", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--parameterization", default="centered")
    a = ap.parse_args()
    from pymc.blocking import DictToArrayBijection, RaveledVars
    df, truth = dr.simulate(a.groups, replicates=a.replicates, seed=a.seed)
    model = dr.build_model(df, parameterization=a.parameterization)
    with pytensor.config.change_flags(**NUMBA_FLAGS):
        fn = model.logp_dlogp_function(ravel_inputs=True, mode="NUMBA")
    fn.set_extra_values({})
    start = model.initial_point()
    start = DictToArrayBijection.map({v.name: start[v.name] for v in model.value_vars})
    t0 = time.perf_counter()
    mode, res = _mode(fn, start.data.astype(float), 20_000)
    offsets, at = {}, 0
    for name, shape, size, _ in start.point_map_info:
        offsets[name] = np.arange(at, at + size)
        at += size
    dims = model.named_vars_to_dims
    group_vars = [v.name for v in model.value_vars if dims.get(v.name) == ("group",)]
    group_idx = np.stack([offsets[n] for n in group_vars])
    pop_idx = np.concatenate([offsets[v.name] for v in model.value_vars if v.name not in group_vars])
    blocks, cross, pop = _block_hessian(fn, mode, group_idx, pop_idx)
    blocks, floored = _floor_eigenvalues(blocks)
    flat = _laplace_draws(mode, blocks, cross, pop, group_idx, pop_idx, 1000, np.random.default_rng(a.seed))
    point = DictToArrayBijection.rmap(RaveledVars(mode, start.point_map_info))
    print(f"L-BFGS: {res.nit} iterations, success {res.success}, largest |gradient| at the mode "
          f"{np.abs(fn(mode)[1]).max():.3g}; {time.perf_counter() - t0:.1f} s")
    print("population at the mode:", {k: round(float(v), 3) for k, v in point.items() if np.ndim(v) == 0})
    print(f"group blocks not positive definite: {floored} of {blocks.shape[0]}")
    outs = [v for v in model.unobserved_value_vars if not v.name.endswith("__")]
    value_fn = model.compile_fn(outs, inputs=model.value_vars, on_unused_input="ignore", point_fn=False)
    samples = {v.name: [] for v in outs}
    for row in flat:
        p = DictToArrayBijection.rmap(RaveledVars(row, start.point_map_info))
        for v, value in zip(outs, value_fn(*[p[v.name] for v in model.value_vars])):
            samples[v.name].append(value)
    import arviz as az
    la = az.from_dict(posterior={k: np.asarray(v)[None] for k, v in samples.items()},
                      coords={"group": list(model.coords["group"])},
                      dims={k: list(dims.get(k, ())) for k in samples})
    la.posterior.attrs.update(method="laplace", wall_s=time.perf_counter() - t0)
    nuts = dr.fit_nuts(df, seed=a.seed, progressbar=False)
    metrics, _ = compare_fits(nuts, la, truth)
    print(f"SD ratio (Laplace / NUTS), median over groups and curve parameters: {metrics['sd_ratio_median']:.3f}")


if __name__ == "__main__":
    main()
