"""The real-data benchmark of nbs/09_real_data: every shipped drc data set fitted with the defaults.

    python bench/real_data.py [--out runs/real_data.csv] [--seed 1] [--only NAME,NAME] [--publish]

Resumable: data sets already in --out are kept and skipped. --publish copies a complete table (every data set) to
results/real_data.csv; a partial or trial run never touches results/.
"""
import argparse
import shutil
import sys
from pathlib import Path

import numpy as np

from dose_response.sweep import _replace_between
from dose_response.real_data import readme_real_data
from dose_response.data import DATASETS, repo_root
from dose_response.real_data import per_data_set, real_data_table


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(repo_root() / "runs" / "real_data.csv"), help="CSV to append rows to")
    ap.add_argument("--seed", type=int, default=1, help="seed of the fits")
    ap.add_argument("--only", default="", help="comma-separated data set names (default: all)")
    ap.add_argument("--publish", action="store_true", help="copy a complete table to results/real_data.csv")
    a = ap.parse_args(argv)
    names = a.only.split(",") if a.only else list(DATASETS)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    table = real_data_table(names, a.out, seed=a.seed)
    summary = per_data_set(table)
    print(summary.round(3).to_string())
    print(f"converged: {int(summary.converged.sum())} of {len(summary)} data sets; least squares determines "
          f"{int(table.ls_determined.sum())} IC50s, {int(np.nansum(table.agrees))} within x/÷1.35")
    if a.publish:
        if a.only:
            print("--publish needs the complete table (no --only)", file=sys.stderr)
            return 2
        shutil.copyfile(a.out, repo_root() / "results" / "real_data.csv")
        readme = repo_root() / "README.md"
        readme.write_text(_replace_between(readme.read_text(encoding="utf-8"), "real-data-table", readme_real_data(repo_root() / "results")),
                          encoding="utf-8")
        print("published to results/real_data.csv and README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
