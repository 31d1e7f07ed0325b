"""Raw signal against percent of control on the same simulated plates (nbs/14_screens, "Raw signal"): what changes when
each plate's control level is estimated with its noise instead of divided out as if exact.

    python bench/raw_signal.py [--seeds 1,2,3] [--out bench/raw_signal.json]

Each matrix is `simulate_screen`'s: one plate per cell line, each plate's DMSO level drawn around 10,000 (raw units, SD
0.2 on the log scale), drift, noise growing with the signal, bad wells. Fitted three ways, each curve given its own
plate's controls (`controls_by="plate"`):
- `percent`: the `response` column, 100 x signal / the plate's median DMSO well, as screening pipelines normalise;
- `raw`: the `signal` column, the plates' levels in the model (`e0_block_*`, nbs/01_model);
- `raw_no_block`: the same, with the block column taken out of the tidy frame: each curve's zero-dose response from
  one population over all plates, its plate's controls weighted in as before.
Per fit: converged by `diagnose`, attempts, wall time, IC50 90% coverage, share within x/÷2 and median |log10 error|
on determined curves, and the median width of the 90% interval (decades). The JSON is written after every fit.
"""
import argparse
import logging
import time

import numpy as np
from screen_levers import cpu, write

import dose_response as dr
from dose_response.fitrecord import fit_info
from dose_response.groups import _BLOCK
from dose_response.screens import ScreenDesign, screen_scores, simulate_screen

DESIGN = ScreenDesign(n_drugs=12, n_lines=8, doses=8, dilution=3.0, replicates=2, inactive=0.3, controls_per_plate=16)
WAYS = {"percent": "response", "raw": "signal", "raw_no_block": "signal"}


def fit_way(df, truth, way: str, seed: int) -> dict:
    "One matrix fitted one way: its row."
    tidy = dr.validate(df, ["drug", "cell_line"], response=WAYS[way], controls="DMSO", controls_by="plate")
    if way == "raw_no_block":
        tidy = tidy.drop(columns=[_BLOCK])
    t0 = time.perf_counter()
    idata = dr.fit_nuts(tidy, seed=seed, progressbar=False)
    wall = time.perf_counter() - t0
    diag = dr.diagnose(idata)
    s = dr.summarize_groups(idata).reindex(truth.index)
    det = truth["determined"].to_numpy(bool)
    err = np.abs(np.log10(s["ic50_median"]) - truth["log10_ic50"])[det]
    width = np.log10(s["ic50_q95"] / s["ic50_q05"])[det]
    row = {"way": way, "seed": seed, "n_curves": len(truth), "converged": diag.converged,
           "attempts": len(fit_info(idata)["attempts"]), "max_rhat": diag.max_rhat, "divergences": diag.divergences,
           "wall_s": wall, "e0_block_sigma": float(idata.posterior["e0_block_sigma"].median())
           if "e0_block_sigma" in idata.posterior else float("nan"),
           **screen_scores(idata, truth), "error": float(err.median()), "width_90": float(width.median())}
    print(f"seed {seed} {way:>12}: {'converged' if row['converged'] else 'NOT':>9} after {row['attempts']}, {wall:.0f} s, "
          f"coverage {row['coverage']:.2f}, within x2 {row['within_2x']:.2f}, error {row['error']:.2f}, "
          f"width {row['width_90']:.2f}", flush=True)
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--out", default="bench/raw_signal.json")
    a = ap.parse_args()
    logging.getLogger("dose_response").setLevel(logging.ERROR)
    command = "python bench/raw_signal.py" + ("" if a.seeds == "1,2,3" else f" --seeds {a.seeds}")
    out = {"command": command, "cpu": cpu(), "cores": 2, "design": DESIGN.__dict__, "rows": []}
    for seed in map(int, a.seeds.split(",")):
        df, truth = simulate_screen(DESIGN, seed)
        for way in WAYS:
            out["rows"].append(fit_way(df, truth, way, seed))
            write(out, a.out)
    print(f"written to {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
