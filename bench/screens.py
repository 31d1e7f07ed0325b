"""The screen benchmark of nbs/08a_screens: forty random realistic screens of 10 to 1,000 curves, each fitted with the
defaults (`fit_nuts`), with convergence, time, IC50 coverage and the bad-well pre-pass recorded per screen.

    python bench/screens.py [--out runs/screens.csv] [--only NAME,NAME] [--publish] [--workers N | --scheduler ADDRESS]

Resumable: screens already in --out (made by this code) are kept and skipped. --publish copies a complete table (every
screen) to results/screens.csv and rewrites the README's summary; a partial or trial run never touches results/.
--workers/--scheduler run the screens on Dask (dose_response.many) for a quick look; screens that share cores take
longer, so --publish runs them one at a time.
"""
import sys

from _publish import DASK, arguments, publish
from dose_response.screens import readme_screens, screen_benchmark, screen_designs, screen_summary


def main() -> int:
    a = arguments(__doc__, "screens.csv", seed=2026, what="screen", **DASK)
    if a.publish and (a.workers or a.scheduler):
        print("--publish times each screen alone: run it without --workers and --scheduler", file=sys.stderr)
        return 2
    designs = [d for d in screen_designs(seed=a.seed) if not a.only or d[0] in a.only.split(",")]
    table = screen_benchmark(a.out, designs, workers=a.workers, scheduler=a.scheduler)
    for k, v in screen_summary(table).items():
        print(f"{k}: {v:.3g}" if isinstance(v, float) else f"{k}: {v}")
    if a.publish:
        if a.only or a.seed != 2026 or len(table) != len(screen_designs()):
            print("--publish needs the complete benchmark with the default seed (no --only, no --seed)", file=sys.stderr)
            return 2
        publish(a.out, "screens.csv", "screens", readme_screens)
    return 0


if __name__ == "__main__":
    sys.exit(main())
