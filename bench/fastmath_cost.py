"""What numba's fastmath is worth to NUTS here: the same model compiled with and without it, sampled twice each.

Run: `.venv/bin/python bench/fastmath_cost.py [--groups 1000]`. Prints the sampling time and the gradient evaluations of
each run and writes bench/fastmath_cost.json (committed: 02c_nuts renders its figures from it). fit_nuts compiles
without fastmath (`NUMBA_FLAGS`): this measures the price.
"""
import argparse
import json
import time
from pathlib import Path

import nutpie
import pytensor

import dose_response as dr
from dose_response.bench import machine


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--groups", type=int, default=1000)
    p.add_argument("--out", default=str(Path(__file__).parent / "fastmath_cost.json"))
    a = p.parse_args()
    df, _ = dr.simulate(a.groups, concentrations=12, replicates=12, n_controls=0, seed=0)
    model = dr.build_model(df)
    rows = []
    for fastmath in (True, False, True, False):
        with pytensor.config.change_flags(numba__fastmath=fastmath, numba__cache=False):
            compiled = nutpie.compile_pymc_model(model)
        t0 = time.perf_counter()
        idata = nutpie.sample(compiled, draws=500, tune=500, chains=2, seed=1, progress_bar=False)
        rows.append({"fastmath": fastmath, "sample_s": time.perf_counter() - t0,
                     "gradient_evaluations": int(idata.sample_stats.n_steps.sum())})
        print(rows[-1], flush=True)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"n_obs": len(df), "n_groups": a.groups, "rows": rows, "machine": machine(),
                               "command": f"python bench/fastmath_cost.py --groups {a.groups}"}, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
