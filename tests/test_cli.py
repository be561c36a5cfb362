"""The analysts' command line, ``python -m loaders``, run as a subprocess from the repository root."""
from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

WARDS_2022 = {f"E050{n}" for n in range(13987, 14009)}
DOCUMENTED_COLUMNS = ["area_code", "area_name", "area_type", "period", "value", "numerator", "denominator",
                      "lower95", "upper95", "lower998", "upper998", "national_decile",
                      "is_illustrative", "is_estimate", "is_suppressed", "source_id", "note"]


@pytest.fixture(scope="module")
def cli(root):
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "loaders", *args], cwd=root, capture_output=True,
                              text=True, timeout=120)
    return run


def test_indicators_lists_ids_with_periods(cli, store):
    p = cli("indicators")
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    lines = {line.split()[0]: line for line in p.stdout.splitlines()[1:] if line.strip()}
    expected_periods = {
        "idaci": ["2019", "2025"],
        "cla_rate": [f"31 Mar {y}" for y in range(2019, 2024)],
        "neet": [str(y) for y in range(2019, 2026)],
        "obesity_year6": ["2008/09-2010/11", "2011/12-2013/14", "2024/25"],
    }
    periods = store.indicators().set_index("indicator_id").periods
    for ind, wanted in expected_periods.items():
        assert ind in lines, f"{ind} not listed"
        for period in wanted:
            assert period in lines[ind], f"{ind}: period {period} not listed"
        assert periods[ind] in lines[ind]  # the full list, not truncated
    assert set(lines) == set(periods.index)


def test_values_csv(cli, store):
    p = cli("values", "--indicator", "idaci", "--period", "2025", "--geography", "ward2022", "--format", "csv")
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    assert len(p.stdout.strip().splitlines()) == 1 + 22
    df = pd.read_csv(io.StringIO(p.stdout), dtype={"area_code": str, "area_name": str})
    present = [c for c in df.columns if c in DOCUMENTED_COLUMNS]
    assert present == DOCUMENTED_COLUMNS, f"documented columns missing or reordered: {list(df.columns)}"
    assert df.columns[0] == "area_code"
    assert len(df) == 22 and set(df.area_code) == WARDS_2022
    assert (df.area_type == "ward2022").all() and (df.period.astype(str) == "2025").all()
    assert not df.is_illustrative.any()

    s = store.values("idaci", "2025", "ward2022")
    assert list(df.area_code) == list(s.area_code)  # same order: highest value first
    assert list(df.area_name) == list(s.area_name)
    for col in ("value", "numerator", "denominator", "lower95", "upper95", "lower998", "upper998"):
        assert np.allclose(df[col], s[col], rtol=1e-12, atol=0), col


@pytest.mark.parametrize("args, mentions", [
    (["values", "--indicator", "no_such_indicator", "--period", "2025", "--geography", "ward2022"], "no_such_indicator"),
    (["values", "--indicator", "idaci", "--period", "2025", "--geography", "county"], "county"),
    (["values", "--indicator", "idaci", "--geography", "ward2022"], "--period"),
    (["values", "--indicator", "idaci", "--period", "2031", "--geography", "ward2022"], "2031"),
], ids=["unknown-indicator", "bad-geography", "missing-period", "period-without-data"])
def test_bad_arguments_give_one_error_line(cli, args, mentions):
    p = cli(*args)
    assert p.returncode != 0
    assert p.stdout == ""
    lines = p.stderr.splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("error:")
    assert mentions in lines[0]
