"""The convergence map of nbs/08_robustness: the default fit over every design of `map_designs()`.

    python bench/robustness_map.py [--out runs/robustness_map.csv] [--seed 0] [--only NAME,NAME] [--publish]

Resumable: rows already in --out are kept and skipped. --publish copies a complete map (every design) to
results/robustness_map.csv; a partial or trial run never touches results/.
"""
import argparse
import shutil
import sys
from pathlib import Path

from dose_response.sweep import _replace_between
from dose_response.robustness import readme_map
from dose_response.data import repo_root
from dose_response.robustness import map_designs, robustness_map


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(repo_root() / "runs" / "robustness_map.csv"), help="CSV to append rows to")
    ap.add_argument("--seed", type=int, default=0, help="seed of the simulations and of the fits")
    ap.add_argument("--only", default="", help="comma-separated design names (default: all)")
    ap.add_argument("--publish", action="store_true", help="copy a complete map to results/robustness_map.csv")
    a = ap.parse_args(argv)
    designs = map_designs()
    if a.only:
        designs = [d for d in designs if d.name in a.only.split(",")]
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    table = robustness_map(designs, a.out, seed=a.seed)
    print(f"converged with the defaults: {int(table.converged.sum())} of {len(table)} designs "
          f"({table.converged.mean():.1%}); table in {a.out}")
    if a.publish:
        if a.only or len(table) != len(map_designs()):
            print("--publish needs the complete map (no --only)", file=sys.stderr)
            return 2
        shutil.copyfile(a.out, repo_root() / "results" / "robustness_map.csv")
        readme = repo_root() / "README.md"
        readme.write_text(_replace_between(readme.read_text(encoding="utf-8"), "robustness-map", readme_map(repo_root() / "results")),
                          encoding="utf-8")
        print("published to results/robustness_map.csv and README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
