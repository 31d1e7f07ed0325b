"""Full sweep size, NUTS with the sweep's settings: the default model's speed at 432,000 observations."""
import json, time, warnings; warnings.filterwarnings("ignore")
import dose_response as dr
from dose_response.inference import fit_nuts, fit_info
from dose_response.compare import coverage
from dose_response.diagnostics import diagnose
df, truth = dr.simulate(3000, concentrations=12, replicates=12, seed=0)
t0 = time.time()
model = dr.build_model(df)
t1 = time.time()
i = fit_nuts(model, draws=2000, tune=1000, chains=2, seed=0, progressbar=False)
info = fit_info(i)
t2 = time.time()
d = diagnose(i)
out = {"build_s": t1 - t0, **{k: info[k] for k in ("compile_s", "tune_s", "sample_s", "wall_s")},
       "parameterization": info["model_parameterization"], "attempts": len(info["attempts"]),
       "max_rhat": d.max_rhat, "min_ess_bulk": d.min_ess_bulk, "min_ess_tail": d.min_ess_tail,
       "divergences": d.divergences, "coverage_90": coverage(i, truth), "fit_call_s": t2 - t1}
print(json.dumps(out, indent=1, default=str))
import pathlib; pathlib.Path("bench/out").mkdir(exist_ok=True)
json.dump(out, open("bench/out/full_nuts.json", "w"), indent=1, default=str)
