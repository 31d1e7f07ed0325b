"""How long the two test tiers take from a clean clone of this repository's HEAD, setup included, as CI runs them.

    python bench/test_times.py [--out bench/test_times.json]

Clones HEAD into a temporary folder, runs `make test` (setup, the export check, nbdev_test and the fast tests), then
the slow tier (`pytest -m slow`, which `make test-all` adds), each timed, and writes the times, the outcomes, the
CPU and the commit to --out; the README quotes them (`readme_test_times`). Exit 1 if either tier fails (the times
are written all the same, marked failed, and the README then says so).
"""
import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dose_response.bench import machine
from dose_response.data import repo_root


def timed(cmd: list[str], cwd: Path, log: Path) -> tuple[float, int, str]:
    "Run `cmd`, its output to `log`; seconds, exit status and the last line of output."
    t0 = time.perf_counter()
    with open(log, "w") as f:
        rc = subprocess.run(cmd, cwd=cwd, stdout=f, stderr=subprocess.STDOUT).returncode
    lines = [line for line in log.read_text(errors="replace").splitlines() if line.strip()]
    return time.perf_counter() - t0, rc, lines[-1] if lines else ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=str(repo_root() / "bench" / "test_times.json"))
    a = ap.parse_args()
    root = repo_root()
    commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True,
                            text=True).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
        fast_s, fast_rc, fast_tail = timed(["make", "test"], clone, Path(tmp) / "make_test.log")
        print(f"make test: {fast_s:.0f} s, exit {fast_rc}: {fast_tail}", flush=True)
        slow_s, slow_rc, slow_tail = timed([str(clone / ".venv" / "bin" / "python"), "-m", "pytest", "-q", "-m", "slow",
                                            "tests"], clone, Path(tmp) / "slow.log")
        print(f"slow tier: {slow_s:.0f} s, exit {slow_rc}: {slow_tail}", flush=True)
        if fast_rc or slow_rc:
            for name in ("make_test.log", "slow.log"):
                print(f"--- {name} (last 40 lines)\n" + "\n".join((Path(tmp) / name).read_text().splitlines()[-40:]))
    result = {"commit": commit, "cpu": machine()["cpu"], "cores": machine()["cores"], "make_test_s": fast_s, "make_test_ok": fast_rc == 0,
              "make_test_summary": fast_tail, "slow_s": slow_s, "slow_ok": slow_rc == 0, "slow_summary": slow_tail,
              "command": "python bench/test_times.py"}
    Path(a.out).write_text(json.dumps(result, indent=1))
    return 0 if fast_rc == 0 and slow_rc == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
