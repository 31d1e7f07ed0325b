"""Which changes to the model and sampler make the *first* NUTS attempt converge on realistic screens? Each lever is
added to the ones before it (a ladder, in the order below) and every screen of the benchmark's trial set is fitted once
per rung with no retry, so that each rung shows what it adds: converged by `diagnose`, max R-hat, min bulk and tail
ESS, divergences, wall time, IC50 coverage and the share within x/÷2 of the truth.

    python bench/screen_levers.py [--only screen05,screen16] [--rungs defaults,window] [--out bench/screen_levers.json]
    python bench/screen_levers.py --ablation        # the defaults, and the defaults with one lever taken back

The rungs: `defaults` (what `fit_nuts` does today, first attempt only); `window`: `ic50_window=1` (each IC50 within its
group's doses +/- one decade, `01_model`); `draws`: 2,000 draws per chain instead of 1,000; `hill`: a Hill-slope prior
of N(0, 0.6) on the log scale (slopes of about 0.3 to 3.3 within two SDs) instead of N(0, 1); `accept`:
`target_accept=0.9`; `no_mixture`: `inactive=False` (no active/flat mixture: a flat group is a curve whose saturating
response is near its start); `e0_noncentred`: the untreated level non-centred in every group; `accept_95`: `target_accept=0.95`. The JSON is written after
every rung, so a run cut short keeps what it finished (`--out` to a scratch path for a trial).

The ladder was measured (bench/screen_levers.json) before its levers became the defaults, so its `defaults` rung is
the model of that time; run today, the `defaults` rung already holds every lever. `--ablation` measures the defaults
of today against each of them with one lever taken back (`ABLATION`; bench/screen_ablation.json): what each lever
still buys in the company of the others.
"""
import argparse
import json
import logging
import platform
import time
from pathlib import Path

from dose_response.fitrecord import versions
from dose_response.screens import run_screen, screen_designs

TRIAL = "screen02,screen05,screen08,screen11,screen16,screen21,screen23"   # 12 to 150 curves, the small half
LEVERS = {"defaults": {}, "window": {"ic50_window": 1.0}, "draws": {"draws": 2000},
          "hill": {"priors": {"log_hill_mu": (0.0, 0.6)}}, "accept": {"target_accept": 0.9},
          "no_mixture": {"inactive": False}, "e0_noncentred": {"parameterization": {"e0": "noncentered"}},
          "accept_95": {"target_accept": 0.95}}
ABLATION = {"defaults": {}, "no_window": {"ic50_window": None}, "draws_1000": {"draws": 1000},
            "mixture": {"inactive": True}}   # each: the defaults with this one change (not cumulative)
KEEP = ("name", "n_curves", "n_obs", "converged", "max_rhat", "min_ess_bulk", "min_ess_tail", "divergences", "wall_s",
        "compile_s", "coverage", "within_2x", "reasons")


def cpu() -> str:
    "The CPU's model name, as the other benchmark files record it."
    try:
        line = next(l for l in Path("/proc/cpuinfo").read_text().splitlines() if l.startswith("model name"))
        return line.split(":", 1)[1].strip()
    except (OSError, StopIteration):
        return platform.processor()


def first_attempt(name: str, d, seed: int, label: str, **kw) -> dict:
    "One screen's first attempt (`run_screen`, no retry) with fit options `kw`: its row (`KEEP`), printed as one line."
    row = run_screen(name, d, seed, retry=False, **kw)
    row = {k: row[k] for k in KEEP}
    print(f"{label} {name} ({row['n_curves']} curves): {'converged' if row['converged'] else 'NOT':>9}, "
          f"R-hat {row['max_rhat']:.3f}, ESS {row['min_ess_bulk']:.0f}/{row['min_ess_tail']:.0f}, "
          f"{row['divergences']} div, {row['wall_s']:.0f} s", flush=True)
    return row


def write(out: dict, path: str) -> None:
    "Stamp `out` with the versions and the time, and write it (after every screen: a run cut short keeps its rows)."
    out |= {"versions": versions(), "created_at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    Path(path).write_text(json.dumps(out, indent=1, default=float))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", default=TRIAL, help="comma-separated screen names of the benchmark")
    ap.add_argument("--ablation", action="store_true", help="the defaults against each with one lever taken back")
    ap.add_argument("--rungs", default=None, help="the rungs to run, in ladder order")
    ap.add_argument("--out", default=None, help="default: bench/screen_levers.json, or screen_ablation.json")
    a = ap.parse_args()
    ladder = ABLATION if a.ablation else LEVERS
    a.rungs = a.rungs or ",".join(ladder)
    a.out = a.out or f"bench/screen_{'ablation' if a.ablation else 'levers'}.json"
    logging.getLogger("dose_response").setLevel(logging.ERROR)
    designs = [d for d in screen_designs() if d[0] in a.only.split(",")]
    rungs, kw, out = a.rungs.split(","), {}, {"command": "python bench/screen_levers.py"
                                                + (" --ablation" if a.ablation else "")
                                                + ("" if a.only == TRIAL else f" --only {a.only}")
                                                + ("" if a.rungs == ",".join(ladder) else f" --rungs {a.rungs}"),
                                             "cpu": cpu(), "cores": 2, "ladder": {}, "rows": []}
    for rung in ladder:
        base = {} if a.ablation else kw     # the ladder adds up; the ablation starts from the defaults each time
        kw = {**base, **ladder[rung], "priors": {**base.get("priors", {}), **ladder[rung].get("priors", {})}}
        if rung not in rungs:
            continue
        out["ladder"][rung] = json.loads(json.dumps(kw))
        for name, d, seed in designs:
            out["rows"].append({"rung": rung, **first_attempt(name, d, seed, f"{rung:>14}", **kw)})
        write(out, a.out)
    print(f"written to {a.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
