"""How much of the robustness map's count is one seed's luck: fit one map design (the map's data, seed 0) with the
defaults at several fit seeds and print, per seed, whether it converged and the retries `fit_nuts` made.

Run: `.venv/bin/python bench/map_seeds.py "100 groups, hard" [--seeds 0 1 2]`. To compare with an older version of
the package, run the same script with that version first on the path:
`git worktree add /tmp/old 87ecc65 && PYTHONPATH=/tmp/old .venv/bin/python bench/map_seeds.py "100 groups, hard"`.
"""
import argparse

import dose_response as dr
from dose_response.diagnostics import diagnose
from dose_response.inference import fit_info
from dose_response.robustness import map_designs, simulate_design


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("design", help="a design name of the robustness map")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    a = p.parse_args()
    designs = {d.name: d for d in map_designs()}
    if a.design not in designs:
        raise SystemExit(f"unknown design {a.design!r}; the map has {sorted(designs)}")
    df, _ = simulate_design(designs[a.design], seed=0)
    print(f"package: {dr.__file__}")
    for seed in a.seeds:
        idata = dr.fit_nuts(df, seed=seed, progressbar=False)
        d, attempts = diagnose(idata), fit_info(idata)["attempts"]
        print(f"{a.design} | fit seed {seed} | converged {d.converged} | max R-hat {d.max_rhat:.4f} | "
              f"min bulk ESS {d.min_ess_bulk:.0f} | divergences {d.divergences} | "
              f"attempts: {[x.get('why', x) if isinstance(x, dict) else x for x in attempts]}", flush=True)


if __name__ == "__main__":
    main()
