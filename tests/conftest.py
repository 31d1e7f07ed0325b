"""Shared test configuration: the two tiers and the machine they ran on.

`make test` runs every test not marked `slow`; `make test-all` runs those too. Slow tests start whole processes (the
sweep, `dose-response fit` end to end, `dose-response bench`, a compile cache across processes, building and
installing the wheel) or run many fits (simulation-based calibration, the reduced convergence map, NUTS with and
without block preconditioning, the same fit twice to check that a seed gives the same numbers).
"""
import os
import platform

import pytest

EASY_SEED = 4   # the seed of the easy screen and of its NUTS fit


@pytest.fixture(scope="session")
def screen():
    "A design well inside the converged region of the robustness map: clear curves, IC50s inside the doses."
    import dose_response as dr
    return dr.simulate(20, replicates=4, seed=EASY_SEED, sigma=4.0, log10_ic50_sigma=0.5, bottom_sigma=4.0)


@pytest.fixture(scope="session")
def nuts(screen):
    "NUTS with the defaults on the easy screen, fitted once for every test file that compares against it."
    from dose_response.nuts import fit_nuts
    return fit_nuts(screen[0], seed=EASY_SEED, progressbar=False)


def _cpu() -> str:
    "The CPU model (Linux), else what platform knows."
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def pytest_report_header(config):
    return f"CPU: {_cpu()}, {os.cpu_count()} logical core(s)"
