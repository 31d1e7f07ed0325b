"""Does a richer mass matrix shorten NUTS's trajectories? nutpie's diagonal adaptation (the default) against its
low-rank-modified one, on the published sweep's data sets.

    python bench/nuts_mass_matrix.py [--sizes m,l] [--runs SWEEP_OUT] [--out bench/nuts_mass_matrix.json]

For each size: `fit_nuts` with the sweep's settings (2 chains x 2,000 draws after 1,000 warm-up, seed 0), once as
is and once with `low_rank_modified_mass_matrix=True` (passed through to nutpie.sample); recorded: wall time split
into compile / warm-up / sampling, mean leapfrog steps per draw after warm-up, max R-hat, min bulk and tail ESS over
every parameter, and min bulk ESS per second of sampling.
"""
import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

from dose_response.diagnostics import diagnose
from dose_response.inference import fit_info, fit_nuts, versions
from nuts_preconditioning import sweep_data   # the sweep's data, read or simulated again


def one(df: pd.DataFrame, **kw) -> dict:
    idata = fit_nuts(df, seed=0, draws=2000, tune=1000, chains=2, progressbar=False, retry=False, **kw)
    d, info = diagnose(idata), fit_info(idata)
    steps = float(idata.sample_stats["n_steps"].mean())
    return {"wall_s": info["wall_s"], "compile_s": info["compile_s"], "tune_s": info["tune_s"],
            "sample_s": info["sample_s"], "steps_per_draw": steps, "max_rhat": d.max_rhat,
            "min_ess_bulk": d.min_ess_bulk, "min_ess_tail": d.min_ess_tail, "divergences": d.divergences,
            "converged": bool(d.converged), "ess_bulk_per_sample_s": d.min_ess_bulk / info["sample_s"]}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="m,l")
    p.add_argument("--runs", default=None, help="a sweep's output folder whose SIZE/data.csv are fitted "
                   "(default: the sweep's data simulated again, seed 0: the same rows)")
    p.add_argument("--out", default="bench/nuts_mass_matrix.json")
    a = p.parse_args()
    rows = {}
    for size in a.sizes.split(","):
        df = sweep_data(size, a.runs)
        for label, kw in (("diagonal", {}), ("low_rank", {"low_rank_modified_mass_matrix": True})):
            rows[f"{size}/{label}"] = {"size": size, "n_obs": len(df), **one(df, **kw)}
            r = rows[f"{size}/{label}"]
            print(f"{size} {label}: {r['wall_s']:.1f} s (warm-up {r['tune_s']:.1f}, sampling {r['sample_s']:.1f}), "
                  f"{r['steps_per_draw']:.1f} steps/draw, R-hat {r['max_rhat']:.3f}, ESS {r['min_ess_bulk']:.0f} / "
                  f"{r['min_ess_tail']:.0f}, {r['ess_bulk_per_sample_s']:.1f} ESS/s", flush=True)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"command": f"python bench/nuts_mass_matrix.py --sizes {a.sizes} {'--runs ' + a.runs + ' ' if a.runs else ''}--out {a.out}",
                               "rows": rows, "versions": versions(), "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")},
                              indent=2, default=float))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
