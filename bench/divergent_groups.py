"""Where a fit's divergent draws sit: per group, how far the divergent draws' mean of each curve parameter lies from
all draws' (in posterior SDs), the groups most displaced first, beside the simulator's truth; and the population
parameters at the divergent draws against all.

    python bench/divergent_groups.py screen12 [--options '{"looks_flat": "apart"}'] [--design-seed 2026]

One first attempt (no retry) of a benchmark screen.
"""
import argparse
import json
import logging

import numpy as np
import pandas as pd

from dose_response.data import validate
from dose_response.inference import fit_nuts
from dose_response.screens import screen_data, screen_designs, simulate_screen


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("name")
    ap.add_argument("--options", default="{}", help="fit_nuts/build_model options as JSON")
    ap.add_argument("--design-seed", type=int, default=2026)
    a = ap.parse_args()
    logging.getLogger("dose_response").setLevel(logging.ERROR)
    d, seed = {n: (d, s) for n, d, s in screen_designs(seed=a.design_seed)}[a.name]
    df, truth = simulate_screen(d, seed)
    rows, options = screen_data(df, d)
    idata = fit_nuts(validate(rows, **options), seed=seed, progressbar=False, retry=False, **json.loads(a.options))
    div = idata.sample_stats["diverging"].values.ravel().astype(bool)
    print(f"{a.name}: {div.sum()} divergences of {div.size} draws")
    if not div.any():
        return 0
    post = idata.posterior
    draws = {v: post[v].stack(s=("chain", "draw")).transpose("s", "group").values for v in ("log10_ic50", "einf", "hill")}
    shift = pd.DataFrame({v: (x[div].mean(0) - x.mean(0)) / (x.std(0) + 1e-9) for v, x in draws.items()},
                         index=post.group.values)
    shift["at_divergences"] = [f"hill {np.median(draws['hill'][div, i]):.2f} (all {np.median(draws['hill'][:, i]):.2f}), "
                               f"log10 IC50 {np.median(draws['log10_ic50'][div, i]):.2f}, einf "
                               f"{np.median(draws['einf'][div, i]):.0f} (all {np.median(draws['einf'][:, i]):.0f})"
                               for i in range(len(shift))]
    t = truth.reindex(shift.index)
    shift = shift.join(t[["kind", "log10_ic50", "einf"]].add_suffix("_true")).assign(
        top_dose=np.log10(t.conc_max), score=shift[["log10_ic50", "einf", "hill"]].abs().max(axis=1))
    with pd.option_context("display.width", 250, "display.max_colwidth", 80):
        print(shift.sort_values("score", ascending=False).head(8).round(2).to_string())
    for v in [n for n in post.data_vars if n.endswith(("_mu", "_sigma"))]:
        x = post[v].values.ravel()
        print(f"{v}: {np.median(x[div]):.3f} at the divergences, {np.median(x):.3f} in all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
