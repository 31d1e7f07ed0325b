"""Where nutpie's compile time goes on a small model with a warm cache: `compile_nutpie` on ryegrass, profiled in a
second process that finds the PyTensor/numba cache the first one left. Prints the total and the share spent in
numba's `cfunc` compilations (the wrappers nutpie builds around the log density and the expansion, which numba
cannot cache: "uses dynamic globals").

Run: `.venv/bin/python bench/nutpie_compile_profile.py`. Prints the figures.
"""
import os
import subprocess
import sys
import tempfile

CHILD = """
import cProfile, pstats, time
import dose_response as dr
from dose_response.nuts import compile_nutpie
model = dr.build_model(dr.load_dataset("ryegrass"))
profile = cProfile.Profile()
t0 = time.perf_counter()
profile.enable()
compile_nutpie(model)
profile.disable()
total = time.perf_counter() - t0
stats = pstats.Stats(profile).stats
cfunc = sum(v[3] for k, v in stats.items() if k[0].endswith("numba/core/ccallback.py") and k[2] == "compile")
print(f"{total:.1f} {cfunc:.1f}")
"""


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "PYTENSOR_FLAGS": f"base_compiledir={cache}"}
        runs = [subprocess.run([sys.executable, "-c", CHILD], env=env, check=True, capture_output=True, text=True)
                .stdout.split()[-2:] for _ in range(2)]
    for label, (total, cfunc) in zip(("empty cache", "warm cache"), runs):
        print(f"{label}: compile_nutpie {total} s under the profiler, of which numba cfunc compilation {cfunc} s")


if __name__ == "__main__":
    main()
