"""How much warm-up does NUTS need once each group is preconditioned by its curvature? `fit_nuts(mass_matrix="block")`
starts from a metric measured at the joint mode, so its warm-up only has to settle the step size and nutpie's diagonal
rescaling of coordinates that are already whitened. This compares 300 warm-up draws per chain (`BLOCK_TUNE`, the
default under blocks) with 1,000 (the default otherwise), on the sweep's simulated data, over three sampler seeds.

    python bench/nuts_warmup.py [--sizes m,l,full] [--seeds 0,1,2] [--out bench/nuts_warmup.json]

Each fit: the sweep's settings (2 chains x 2,000 draws, target_accept 0.85, no retry) on `simulate(size, seed=0)`, the
data a sweep fits; recorded as in bench/nuts_preconditioning.py (wall time split into compile / precondition / warm-up
/ sampling, steps per draw, max R-hat, min bulk and tail ESS, divergences, converged) plus the 90% coverage of the true
log10 IC50.
"""
import argparse
import json
import sys
import time
from pathlib import Path

from nuts_preconditioning import one

from dose_response.compare import coverage
from dose_response.simulation import simulate
from dose_response.inference import versions
from dose_response.nuts import BLOCK_TUNE, TUNE
from dose_response.sweep import SIZES


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sizes", default="m,l,full")
    p.add_argument("--seeds", default="0,1,2", help="sampler seeds (the data are always the sweep's, seed 0)")
    p.add_argument("--out", default="bench/nuts_warmup.json")
    a = p.parse_args()
    rows = []
    for size in a.sizes.split(","):
        s = SIZES[size]
        df, truth = simulate(s.n_groups, concentrations=s.concentrations, replicates=s.replicates, seed=0)
        for seed in map(int, a.seeds.split(",")):
            for tune in (BLOCK_TUNE, TUNE):
                idata, r = one(df, "block", tune=tune, seed=seed)
                r = {"size": size, "seed": seed, "tune": tune, **r, "coverage_90": coverage(idata, truth)["log10_ic50"]}
                rows.append(r)
                print(f"{size} seed {seed} tune {tune}: {r['wall_s']:.1f} s (compile {r['compile_s']:.1f}, warm-up "
                      f"{r['tune_s']:.1f}, sampling {r['sample_s']:.1f}), steps/draw {r['steps_per_draw']:.1f}, "
                      f"R-hat {r['max_rhat']:.4f}, ESS {r['min_ess_bulk']:.0f} / {r['min_ess_tail']:.0f}, "
                      f"{r['divergences']} divergences, converged {r['converged']}, coverage {r['coverage_90']:.3f}",
                      flush=True)
    summary = {}
    for size in a.sizes.split(","):
        for tune in (BLOCK_TUNE, TUNE):
            rs = [r for r in rows if r["size"] == size and r["tune"] == tune]
            summary[f"{size}/tune{tune}"] = {
                "fits": len(rs), "converged": sum(r["converged"] for r in rs),
                "with_divergences": sum(r["divergences"] > 0 for r in rs),
                "mean_tune_s": sum(r["tune_s"] for r in rs) / len(rs),
                "max_rhat_worst": max(r["max_rhat"] for r in rs), "min_ess_tail_worst": min(r["min_ess_tail"] for r in rs)}
            print(f"{size} tune {tune}: {summary[f'{size}/tune{tune}']}")
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"command": f"python bench/nuts_warmup.py --sizes {a.sizes} --seeds {a.seeds} --out {a.out}",
                               "rows": rows, "summary": summary, "versions": versions(),
                               "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}, indent=2, default=float))
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
