"""DADVI (pymc-extras' `fit_dadvi`: deterministic ADVI, Giordano, Ingram & Broderick 2024) on the `m` sweep screen,
against NUTS on the same screen: is it the structured variational option the performance issue asks for? pymc-extras
implements the mean-field DADVI objective without the linear-response covariance correction, so its SDs are
mean-field SDs; this measures how far that leaves it from NUTS's. Not part of the package.

Run: `.venv/bin/python bench/dadvi_attempt.py [--size m]`. Prints the figures and writes bench/dadvi/SIZE.json.
"""
import argparse
import json
import time
import warnings
from pathlib import Path

import dose_response as dr
from dose_response.compare import compare_fits
from dose_response.fitrecord import _finish, fit_info, versions
from dose_response.nuts import fit_nuts
from dose_response.sweep import parse_sizes


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--size", default="m")
    a = p.parse_args()
    from pymc_extras.inference.dadvi.dadvi import fit_dadvi
    size = parse_sizes(a.size)[a.size]
    df, truth = dr.simulate(size.n_groups, concentrations=size.concentrations, replicates=size.replicates, seed=0)
    nuts = fit_nuts(df, seed=0, draws=2000, tune=1000, chains=2, progressbar=False)
    model = dr.build_model(df)
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        idata = fit_dadvi(model=model, n_fixed_draws=30, n_draws=1000, random_seed=0, progressbar=False)
    wall = time.perf_counter() - t0
    idata = _finish(idata, model, "dadvi", "pymc-extras", {"n_fixed_draws": 30}, 0, {"fit": wall})
    metrics, _ = compare_fits(nuts, idata, truth)
    out = {"size": a.size, "n_obs": len(df), "dadvi_wall_s": wall, "nuts_wall_s": fit_info(nuts)["wall_s"],
           "sd_ratio_median": metrics["sd_ratio_median"], "mean_shift_median": metrics["mean_shift_median"],
           "coverage_90_ic50": metrics["by_param"]["log10_ic50"]["coverage_cand"],
           "nuts_coverage_90_ic50": metrics["by_param"]["log10_ic50"]["coverage_ref"],
           "versions": versions(), "command": f"python bench/dadvi_attempt.py --size {a.size}"}
    print(json.dumps({k: v for k, v in out.items() if k != "versions"}, indent=1))
    path = Path(__file__).parent / "dadvi" / f"{a.size}.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(out, indent=2, default=float))
    print(f"written to {path}")


if __name__ == "__main__":
    main()
