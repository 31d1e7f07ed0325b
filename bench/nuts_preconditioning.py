"""Does preconditioning NUTS by each group's curvature (`fit_nuts(mass_matrix="block")`) shorten its trajectories,
and is the posterior the same? Against nutpie's diagonal mass matrix alone, on the published sweep's data sets.

    python bench/nuts_preconditioning.py [--sizes m,l,full] [--runs SWEEP_OUT] [--out bench/nuts_preconditioning.json]

For each size: `fit_nuts` with the sweep's settings (2 chains x 2,000 draws after 1,000 warm-up, seed 0, no retry,
`target_accept` at its default: 0.8 diagonal, 0.85 block), once with `mass_matrix="diagonal"` and once with
`"block"`; recorded: wall time split into compile / precondition /
warm-up / sampling, mean leapfrog steps per draw in warm-up and after it, max R-hat, min bulk and tail ESS over the
model's free parameters, divergences; and, between the two fits, the largest difference of the posterior means of the
group parameters in units of the diagonal fit's posterior SD and the median ratio of their SDs.
"""
import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

from dose_response.compare import per_group_comparison
from dose_response.diagnostics import diagnose
from dose_response.inference import fit_info, fit_nuts, versions
from dose_response.curve import GROUP_PARAMS



def sweep_data(size: str, runs: str | None) -> pd.DataFrame:
    "The sweep's data set of `size`: read from a sweep's folder, or simulated as the sweep simulates it (seed 0)."
    if runs:
        return pd.read_csv(Path(runs) / size / "data.csv")
    from dose_response.simulation import simulate
    from dose_response.sweep import SIZES
    s = SIZES[size]
    return simulate(s.n_groups, concentrations=s.concentrations, replicates=s.replicates, seed=0)[0]

def one(df: pd.DataFrame, mass_matrix: str, tune: int = 1000, seed: int = 0):
    "One fit with the sweep's settings (no retry) and what it measured; also used by bench/nuts_warmup.py."
    idata = fit_nuts(df, seed=seed, draws=2000, tune=tune, chains=2, progressbar=False, retry=False,
                     mass_matrix=mass_matrix)
    d, info = diagnose(idata), fit_info(idata)
    steps = lambda g: float(g["n_steps"].mean())
    return idata, {"wall_s": info["wall_s"], "compile_s": info["compile_s"], "precondition_s": info["precondition_s"],
                   "tune_s": info["tune_s"], "sample_s": info["sample_s"],
                   "steps_per_draw_warmup": steps(idata.warmup_sample_stats), "steps_per_draw": steps(idata.sample_stats),
                   "step_size": float(idata.sample_stats["step_size"][0, -1]),
                   "target_accept": info["settings"]["target_accept"], "max_rhat": d.max_rhat,
                   "min_ess_bulk": d.min_ess_bulk, "min_ess_tail": d.min_ess_tail, "divergences": d.divergences,
                   "converged": bool(d.converged)}


def agreement(a, b) -> dict:
    """Largest |mean difference| / SD and median SD ratio (a over b) of the group parameters: `compare_fits`' own
    per-group table (`per_group_comparison`), b the reference, on the model's sampled group parameters."""
    t = per_group_comparison(b, a, params=GROUP_PARAMS)
    return {"max_abs_mean_diff_sd": float(t.mean_shift.max()), "median_sd_ratio": float(t.sd_ratio.median())}


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="m,l,full")
    p.add_argument("--runs", default=None, help="a sweep's output folder whose SIZE/data.csv are fitted "
                   "(default: the sweep's data simulated again, seed 0: the same rows)")
    p.add_argument("--out", default="bench/nuts_preconditioning.json")
    a = p.parse_args()
    rows = {}
    for size in a.sizes.split(","):
        df = sweep_data(size, a.runs)
        fits = {}
        for mm in ("diagonal", "block"):
            fits[mm], r = one(df, mm)
            rows[f"{size}/{mm}"] = r = {"size": size, "n_obs": len(df), "n_groups": int(df.group.nunique()), **r}
            print(f"{size} {mm}: {r['wall_s']:.1f} s (compile {r['compile_s']:.1f}, precondition {r['precondition_s']:.2f}, "
                  f"warm-up {r['tune_s']:.1f}, sampling {r['sample_s']:.1f}), steps/draw {r['steps_per_draw_warmup']:.1f} / "
                  f"{r['steps_per_draw']:.1f}, R-hat {r['max_rhat']:.4f}, ESS {r['min_ess_bulk']:.0f} / "
                  f"{r['min_ess_tail']:.0f}, {r['divergences']} divergences", flush=True)
        rows[f"{size}/block"]["vs_diagonal"] = agree = agreement(fits["block"], fits["diagonal"])
        print(f"{size} block vs diagonal: max |mean diff| {agree['max_abs_mean_diff_sd']:.3f} SD, "
              f"median SD ratio {agree['median_sd_ratio']:.3f}", flush=True)
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"command": f"python bench/nuts_preconditioning.py --sizes {a.sizes} {'--runs ' + a.runs + ' ' if a.runs else ''}--out {a.out}",
                               "rows": rows, "versions": versions(), "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")},
                              indent=2, default=float))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
