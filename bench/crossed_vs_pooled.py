"""The crossed model (`build_model(structure="crossed")`, nbs/01e_crossed) against the one population
(`structure="pooled"`) on simulated drug x cell-line matrices with known truth (nbs/14_screens).

    python bench/crossed_vs_pooled.py [--seeds 1,2,3] [--out bench/crossed_vs_pooled.json]

Each matrix is `simulate_screen`'s (drug potency + line sensitivity + a pair term, partial curves, inactive pairs,
bad wells, per-plate DMSO wells), fitted from its own plates' controls (`controls_by="plate"`). A share of the curves
keep only three of their doses (`thin_pairs`: the poor curves a matrix should help). Per matrix and model: the default
fit (`fit_nuts`, retries as a user gets them), converged by `diagnose`, attempts, wall time, 90% coverage of the true
IC50 and median |log10 error| of the posterior median, on determined curves with all their doses and on thinned ones,
and PSIS-LOO (elpd and its SE, `az.loo` on `add_log_likelihood`'s pointwise values). The JSON is written after
every fit.
"""
import argparse
import logging
import time

import arviz as az
import pandas as pd
from screen_levers import cpu, write

import dose_response as dr
from dose_response.checks import add_log_likelihood
from dose_response.fitrecord import fit_info
from dose_response.screens import ScreenDesign
from dose_response.structures import structure_scores, thin_pairs

DESIGN = ScreenDesign(n_drugs=12, n_lines=8, doses=8, dilution=3.0, replicates=1, inactive=0.3, controls_per_plate=16)
THINNED = 0.3        # share of the pairs left with three doses (lowest, middle, top)


def fit_one(df: pd.DataFrame, truth: pd.DataFrame, structure: str, seed: int) -> tuple[dict, az.InferenceData]:
    "The default fit of one matrix with one structure: its row and its InferenceData (pointwise log-likelihood added)."
    tidy = dr.validate(df, ["drug", "cell_line"], controls="DMSO", controls_by="plate")
    t0 = time.perf_counter()
    idata = dr.fit_nuts(tidy, structure=structure, seed=seed, progressbar=False)
    wall = time.perf_counter() - t0
    diag = dr.diagnose(idata)
    loo = az.loo(add_log_likelihood(idata))
    row = {"structure": structure, "seed": seed, "n_curves": len(truth), "n_obs": len(tidy), "converged": diag.converged,
           "attempts": len(fit_info(idata)["attempts"]), "max_rhat": diag.max_rhat, "min_ess_bulk": diag.min_ess_bulk,
           "divergences": diag.divergences, "wall_s": wall, **structure_scores(idata, truth),
           "elpd_loo": float(loo.elpd_loo), "elpd_loo_se": float(loo.se), "pareto_k_over_0.7": int((loo.pareto_k > 0.7).sum())}
    print(f"seed {seed} {structure:>8}: {'converged' if row['converged'] else 'NOT':>9} after {row['attempts']}, "
          f"{wall:.0f} s, error full/thinned {row['error_full']:.2f}/{row['error_thinned']:.2f}, coverage "
          f"{row['coverage_full']:.2f}/{row['coverage_thinned']:.2f}, elpd_loo {row['elpd_loo']:.0f} ± {row['elpd_loo_se']:.0f}",
          flush=True)
    return row, idata


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--out", default="bench/crossed_vs_pooled.json")
    a = ap.parse_args()
    logging.getLogger("dose_response").setLevel(logging.ERROR)
    command = "python bench/crossed_vs_pooled.py" + ("" if a.seeds == "1,2,3" else f" --seeds {a.seeds}")
    out = {"command": command, "cpu": cpu(), "cores": 2, "design": DESIGN.__dict__, "thinned": THINNED, "rows": [],
           "loo_compare": {}}
    for seed in map(int, a.seeds.split(",")):
        df, truth = thin_pairs(DESIGN, seed, THINNED)
        fits = {}
        for structure in ("pooled", "crossed"):
            row, fits[structure] = fit_one(df, truth, structure, seed)
            out["rows"].append(row)
            write(out, a.out)
        cmp = az.compare(fits)
        out["loo_compare"][str(seed)] = {k: {"rank": int(r["rank"]), "elpd_diff": float(r["elpd_diff"]),
                                            "dse": float(r["dse"])} for k, r in cmp.iterrows()}
        write(out, a.out)
    print(f"written to {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
