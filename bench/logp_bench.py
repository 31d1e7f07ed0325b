"""Cost of one log-density + gradient evaluation at screen scale: per-observation, compressed cells gathered by group,
and compressed cells on a (group x cell) grid, the default.

Run with `make bench` (or `.venv/bin/python bench/logp_bench.py [--groups 3000]`). Prints a table and writes
bench/out/logp_bench.json. Compile time is measured apart from evaluation time. Numba backend (what nutpie runs).
"""
import argparse
import json
import time
from pathlib import Path
from unittest import mock

import numpy as np

import dose_response as dr
import dose_response.model as model_module
from dose_response.inference import versions

LAYOUTS = {"naive (non-centred, per observation)": dict(compress=False, parameterization="noncentered"),
           "per-observation": dict(compress=False), "cells, gathered": dict(compress=True),
           "cells, grid": dict(compress=True)}


def time_model(df, layout: str, n_eval: int) -> dict:
    no_grid = mock.patch.object(model_module, "cell_grid", lambda *a, **k: None)
    t0 = time.perf_counter()
    options = {"parameterization": "centered", **LAYOUTS[layout]}
    if layout == "cells, gathered":
        with no_grid:
            model = dr.build_model(df, **options)
    else:
        model = dr.build_model(df, **options)
    t1 = time.perf_counter()
    fn = model.logp_dlogp_function(ravel_inputs=True, mode="NUMBA")
    fn.set_extra_values({})
    t2 = time.perf_counter()
    x = np.concatenate([np.ravel(v) for v in model.initial_point().values()])
    x = x + 0.1 * np.random.default_rng(0).standard_normal(x.size)
    logp, _ = fn(x)                                    # warm
    t3 = time.perf_counter()
    for _ in range(n_eval):
        fn(x)
    per_eval = (time.perf_counter() - t3) / n_eval
    n_terms = model.spec.n_cells if model.spec.compress else model.spec.n_obs
    return {"layout": layout, "build_s": t1 - t0, "compile_s": t2 - t1, "eval_ms": 1e3 * per_eval,
            "logp": float(logp), "n_params": int(x.size), "n_terms": n_terms}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--groups", type=int, default=3000)
    p.add_argument("--n-eval", type=int, default=200)
    p.add_argument("--out", default=str(Path(__file__).parent / "out" / "logp_bench.json"))
    a = p.parse_args()
    df, _ = dr.simulate(a.groups, concentrations=12, replicates=12, n_controls=0, seed=0)
    rows = [time_model(df, layout, a.n_eval if "cells" in layout else max(a.n_eval // 4, 10)) for layout in LAYOUTS]
    by = {r["layout"]: r for r in rows}
    naive, full, gathered, grid = (by[k] for k in LAYOUTS)
    result = {"n_obs": len(df), "n_groups": a.groups, "rows": rows,
              "grad_ms_naive": naive["eval_ms"], "grad_ms_fast": grid["eval_ms"],
              "grad_speedup": naive["eval_ms"] / grid["eval_ms"],
              "speedup": full["eval_ms"] / grid["eval_ms"],
              "grid_vs_gathered": gathered["eval_ms"] / grid["eval_ms"],
              # the same point in the same (centred) parameters: the three exact likelihoods must agree
              "logp_rel_diff": max(abs(full["logp"] - r["logp"]) / abs(full["logp"]) for r in (gathered, grid)),
              "versions": versions(),
              "command": f"python bench/logp_bench.py --groups {a.groups} --n-eval {a.n_eval}"}
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"{len(df):,} observations, {a.groups:,} groups, {full['n_params']:,} parameters (numba backend, 1 thread)")
    print(f"{'likelihood':<38}{'terms':>10}{'compile s':>11}{'logp+grad ms':>14}")
    for r in rows:
        print(f"{r['layout']:<38}{r['n_terms']:>10,}{r['compile_s']:>11.1f}{r['eval_ms']:>14.2f}")
    print(f"grid vs naive {result['grad_speedup']:.1f}x, vs per-observation {result['speedup']:.1f}x, "
          f"vs gathered cells {result['grid_vs_gathered']:.2f}x; "
          f"largest relative logp difference of the centred layouts {result['logp_rel_diff']:.1e}; written to {out}")


if __name__ == "__main__":
    main()
