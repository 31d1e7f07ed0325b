"""nutpie's low-rank modified mass matrix (`low_rank_modified_mass_matrix=True`) against its diagonal one, the first
NUTS attempt (no retry) on realistic screens whose population of e_inf, Hill slope and IC50 position mixes slowly: a
few directions in which the populations and many curves move together, which a diagonal metric cannot follow.

    python bench/low_rank.py [--out bench/low_rank.json]

`dev`: screens of the published benchmark (results/screens.csv) whose first attempt failed on R-hat; `held_out`: the
same sizes drawn with another seed (`screen_designs(seed=99)`), never looked at before this run. Both settings keep
every other default (2,000 draws, einf="auto"). Per screen and setting: converged by `diagnose`, max R-hat, min bulk
and tail ESS, divergences, wall time, IC50 coverage and the share within x/÷2 of the truth, written after every screen.
"""
from looks_flat import run

NAMES = "screen15,screen19,screen20,screen22,screen23,screen30,screen35"
SETS = {"dev": (2026, NAMES), "held_out": (99, NAMES)}
SETTINGS = {"diagonal": {}, "low_rank": {"low_rank_modified_mass_matrix": True}}


if __name__ == "__main__":
    raise SystemExit(run(__doc__, SETTINGS, "python bench/low_rank.py", "bench/low_rank.json", SETS))
