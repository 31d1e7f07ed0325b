"""Time a small fit end to end, as a user meets it: `fit_nuts` on one drc curve (ryegrass, 24 points) in a new Python
process, first with an empty PyTensor cache (a machine that has never fitted) and then again with the cache that
first run left (a machine that has fitted before). Also checks that both runs drew the same numbers.
`--backend numpyro` times the JAX path instead, whose compiled sampler JAX keeps in `jax_cache_dir()` (here under
the same temporary folder, so that the first run is cold).

Run: `.venv/bin/python bench/small_fit.py [--dataset ryegrass] [--runs 2] [--backend nutpie|pymc|numpyro]`. Prints a
table and writes bench/small_fit/BACKEND.json (committed: the figures the README quotes).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import json, time
t0 = time.perf_counter()
import dose_response as dr
t1 = time.perf_counter()
df = dr.load_dataset({dataset!r})
t2 = time.perf_counter()
idata = dr.fit_nuts(df, seed=1, progressbar=False, backend={backend!r})
t3 = time.perf_counter()
info = dr.inference.fit_info(idata)
print(json.dumps({{"import_s": t1 - t0, "load_s": t2 - t1, "fit_nuts_s": t3 - t2, "compile_s": info["compile_s"],
                  "tune_s": info["tune_s"], "sample_s": info["sample_s"], "converged": dr.diagnose(idata).converged,
                  "checksum": float(idata.posterior["log10_ic50"].sum())}}))
"""


def run_child(dataset: str, backend: str, cache: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JAX_")}
    # every compile cache empty at first: PyTensor's, JAX's (under XDG_CACHE_HOME) and numba's own (the grid kernel)
    env |= {"PYTENSOR_FLAGS": f"base_compiledir={cache}/pytensor", "XDG_CACHE_HOME": f"{cache}/xdg",
            "NUMBA_CACHE_DIR": f"{cache}/numba"}
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD.format(dataset=dataset, backend=backend)], env=env, check=True,
                         capture_output=True, text=True).stdout
    return {**json.loads(out.strip().splitlines()[-1]), "process_s": time.perf_counter() - t0}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--dataset", default="ryegrass")
    p.add_argument("--runs", type=int, default=2, help="runs with the warm cache after the cold one")
    p.add_argument("--backend", default="nutpie", choices=["nutpie", "pymc", "numpyro"])
    p.add_argument("--out", default=None)
    a = p.parse_args()
    a.out = a.out or str(Path(__file__).parent / "small_fit" / f"{a.backend}.json")
    with tempfile.TemporaryDirectory() as cache:
        rows = [{"cache": "cold", **run_child(a.dataset, a.backend, cache)}]
        rows += [{"cache": "warm", **run_child(a.dataset, a.backend, cache)} for _ in range(a.runs)]
    sys.path.insert(0, str(Path(__file__).parents[1]))
    from dose_response.inference import versions
    result = {"dataset": a.dataset, "backend": a.backend, "rows": rows, "same_draws": len({r["checksum"] for r in rows}) == 1,
              "fit_nuts_s_cold": rows[0]["fit_nuts_s"], "fit_nuts_s_warm": min(r["fit_nuts_s"] for r in rows[1:]),
              "versions": versions(), "cpus": os.cpu_count(),
              "command": f"python bench/small_fit.py --dataset {a.dataset} --runs {a.runs} --backend {a.backend}"}
    out = Path(a.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(f"{'cache':<6}{'import s':>10}{'fit_nuts s':>12}{'compile s':>11}{'tune+sample s':>15}{'process s':>11}  checksum")
    for r in rows:
        print(f"{r['cache']:<6}{r['import_s']:>10.1f}{r['fit_nuts_s']:>12.1f}{r['compile_s']:>11.1f}"
              f"{r['tune_s'] + r['sample_s']:>15.1f}{r['process_s']:>11.1f}  {r['checksum']:.10f}")
    print(f"same draws with a cold and a warm cache: {result['same_draws']}; written to {out}")


if __name__ == "__main__":
    main()
