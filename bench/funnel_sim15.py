"""The 15-group simulation of issue 8 (simulate(15, seed=11)) under each parameterization, without retries,
and the population SDs at the divergent draws (the funnel that fit_nuts now detects).

    python bench/funnel_sim15.py
"""
import sys, json, time, warnings; warnings.filterwarnings("ignore")
import numpy as np, pandas as pd, dose_response as dr, logging
logging.getLogger("dose_response").setLevel(logging.WARNING)
from dose_response.diagnostics import diagnose
import dose_response.model as M
# as measured: per-group masks at threshold 0.5, 4 chains, target_accept 0.9, no retries
M.CENTER_RATIO = 0.5
M.choose_parameterization = lambda data, priors, parameterization="auto": (
    M.informed_groups(data, priors) if parameterization == "auto" else
    {p: M.np.full(data.n_groups, f == "centered") if f != "auto" else M.informed_groups(data, priors)[p]
     for p, f in M.parameterization_forms(parameterization).items()})
df = dr.simulate(15, seed=11)[0]
for name, kw in [("auto", {}), ("nc", {"parameterization": "noncentered"}), ("c", {"parameterization": "centered"}),
                 ("auto+hill nc", {"parameterization": {"log_hill": "noncentered"}}), ("pooling none", {"pooling": "none"})]:
    t = time.time()
    idata = dr.fit_nuts(df, seed=1, progressbar=False, retry=False, target_accept=0.9, **kw)
    d = diagnose(idata)
    post = idata.posterior; div = idata.sample_stats.diverging.values.astype(bool)
    msg = ""
    if div.any():
        for v in ["log10_ic50_sigma", "e0_sigma", "einf_sigma", "log_hill_sigma", "sigma"]:
            if v in post: msg += f" {v}: div {post[v].values[div].mean():.3g} all {post[v].values.mean():.3g};"
    print(f"{name:14s} div={d.divergences} rhat={d.max_rhat:.3f} ess={d.min_ess_bulk:.0f} t={time.time()-t:.0f}s {msg}", flush=True)
