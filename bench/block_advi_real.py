"""Block ADVI on every shipped drc data set, against NUTS's posterior of the same data (and mean-field ADVI beside it).

    python bench/block_advi_real.py [--out bench/block_advi/real_data.json] [--seed 1] [--only NAME,NAME]

For each data set: `fit_nuts` with the defaults (as the real-data table, `bench/real_data.py`), then mean-field and
block ADVI of the model NUTS ended on (the mixture of active and flat groups where NUTS's remedies switched to it;
the parameterisation does not change the posterior, so the default one is used). Reported per data set: the median
over groups and curve parameters of the SD ratio and of the mean shift (in NUTS SDs), the share of NUTS's 90% interval
each method's interval overlaps, wall times, and whether each fit converged by its own checks. Real data have no
truth, so coverage cannot be measured here; NUTS is the reference.
"""
import argparse
import json
import sys
import time
from pathlib import Path

import pandas as pd

from dose_response.compare import compare_fits
from dose_response.data import DATASETS, load_dataset
from dose_response.diagnostics import diagnose
from dose_response.inference import fit_advi, fit_block_advi, fit_info, fit_nuts, versions


def one(name: str, seed: int) -> dict:
    df = load_dataset(name)
    nuts = fit_nuts(df, seed=seed, progressbar=False)
    info = fit_info(nuts)
    options = {"inactive": bool(info["model_inactive"]), "likelihood": info["model_likelihood"]}
    row = {"data": name, "groups": int(info["n_groups"]), "n_obs": int(info["n_obs"]), "model": options,
           "nuts_converged": bool(diagnose(nuts).converged), "nuts_wall_s": info["wall_s"]}
    for label, fitter in (("advi", fit_advi), ("block_advi", fit_block_advi)):
        t0 = time.perf_counter()
        cand = fitter(df, seed=seed, progressbar=False, **options)
        m, _ = compare_fits(nuts, cand, None)
        row[label] = {"sd_ratio_median": m["sd_ratio_median"], "sd_ratio_p10": m["sd_ratio_p10"],
                      "mean_shift_median": m["mean_shift_median"], "overlap_median": m["overlap_median"],
                      "elbo_converged": bool(fit_info(cand)["converged"]), "wall_s": fit_info(cand)["wall_s"],
                      "pareto_k": float(diagnose(cand).pareto_k), "total_s": time.perf_counter() - t0}
    return row


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="bench/block_advi/real_data.json")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--only", default="", help="comma-separated data set names (default: all)")
    a = p.parse_args()
    names = a.only.split(",") if a.only else list(DATASETS)
    rows = []
    for name in names:
        rows.append(one(name, a.seed))
        r = rows[-1]
        print(f"{name}: SD ratio block {r['block_advi']['sd_ratio_median']:.2f}, mean-field "
              f"{r['advi']['sd_ratio_median']:.2f}; NUTS {r['nuts_wall_s']:.0f} s, block {r['block_advi']['wall_s']:.0f} s",
              flush=True)
    table = pd.DataFrame([{"data": r["data"], "groups": r["groups"], "n_obs": r["n_obs"],
                           "nuts_s": r["nuts_wall_s"], "block_s": r["block_advi"]["wall_s"],
                           "block_sd_ratio": r["block_advi"]["sd_ratio_median"],
                           "block_shift": r["block_advi"]["mean_shift_median"],
                           "block_overlap": r["block_advi"]["overlap_median"],
                           "advi_sd_ratio": r["advi"]["sd_ratio_median"], "advi_shift": r["advi"]["mean_shift_median"]}
                          for r in rows])
    print(table.round(2).to_string(index=False))
    print(f"median over data sets: block SD ratio {table.block_sd_ratio.median():.2f}, mean-field "
          f"{table.advi_sd_ratio.median():.2f}; block means {table.block_shift.median():.2f} NUTS SDs from NUTS's")
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    command = "python bench/block_advi_real.py" + (f" --only {a.only}" if a.only else "") + f" --seed {a.seed} --out {a.out}"
    out.write_text(json.dumps({"command": command, "rows": rows, "versions": versions(),
                               "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}, indent=2, default=float))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
