"""What mixes worst in one first NUTS attempt (no retry): the parameters with the lowest bulk ESS, and each chain's mean
and SD of the worst few (a stranded chain shows as one mean far from the others).

    python bench/worst_mixing.py screen14 [--design-seed 99] [--options '{"looks_flat": "apart"}']
    python bench/worst_mixing.py raw:3 [--response signal]

`screenNN`: a benchmark screen (`screen_designs(seed=--design-seed)`), fitted as `run_screen` does; `raw:SEED`: the
matrix of bench/raw_signal.py with that seed, each curve given its own plate's controls, on `--response`.
"""
import argparse
import json
import logging

import arviz as az

import dose_response as dr
from dose_response.screens import screen_data, screen_designs, simulate_screen


def data_of(name: str, design_seed: int, response: str):
    "The tidy frame and fit seed of a benchmark screen or of a bench/raw_signal.py matrix."
    if name.startswith("raw:"):
        from raw_signal import DESIGN
        seed = int(name.split(":")[1])
        df, _ = simulate_screen(DESIGN, seed)
        return dr.validate(df, ["drug", "cell_line"], response=response, controls="DMSO", controls_by="plate"), seed
    d, seed = {n: (d, s) for n, d, s in screen_designs(seed=design_seed)}[name]
    rows, options = screen_data(simulate_screen(d, seed)[0], d)
    return dr.validate(rows, **options), seed


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("name")
    ap.add_argument("--design-seed", type=int, default=2026)
    ap.add_argument("--response", default="signal")
    ap.add_argument("--options", default="{}", help="fit_nuts/build_model options as JSON")
    a = ap.parse_args()
    logging.getLogger("dose_response").setLevel(logging.ERROR)
    tidy, seed = data_of(a.name, a.design_seed, a.response)
    idata = dr.fit_nuts(tidy, seed=seed, progressbar=False, retry=False, **json.loads(a.options))
    diag = dr.diagnose(idata)
    print(f"{a.name}: converged {diag.converged}, max R-hat {diag.max_rhat:.3f}, divergences {diag.divergences}")
    post = idata.posterior
    free = [v for v in post.data_vars if v not in ("ic50", "log10_ic50", "top", "bottom", "hill")]   # not derived
    s = az.summary(idata, var_names=free, kind="diagnostics").sort_values("ess_bulk")
    print(s.head(10).round(3).to_string())
    for v in s.index[:6]:
        x = post[v.split("[")[0]]
        if "[" in v:
            dim = [d for d in x.dims if d not in ("chain", "draw")][0]
            x = x.sel({dim: v.split("[")[1].rstrip("]")})
        print(f"{v}: chain means {x.mean('draw').values.round(3)}, SDs {x.std('draw').values.round(3)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
