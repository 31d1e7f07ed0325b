"""The ragged design of `full` size: 3,000 groups, each with 144 observations at 144 different concentrations (one
observation per dose), so that no two observations share a cell and the sufficient-statistic likelihood compresses
nothing. Measures one log-density gradient of it against the `full` sweep design (3,000 x 12 doses x 12 replicates,
the same 432,000 observations) in the same process, and projects the NUTS wall time from `bench/full.json`'s warm-up
and sampling times, assuming the same number of gradients per draw. `--fit` runs NUTS on it for real (the sweep's
settings: 2 chains x 2,000 draws after `fit_nuts`'s default warm-up, with its default mass matrix: block
preconditioning and 300 warm-up draws for these 3,000 pooled groups).

Run: `.venv/bin/python bench/ragged.py [--n-eval 50] [--fit]`. Prints the figures and writes bench/ragged/full.json.
"""
import argparse
import json
import time
from pathlib import Path

import dose_response as dr
from dose_response.bench import grad_ms, machine, projected_nuts_s
from dose_response.diagnostics import diagnose
from dose_response.inference import fit_info, fit_nuts, versions

HERE = Path(__file__).parent


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--n-eval", type=int, default=50, help="gradient evaluations timed per design")
    p.add_argument("--fit", action="store_true", help="also run NUTS on the ragged design")
    p.add_argument("--out", default=str(HERE / "ragged" / "full.json"))
    a = p.parse_args()
    ragged, _ = dr.simulate(3000, concentrations=144, replicates=1, seed=0)
    grid, _ = dr.simulate(3000, concentrations=12, replicates=12, seed=0)
    out = {"n_obs": len(ragged), "n_groups": 3000}
    for name, df in (("ragged", ragged), ("full", grid)):
        model = dr.build_model(df)
        spec = model.spec
        g = grad_ms(model, a.n_eval)
        out[name] = {"n_cells": spec.n_cells, "grad_ms": g["ms"], "compile_s": g["compile_s"]}
        print(f"{name}: {spec.n_obs:,} observations in {spec.n_cells:,} cells, gradient {g['ms']:.2f} ms "
              f"(compiled in {g['compile_s']:.1f} s)")
    ratio = out["ragged"]["grad_ms"] / out["full"]["grad_ms"]
    ref = json.loads((HERE / "full.json").read_text())["nuts"]
    projected = projected_nuts_s(ref, ratio)
    out |= {"grad_ratio": ratio, "projected_nuts_s": projected,
            "projection": "bench/full.json's compile + ratio x (warm-up + sampling): the same gradients per draw"}
    print(f"ragged / full gradient: {ratio:.1f}x; projected NUTS wall {projected / 60:.0f} min "
          f"(bench/full.json: {ref['wall_s']:.0f} s)")
    if a.fit:
        idata = fit_nuts(ragged, seed=0, draws=2000, chains=2, progressbar=False)
        d, info = diagnose(idata), fit_info(idata)
        out["nuts"] = {k: info.get(f"{k}_s", 0.0) for k in ("wall", "compile", "precondition", "tune", "sample")} | {
            "converged": bool(d.converged), "max_rhat": d.max_rhat, "min_ess_bulk": d.min_ess_bulk,
            "min_ess_tail": d.min_ess_tail, "divergences": d.divergences,
            "mass_matrix": info["settings"]["mass_matrix"], "tune_draws": info["settings"]["tune"],
            "steps_per_draw": float(idata.sample_stats["n_steps"].mean()), "attempts": len(info["attempts"])}
        print(f"NUTS: {info['wall_s'] / 60:.1f} min, converged {d.converged}")
    out |= {"versions": versions(), "machine": machine(), "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "command": "python bench/ragged.py" + (" --fit" if a.fit else "") + f" --n-eval {a.n_eval}"}
    Path(a.out).write_text(json.dumps(out, indent=2, default=float))
    print(f"written to {a.out}")


if __name__ == "__main__":
    main()
