"""The saturating response integrated out (`build_model(einf="marginal")`, nbs/01f_marginal) against sampled (the
default): the first NUTS attempt (no retry) on the realistic screens of bench/looks_flat.py, those of the benchmark
whose first attempt failed (`dev`) and the same sizes drawn with another seed that no change was tuned on (`held_out`).

    python bench/marginal_einf.py [--out bench/marginal_einf.json]

Per screen and setting: converged by `diagnose`, max R-hat, min bulk and tail ESS, divergences, wall time, IC50
coverage and the share within x/÷2 of the truth. The JSON is written after every screen.
"""
import argparse
import logging

from looks_flat import compare

SETTINGS = {"sampled": {}, "marginal": {"einf": "marginal"}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="bench/marginal_einf.json")
    a = ap.parse_args()
    logging.getLogger("dose_response").setLevel(logging.ERROR)
    compare(SETTINGS, "python bench/marginal_einf.py", a.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
