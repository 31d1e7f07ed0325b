"""Cost of one log-density + gradient evaluation at screen scale: per-observation vs compressed likelihood.

Run with `make bench` (or `.venv/bin/python bench/logp_bench.py [--groups 3000]`). Prints a table and writes
bench/out/logp_bench.json. Compile time is measured apart from evaluation time.
"""
import argparse
import json
import time
from pathlib import Path

import numpy as np

import dose_response as dr
from dose_response.inference import versions


def time_model(df, compress: bool, n_eval: int) -> dict:
    t0 = time.perf_counter()
    model = dr.build_model(df, compress=compress, parameterization="centered")
    t1 = time.perf_counter()
    fn = model.logp_dlogp_function(ravel_inputs=True)
    fn.set_extra_values({})
    t2 = time.perf_counter()
    x = np.concatenate([np.ravel(v) for v in model.initial_point().values()])
    x = x + 0.1 * np.random.default_rng(0).standard_normal(x.size)
    logp, _ = fn(x)                                    # warm
    t3 = time.perf_counter()
    for _ in range(n_eval):
        fn(x)
    per_eval = (time.perf_counter() - t3) / n_eval
    return {"compress": compress, "build_s": t1 - t0, "compile_s": t2 - t1, "eval_ms": 1e3 * per_eval,
            "logp": float(logp), "n_params": int(x.size), "n_terms": model.spec.n_cells if compress else model.spec.n_obs}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--groups", type=int, default=3000)
    p.add_argument("--n-eval", type=int, default=200)
    p.add_argument("--out", default=str(Path(__file__).parent / "out" / "logp_bench.json"))
    a = p.parse_args()
    df, _ = dr.simulate(a.groups, concentrations=12, replicates=12, n_controls=0, seed=0)
    rows = [time_model(df, c, a.n_eval if c else max(a.n_eval // 4, 10)) for c in (False, True)]
    full, comp = rows
    result = {"n_obs": len(df), "n_groups": a.groups, "rows": rows,
              "speedup": full["eval_ms"] / comp["eval_ms"],
              "logp_rel_diff": abs(full["logp"] - comp["logp"]) / abs(full["logp"]), "versions": versions(),
              "command": f"python bench/logp_bench.py --groups {a.groups} --n-eval {a.n_eval}"}
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"{len(df):,} observations, {a.groups:,} groups, {full['n_params']:,} parameters (PyTensor C backend, 1 thread)")
    print(f"{'likelihood':<16}{'terms':>10}{'compile s':>11}{'logp+grad ms':>14}")
    for r in rows:
        print(f"{'compressed' if r['compress'] else 'per-observation':<16}{r['n_terms']:>10,}{r['compile_s']:>11.1f}{r['eval_ms']:>14.2f}")
    print(f"speed-up {result['speedup']:.1f}x; relative logp difference {result['logp_rel_diff']:.1e}; written to {out}")


if __name__ == "__main__":
    main()
