"""Centring at scale: per-group masks vs all centred at the sweep size l (the figures in nbs/01_model).

    python bench/centring_at_scale.py 1.0    # per-group masks, threshold 1.0 (also 0.5); "c": all centred
"""
import warnings, time, sys, json; warnings.filterwarnings("ignore")
import dose_response as dr, dose_response.model as M
from dose_response.inference import fit_nuts, fit_info
from dose_response.compare import coverage
from dose_response.diagnostics import diagnose
M.CENTER_RATIO = float(sys.argv[1]) if sys.argv[1] != "c" else 1.0
kw = {"parameterization": "centered"} if sys.argv[1] == "c" else {}
if sys.argv[1] != "c":   # the per-group masks themselves (auto now reduces each to one form per parameter)
    M.choose_parameterization = lambda data, priors, parameterization="auto": M.informed_groups(data, priors)
df, truth = dr.simulate(1000, concentrations=12, replicates=12, seed=0)
t = time.time()
i = fit_nuts(df, draws=2000, tune=1000, chains=2, seed=0, progressbar=False, **kw)
info = fit_info(i); d = diagnose(i)
print(sys.argv[1], info["model_parameterization"], {k: round(info[k], 1) for k in ("compile_s", "tune_s", "sample_s", "wall_s")},
      "rhat", round(d.max_rhat, 4), "ess", round(d.min_ess_bulk), "div", d.divergences, "attempts", len(info["attempts"]),
      "cov", coverage(i, truth), "total", round(time.time() - t, 1), flush=True)
