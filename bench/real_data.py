"""The real-data benchmark of nbs/09_real_data: every shipped drc data set fitted with the defaults.

    python bench/real_data.py [--out runs/real_data.csv] [--seed 1] [--only NAME,NAME] [--publish]
                              [--backend nutpie|pymc|numpyro]

Resumable: data sets already in --out are kept and skipped. --publish copies a complete table (every data set) to
results/real_data.csv; a partial or trial run never touches results/. The published table is the default fit:
another --backend is a trial (it cannot be published).
"""
import sys

import numpy as np

from _publish import arguments, publish
from dose_response.data import DATASETS
from dose_response.real_data import per_data_set, readme_real_data, real_data_table


def main() -> int:
    a = arguments(__doc__, "real_data.csv", seed=1, what="data set",
                  backend=dict(default="nutpie", choices=["nutpie", "pymc", "numpyro"], help="fit_nuts's backend"))
    if a.publish and a.backend != "nutpie":
        print("--publish is for the default fit (backend nutpie)", file=sys.stderr)
        return 2
    table = real_data_table(a.only.split(",") if a.only else list(DATASETS), a.out, seed=a.seed, backend=a.backend)
    summary = per_data_set(table)
    print(summary.round(3).to_string())
    print(f"converged: {int(summary.converged.sum())} of {len(summary)} data sets; least squares determines "
          f"{int(table.ls_determined.sum())} IC50s, {int(np.nansum(table.agrees))} within x/÷1.35")
    if a.publish:
        if a.only:
            print("--publish needs the complete table (no --only)", file=sys.stderr)
            return 2
        publish(a.out, "real_data.csv", "real-data-table", readme_real_data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
