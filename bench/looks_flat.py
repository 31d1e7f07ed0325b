"""Groups that look flat, kept apart (`build_model(looks_flat="apart")`, nbs/01_model) against pooled with the rest: the first
NUTS attempt (no retry) on realistic screens where the defaults diverge, and on screens of another draw of the
benchmark's designs that no change was tuned on.

    python bench/looks_flat.py [--out bench/looks_flat.json]

`dev`: screens of the benchmark (`screen_designs()`) whose first attempt failed in the partial run of
bench/partial/screens_563872a.csv; `held_out`: the same sizes drawn with another seed (`screen_designs(seed=99)`).
Per screen and setting: converged by `diagnose`, max R-hat, min bulk and tail ESS, divergences, wall time, IC50
coverage and the share within x/÷2 of the truth. The JSON is written after every screen.
"""
import argparse
import logging

from screen_levers import cpu, first_attempt, write

from dose_response.screens import screen_designs

SETS = {"dev": (2026, "screen05,screen07,screen10,screen12,screen14,screen16,screen17,screen20"),
        "held_out": (99, "screen08,screen10,screen12,screen14,screen16,screen18,screen20,screen21")}
SETTINGS = {"pooled": {"looks_flat": "pooled"}, "apart": {"looks_flat": "apart"}}


def compare(settings: dict[str, dict], command: str, path: str, sets: dict = SETS) -> None:
    "Each setting's first attempt on every screen of `sets`, written to `path` after every screen (also bench/marginal_einf.py)."
    out = {"command": command, "cpu": cpu(), "cores": 2, "sets": {}, "settings": settings, "rows": []}
    for label, (seed, names) in sets.items():
        out["sets"][label] = {"design_seed": seed, "screens": names.split(",")}
        designs = [d for d in screen_designs(seed=seed) if d[0] in names.split(",")]
        for setting, kw in settings.items():
            for name, d, fit_seed in designs:
                row = first_attempt(name, d, fit_seed, f"{label:>8} {setting:>8}", **kw)
                out["rows"].append({"set": label, "setting": setting, **row})
                write(out, path)
    print(f"written to {path}")


def run(doc: str, settings: dict[str, dict], command: str, default_out: str, sets: dict = SETS) -> int:
    "A script's whole run, this one's and bench/marginal_einf.py's: `--out`, then `compare`."
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=default_out)
    a = ap.parse_args()
    logging.getLogger("dose_response").setLevel(logging.ERROR)
    compare(settings, command, a.out, sets)
    return 0


if __name__ == "__main__":
    raise SystemExit(run(__doc__, SETTINGS, "python bench/looks_flat.py", "bench/looks_flat.json"))
