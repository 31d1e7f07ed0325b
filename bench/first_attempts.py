"""First NUTS attempts (no retry) of chosen benchmark screens with chosen fit options: the quick trial behind a
change's note, before a lever is measured properly (bench/screen_levers.py, bench/looks_flat.py).

    python bench/first_attempts.py screen05,screen12 [--options '{"ic50_window": 0.5}'] [--design-seed 99] [--out F.csv]
    python bench/first_attempts.py screen05,screen12 --options '{"group": ["drug", "cell_line"], "structure": "crossed"}'

Prints one line per screen and a summary (converged, divergences, median wall); `--out` appends the rows to a CSV.
Screens are `screen_designs(seed=--design-seed)`'s (2026: the benchmark's own).
"""
import argparse
import json
import logging
from pathlib import Path

import pandas as pd
from screen_levers import first_attempt

from dose_response.screens import screen_designs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("names", help="comma-separated screen names")
    ap.add_argument("--options", default="{}", help="fit_nuts/build_model options as JSON")
    ap.add_argument("--design-seed", type=int, default=2026)
    ap.add_argument("--out", default=None, help="CSV to append the rows to")
    a = ap.parse_args()
    logging.getLogger("dose_response").setLevel(logging.ERROR)
    kw = json.loads(a.options)
    designs = [d for d in screen_designs(seed=a.design_seed) if d[0] in a.names.split(",")]
    rows = pd.DataFrame([first_attempt(name, d, seed, "", **kw) for name, d, seed in designs])
    print(f"{kw}: converged {int(rows.converged.sum())} of {len(rows)}, {int(rows.divergences.sum())} divergences, "
          f"median wall {rows.wall_s.median():.1f} s")
    if a.out:
        rows.assign(options=a.options).to_csv(a.out, mode="a", header=not Path(a.out).exists(), index=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
