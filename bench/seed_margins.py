"""How far from the test thresholds the seed-dependent fits of the tests sit, over several seeds.

    python bench/seed_margins.py [--seeds 0-7] [--kinds fits|jax] [--out bench/margins/seed_margins.json]

A test may fix a seed, but not rely on that seed's floating-point path: this script measures the margins the tests
assert on, across seeds, so that the thresholds sit well inside what every seed gave. It prints one line per fit:

- `student_t`: the outlier screen of tests/test_checks.py fitted with the Student-t likelihood (defaults);
- `flat_plain`: the map's `flat=10%` design, the plain 4PL, first attempt only (`retry=False, inactive=False`):
  its R-hat is what makes `fit_nuts` switch to the mixture (above `MIXTURE_RHAT`);
- `flat_mixture`: the same design fitted with `inactive=True` (tests/test_robustness.py);
- `single_curve_4`: the map's single curve of five points with a fourth attempt allowed (`MAX_ATTEMPTS = 4`);
- `jax` (`--kinds jax`): the screen of tests/test_inference.py with `backend="numpyro"`, its largest IC50 median shift
  from nutpie's (in nutpie posterior SDs) and the range of its 90% interval widths over nutpie's.
"""
import argparse
import json
from pathlib import Path

import numpy as np

import dose_response as dr
import dose_response.inference as inference
from dose_response import robustness as rb


def _outlier_screen():
    df, truth = rb.simulate_design(rb.Design("outliers", n_groups=6, doses=8, replicates=2, noise=0.03), seed=5)
    for g in truth.index[::3]:
        row = df.index[(df.group == g) & (np.log10(df.concentration) > truth.loc[g, "log10_ic50"])][0]
        df.loc[row, "response"] += 45
    return df


def _row(kind, seed, idata, **extra):
    d, info = dr.diagnose(idata), inference.fit_info(idata)
    row = {"kind": kind, "seed": seed, "converged": bool(d.converged), "divergences": d.divergences,
           "max_rhat": round(d.max_rhat, 4), "min_ess_bulk": round(d.min_ess_bulk), "attempts": len(info["attempts"]),
           **extra}
    print(json.dumps(row), flush=True)
    return row


def _jax(lo: int, hi: int) -> list[dict]:
    df, _ = dr.simulate(20, replicates=4, seed=4, sigma=4.0, log10_ic50_sigma=0.5, bottom_sigma=4.0)  # test_inference
    a = dr.summarize_groups(dr.fit_nuts(df, seed=4, progressbar=False))
    width = a.log10_ic50_q95 - a.log10_ic50_q05
    rows = []
    for seed in range(lo, hi + 1):
        j = dr.fit_nuts(df, seed=seed, backend="numpyro", progressbar=False)
        b = dr.summarize_groups(j)
        ratio = (b.log10_ic50_q95 - b.log10_ic50_q05) / width
        rows.append(_row("jax", seed, j, max_shift_sd=round(float(((a.log10_ic50_median - b.log10_ic50_median).abs()
                                                                      / (width / 3.29)).max()), 3),
                         width_ratio=[round(float(ratio.min()), 3), round(float(ratio.max()), 3)]))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", default="0-7")
    ap.add_argument("--kinds", default="fits", choices=["fits", "jax"])
    ap.add_argument("--out", default="bench/margins/seed_margins.json")
    a = ap.parse_args()
    lo, hi = map(int, a.seeds.split("-"))
    if a.kinds == "jax":
        rows = _jax(lo, hi)
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        Path(a.out).write_text(json.dumps(rows, indent=1))
        print(f"written to {a.out}")
        return
    outliers = _outlier_screen()
    design = lambda name: next(d for d in rb.map_designs() if d.name == name)
    flat, truth = rb.simulate_design(design("flat=10%"), seed=0)
    flat_names = truth.index[truth.kind == "flat"]
    rows = []
    for seed in range(lo, hi + 1):
        rows.append(_row("student_t", seed, dr.fit_nuts(outliers, likelihood="student_t", seed=seed, progressbar=False)))
        rows.append(_row("flat_plain", seed, dr.fit_nuts(flat, seed=seed, retry=False, inactive=False, progressbar=False)))
        mix = dr.fit_nuts(flat, seed=seed, inactive=True, progressbar=False)
        p = dr.summarize_groups(mix)["p_active"]
        rows.append(_row("flat_mixture", seed, mix, max_p_active_flat=round(float(p[flat_names].max()), 4),
                         min_p_active_other=round(float(p.drop(flat_names).min()), 4)))
    single, _ = rb.simulate_design(design("single curve, 5 doses, 1 replicate"), seed=0)
    inference.MAX_ATTEMPTS = 4
    rows.append(_row("single_curve_4", 0, dr.fit_nuts(single, seed=0, progressbar=False)))
    Path(a.out).parent.mkdir(parents=True, exist_ok=True)
    Path(a.out).write_text(json.dumps(rows, indent=1))
    print(f"written to {a.out}")


if __name__ == "__main__":
    main()
