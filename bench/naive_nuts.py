"""NUTS on the naive model (what a PyMC user writes first: non-centred group parameters, one likelihood term per
observation) at the sweep's sizes and settings (2 chains x 2,000 draws after 1,000 warm-up, seed 0, no retries), for
the time-against-size plot of nbs/13_performance. Sizes are fitted in the order given and each is written as soon as
it finishes (a size already in --out is kept), so a long run that stops keeps what it finished.

Run: `.venv/bin/python bench/naive_nuts.py [--sizes xs,s,m] [--out bench/naive/nuts.json]`.
"""
import argparse
import json
import time
from pathlib import Path

import dose_response as dr
from dose_response.bench import machine
from dose_response.diagnostics import diagnose
from dose_response.inference import fit_info, fit_nuts, versions
from dose_response.sweep import parse_sizes


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="xs,s,m")
    p.add_argument("--out", default=str(Path(__file__).parent / "naive" / "nuts.json"))
    a = p.parse_args()
    out = Path(a.out)
    result = json.loads(out.read_text()) if out.exists() else {"rows": {}}
    for name, size in parse_sizes(a.sizes).items():
        if name in result["rows"]:
            print(f"{name}: kept from {out}")
            continue
        df, _ = dr.simulate(size.n_groups, concentrations=size.concentrations, replicates=size.replicates, seed=0)
        model = dr.build_model(df, compress=False, parameterization="noncentered")
        idata = fit_nuts(model, seed=0, draws=2000, tune=1000, chains=2, retry=False, progressbar=False)
        d, info = diagnose(idata), fit_info(idata)
        steps = idata.sample_stats["n_steps"].mean().item() if "n_steps" in idata.sample_stats else None
        result["rows"][name] = {"n_obs": len(df), "n_groups": size.n_groups, "wall_s": info["wall_s"],
                                "compile_s": info["compile_s"], "tune_s": info["tune_s"], "sample_s": info["sample_s"],
                                "converged": bool(d.converged), "max_rhat": d.max_rhat, "min_ess_bulk": d.min_ess_bulk,
                                "divergences": d.divergences, "mean_steps_per_draw": steps}
        print(f"{name}: {len(df):,} observations, {info['wall_s']:.1f} s, converged {d.converged} "
              f"(max R-hat {d.max_rhat:.3f}, min bulk ESS {d.min_ess_bulk:.0f}, {d.divergences} divergences)", flush=True)
        result |= {"versions": versions(), "machine": machine(), "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
                   "command": f"python bench/naive_nuts.py --sizes {a.sizes}"}
        tmp = out.with_name(f".{out.name}.tmp")
        tmp.write_text(json.dumps(result, indent=2, default=float))
        tmp.replace(out)
    print(f"written to {out}")


if __name__ == "__main__":
    main()
