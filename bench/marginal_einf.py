"""The saturating response integrated out (`build_model(einf="marginal")`, nbs/01f_marginal) against sampled (the
default): the first NUTS attempt (no retry) on the realistic screens of bench/looks_flat.py, those of the benchmark
whose first attempt failed (`dev`) and the same sizes drawn with another seed that no change was tuned on (`held_out`).

    python bench/marginal_einf.py [--out bench/marginal_einf.json]

Per screen and setting: converged by `diagnose`, max R-hat, min bulk and tail ESS, divergences, wall time, IC50
coverage and the share within x/÷2 of the truth. The JSON is written after every screen.
"""
from looks_flat import run

SETTINGS = {"sampled": {"einf": "sampled"}, "marginal": {"einf": "marginal"}}


if __name__ == "__main__":
    raise SystemExit(run(__doc__, SETTINGS, "python bench/marginal_einf.py", "bench/marginal_einf.json"))
