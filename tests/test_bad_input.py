"""The bad-input and fault matrix: each row is a way a new user can get it wrong, and the clear error or warning
they get instead of a crash deep inside a library (or a fit that silently means something else)."""
import numpy as np
import pandas as pd
import pytest

import dose_response as dr


@pytest.fixture(scope="module")
def small():
    return dr.simulate(3, seed=0)[0]


@pytest.mark.parametrize("kw, error, match", [
    (dict(tune=0), ValueError, "tune must be an integer of at least 1"),       # nutpie panics on this
    (dict(draws=0), ValueError, "draws must be an integer of at least 1"),
    (dict(chains=0), ValueError, "chains must be an integer of at least 1"),
    (dict(seed=-1), ValueError, "seed must be an integer of at least 0"),
    (dict(seed="abc"), ValueError, "seed must be an integer"),
    (dict(seed=1.5), ValueError, "seed must be an integer"),
    (dict(target_accept=1.0), ValueError, "target_accept must be a number between 0 and 1"),
    (dict(drawz=10), TypeError, r"unknown option\(s\) \['drawz'\]"),
    (dict(backend="pymc", foo=1), TypeError, r"unknown option\(s\) \['foo'\]"),
    (dict(backend="stan"), ValueError, "backend='stan' is not one of"),
])
def test_fit_nuts_refuses_bad_arguments_before_compiling(small, kw, error, match, monkeypatch):
    def too_late(*a, **k):
        raise AssertionError("the model was built before the arguments were checked")
    monkeypatch.setattr("dose_response.fitrecord.build_model", too_late)
    with pytest.raises(error, match=match):
        dr.fit_nuts(small, progressbar=False, **kw)


@pytest.mark.parametrize("kw, match", [(dict(draws=0), "draws must be"), (dict(n=0), "n must be"),
                                       (dict(seed=-3), "seed must be")])
def test_fit_advi_refuses_bad_arguments(small, kw, match):
    with pytest.raises(ValueError, match=match):
        dr.fit_advi(small, progressbar=False, **kw)


def test_mixed_label_kinds_are_refused():
    "1 and '1' print alike but are different groups; 2.5 beside 'b' broke summaries and saving."
    df = pd.DataFrame({"group": [1] * 3 + ["1"] * 3 + [2.5] * 3, "concentration": [1.0, 2.0, 3.0] * 3,
                       "response": [3.0, 2.0, 1.0] * 3})
    with pytest.raises(ValueError, match=r"column 'group' \(group\) mixes label kinds"):
        dr.validate(df)
    assert dr.validate(df.assign(group=df.group.astype(str))).group.nunique() == 2   # the user's choice: 1 == '1' 


def test_designs_that_fit_badly_are_warned_about_before_fitting(caplog):
    df, _ = dr.simulate(4, replicates=2, seed=0)
    with caplog.at_level("WARNING", logger="dose_response"):
        dr.build_model(pd.concat([df, df.iloc[:3]], ignore_index=True))
    assert "3 row(s) repeat another row exactly" in caplog.text
    caplog.clear()
    still = df.group == df.group.iloc[0]
    with caplog.at_level("WARNING", logger="dose_response"):
        dr.build_model(df.assign(response=np.where(still, 50.0, df.response)))
    assert f"group(s) [{df.group.iloc[0]!r}] have the same response at every concentration" in caplog.text
    # many groups of two points each: four parameters per group cannot come from the group's own data
    pairs = pd.DataFrame({"group": np.repeat(np.arange(50), 2), "concentration": np.tile([1.0, 10.0], 50),
                          "response": np.tile([90.0, 10.0], 50) + np.arange(100) % 7})
    caplog.clear()
    with caplog.at_level("WARNING", logger="dose_response"):
        dr.build_model(pairs)
    assert "50 of 50 group(s) have fewer than 4 distinct concentrations" in caplog.text


def test_importing_the_package_leaves_logging_alone():
    import subprocess, sys
    code = ("import logging, dose_response; log = logging.getLogger('dose_response'); "
            "assert not log.handlers and log.level == logging.NOTSET, (log.handlers, log.level)")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_save_over_the_file_a_fit_was_loaded_from(tmp_path):
    import arviz as az
    path = tmp_path / "fit.nc"
    fit = az.from_dict(posterior={"a": np.zeros((2, 10))}, attrs={"method": "nuts"})
    dr.save(fit, path)
    opened = dr.load(path)                       # lazily backed by the file
    dr.save(opened.map(lambda d: d + 1, groups="posterior"), path)
    assert float(dr.load(path).posterior["a"].mean()) == 1.0
    assert [p.name for p in tmp_path.iterdir()] == ["fit.nc"]     # no temporary file left behind
