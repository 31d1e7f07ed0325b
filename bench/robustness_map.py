"""The convergence map of nbs/08_robustness: the default fit over every design of `map_designs()`.

    python bench/robustness_map.py [--out runs/robustness_map.csv] [--seed 0] [--only NAME,NAME] [--publish]
                                   [--workers N | --scheduler ADDRESS]   (the designs on Dask: dose_response.many)

Resumable: rows already in --out are kept and skipped. --publish copies a complete map (every design) to
results/robustness_map.csv; a partial or trial run never touches results/.
"""
import sys

from _publish import DASK, arguments, publish
from dose_response.robustness import map_designs, readme_map, robustness_map


def chosen(only: str, names: list[str]) -> list[str]:
    "The design names in `only`, comma-separated; a name may hold commas itself ('100 groups, hard'). Unknown: refused."
    picked, part = [], ""
    for token in only.split(","):
        part = f"{part},{token}" if part else token
        if part.strip() in names:
            picked.append(part.strip())
            part = ""
    if part:
        raise SystemExit(f"--only: no design is called {part.strip()!r}; the designs: {names}")
    return picked


def main() -> int:
    a = arguments(__doc__, "robustness_map.csv", seed=0, what="design", **DASK)
    only = chosen(a.only, [d.name for d in map_designs()]) if a.only else []
    designs = [d for d in map_designs() if not only or d.name in only]
    table = robustness_map(designs, a.out, seed=a.seed, workers=a.workers, scheduler=a.scheduler)
    print(f"converged with the defaults: {int(table.converged.sum())} of {len(table)} designs "
          f"({table.converged.mean():.1%}); table in {a.out}")
    if a.publish:
        if a.only or len(table) != len(map_designs()):
            print("--publish needs the complete map (no --only)", file=sys.stderr)
            return 2
        publish(a.out, "robustness_map.csv", "robustness-map", readme_map)
    return 0


if __name__ == "__main__":
    sys.exit(main())
