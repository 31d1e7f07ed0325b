"""How mean-field ADVI's learning rate trades time for the optimum it stops at (issue 11: ADVI at `full` in 30 s).

    python bench/advi_learning_rate.py [--sizes m,full] [--rates 0.01,0.03,0.05,0.1] [--nuts m] [--out bench/advi/learning_rate.json]

For each sweep size and learning rate (adagrad_window, the ELBO stopping rule of `fit_advi` unchanged): wall time,
iterations, the final windowed ELBO and, at the sizes in --nuts, the median SD ratio, mean shift and 90% coverage
against a NUTS fit of the same data. Prints one line per fit and writes them all to --out.
"""
import argparse
import json
import time
from pathlib import Path

import dose_response as dr
from dose_response.bench import machine
from dose_response.compare import compare_fits
from dose_response.inference import fit_info, versions
from dose_response.sweep import SIZES


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="m,full")
    ap.add_argument("--rates", default="0.01,0.03,0.05,0.1")
    ap.add_argument("--nuts", default="m", help="sizes at which to compare with NUTS (slow at full)")
    ap.add_argument("--out", default="bench/advi/learning_rate.json")
    a = ap.parse_args()
    rows = []
    for size in a.sizes.split(","):
        s = SIZES[size]
        df, truth = dr.simulate(s.n_groups, concentrations=s.concentrations, replicates=s.replicates, seed=0)
        nuts = dr.fit_nuts(df, seed=0, progressbar=False) if size in a.nuts.split(",") else None
        for lr in (float(x) for x in a.rates.split(",")):
            t0 = time.perf_counter()
            fit = dr.fit_advi(df, seed=0, progressbar=False, learning_rate=lr)
            info = fit_info(fit)
            row = {"size": size, "learning_rate": lr, "wall_s": info["wall_s"], "call_s": time.perf_counter() - t0,
                   "n_iter": info["n_iter"], "converged": bool(info["converged"]), "final_elbo": info["final_elbo"]}
            if nuts is not None:
                m, _ = compare_fits(nuts, fit, truth)
                row |= {"sd_ratio_median": m["sd_ratio_median"], "mean_shift_median": m["mean_shift_median"],
                        "coverage_90": m["coverage_cand"]}
            print(json.dumps({k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}), flush=True)
            rows.append(row)
    out = {"command": "python bench/advi_learning_rate.py " + " ".join(f"--{k} {v}" for k, v in vars(a).items()),
           "rows": rows, "versions": versions(), "machine": machine()}
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    with open(a.out, "w") as f:
        json.dump(out, f, indent=1)
    print(f"written to {a.out}")


if __name__ == "__main__":
    main()
