"""What running independent fits on Dask buys on this machine (`dose_response.many`, nbs/05a_many).

    python bench/many_fits.py [--sims 100] [--plates 40] [--out bench/many_fits.json]

Measures, each printed and written to the JSON file as it finishes (a rerun skips what the file holds):

- SBC of `--sims` NUTS fits of the default design: today's loop in one process (nutpie samples the chains in
  parallel threads), then the same seeds on a local cluster of 1 and of 2 workers (one core, chains in turn, each);
- a `dose-response fit --by plate` of a simulated screen of `--plates` plates (2 drugs x 1 cell line per plate, its
  own DMSO wells): the blocks one after another in this process, then on 1 and 2 workers;
- the overhead per task: 200 tasks that do nothing, on 2 workers;
- a projection for 64 workers from the measured per-task times (wall time = slowest worker's share of the tasks,
  plus the start-up, plus the overhead per task).
"""
import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from dose_response.bench import machine
from dose_response.data import repo_root


def sbc_runs(n: int) -> dict:
    from dose_response.calibration import sbc
    out = {}
    for name, kw in (("serial", {}), ("workers_1", {"workers": 1}), ("workers_2", {"workers": 2})):
        t0 = time.perf_counter()
        r = sbc(n, seed=2026, progress=False, **kw)
        out[name] = {"wall_s": time.perf_counter() - t0, "fit_s_median": float(r.fits["wall_s"].median()),
                     "ranks_digest": int(r.ranks["rank"].sum())}
        print(f"SBC {n} fits, {name}: {out[name]['wall_s']:.0f} s", flush=True)
    return out


def by_runs(n_plates: int, tmp: Path) -> dict:
    from dose_response.__main__ import _block_argv, _parser, fit_block
    from dose_response.screens import ScreenDesign, simulate_screen
    design = ScreenDesign(n_drugs=2, n_lines=1, doses=8, replicates=2, controls_per_plate=16)
    plates = []   # a small lab's plates: two drugs each, with their own DMSO wells and their own signal level
    for p in range(n_plates):
        df, _ = simulate_screen(design, seed=100 + p)
        plates.append(df.assign(plate=f"P{p:03d}", group=lambda d: np.where(d.group == "DMSO", "DMSO",
                                                                              f"P{p:03d}:" + d.group)))
    screen = pd.concat(plates, ignore_index=True)
    path = tmp / "plates.csv"
    screen.to_csv(path, index=False)
    out = {"plates": n_plates, "wells": len(screen)}
    base = ["fit", str(path), "--group", "group", "--concentration", "concentration", "--response", "response",
            "--controls", "DMSO", "--by", "plate"]
    from dose_response.__main__ import main
    for name, extra in (("workers_1", ["--workers", "1"]), ("workers_2", ["--workers", "2"])):
        t0 = time.perf_counter()
        code = main(base + ["--out", str(tmp / name)] + extra)
        blocks = pd.read_csv(tmp / name / "blocks.csv")
        out[name] = {"wall_s": time.perf_counter() - t0, "exit": code, "ok": int((blocks.status == "ok").sum()),
                     "converged": int(blocks.converged.fillna(False).astype(bool).sum()),
                     "task_s_median": float(blocks.task_s.median())}
        print(f"--by plate, {n_plates} plates, {name}: {out[name]['wall_s']:.0f} s", flush=True)
    args = _parser().parse_args(base + ["--out", str(tmp / "serial")])
    t0 = time.perf_counter()
    for p in sorted(screen.plate.unique()):
        where = tmp / "serial" / p
        where.mkdir(parents=True, exist_ok=True)
        screen[screen.plate == p].to_csv(where / "data.csv", index=False)
        fit_block(p, _block_argv(args, where / "data.csv", where), "")
    out["serial"] = {"wall_s": time.perf_counter() - t0}
    print(f"--by plate, {n_plates} plates, serial: {out['serial']['wall_s']:.0f} s", flush=True)
    return out


def overhead(n: int = 200) -> dict:
    from dose_response.many import Task, _demo_task, dask_client, run_many
    t0 = time.perf_counter()
    with dask_client(n_workers=2) as client:
        start = time.perf_counter() - t0
        t1 = time.perf_counter()
        rows = run_many([Task(f"t{i}", _demo_task, {"x": 10 + i, "seed": i}) for i in range(n)], client=client,
                        progress=False)
        wall = time.perf_counter() - t1
    out = {"tasks": n, "start_s": start, "per_task_s": wall / n * 2, "task_s_median": float(rows.task_s.median())}
    print(f"overhead: cluster start {start:.1f} s, {out['per_task_s'] * 1e3:.1f} ms per task per worker", flush=True)
    return out


def projection(result: dict, workers: int = 64) -> dict:
    "Wall time on `workers` workers: start-up + tasks/workers x (per-task time on one worker + overhead per task)."
    o = result["overhead"]
    out = {}
    if "sbc" in result:
        n = result["sims"]
        per = result["sbc"]["workers_1"]["wall_s"] / n
        out["sbc_s"] = o["start_s"] + np.ceil(n / workers) * (per + o["per_task_s"])
    if "by_plate" in result:
        n = result["by_plate"]["plates"]
        per = result["by_plate"]["workers_1"]["wall_s"] / n
        out["by_plate_s"] = o["start_s"] + np.ceil(n / workers) * (per + o["per_task_s"])
    return {"workers": workers, **out}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sims", type=int, default=100)
    ap.add_argument("--plates", type=int, default=40)
    ap.add_argument("--out", default=str(repo_root() / "bench" / "many_fits.json"))
    a = ap.parse_args()
    out = Path(a.out)
    result = json.loads(out.read_text()) if out.exists() else {}
    if result.get("sims") != a.sims or result.get("plates") != a.plates:
        result = {}
    result.update(cpu=machine()["cpu"], cores=machine()["cores"], sims=a.sims, plates=a.plates,
                  command=f"python bench/many_fits.py --sims {a.sims} --plates {a.plates}")
    save = lambda: out.write_text(json.dumps(result, indent=1))
    if "overhead" not in result:
        result["overhead"] = overhead()
        save()
    if "sbc" not in result:
        result["sbc"] = sbc_runs(a.sims)
        save()
    if "by_plate" not in result:
        with tempfile.TemporaryDirectory() as tmp:
            result["by_plate"] = by_runs(a.plates, Path(tmp))
        save()
    for k in ("sbc", "by_plate"):
        r = result[k]
        r["speedup_2_vs_serial"] = r["serial"]["wall_s"] / r["workers_2"]["wall_s"]
        r["speedup_2_vs_1"] = r["workers_1"]["wall_s"] / r["workers_2"]["wall_s"]
        print(f"{k}: 2 workers {r['speedup_2_vs_serial']:.2f}x the serial loop, {r['speedup_2_vs_1']:.2f}x 1 worker")
    result["projection"] = projection(result)
    print(f"projection for 64 workers: {result['projection']}")
    save()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
