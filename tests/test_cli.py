"""The analysts' command line, ``python -m loaders``, run as a subprocess from the repository root.

Faults a subprocess cannot be given (disk full, an unreadable file or a read-only folder when the tests
run as root) are injected with monkeypatch into ``loaders.__main__.main`` run in this process.
"""

from __future__ import annotations

import errno
import hashlib
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

WARDS_2022 = {f"E050{n}" for n in range(13987, 14009)}
DOCUMENTED_COLUMNS = [
    "area_code",
    "area_name",
    "area_type",
    "period",
    "value",
    "numerator",
    "denominator",
    "lower95",
    "upper95",
    "lower998",
    "upper998",
    "national_decile",
    "is_illustrative",
    "is_estimate",
    "is_suppressed",
    "source_id",
    "note",
]


@pytest.fixture(scope="module")
def cli(root):
    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "loaders", *args], cwd=root, capture_output=True, text=True, timeout=120
        )

    return run


def test_indicators_lists_ids_with_periods(cli, store):
    p = cli("indicators")
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    lines = {line.split()[0]: line for line in p.stdout.splitlines()[1:] if line.strip()}
    expected_periods = {
        "idaci": ["2019", "2025"],
        "cla_rate": [f"31 Mar {y}" for y in range(2019, 2024)],
        "neet": [f"{y - 1}/{y % 100:02d}" for y in range(2019, 2026)],  # DfE's 2019 is Dec 2018-Feb 2019
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


@pytest.mark.parametrize(
    "args, mentions",
    [
        (
            ["values", "--indicator", "no_such_indicator", "--period", "2025", "--geography", "ward2022"],
            "no_such_indicator",
        ),
        (["values", "--indicator", "idaci", "--period", "2025", "--geography", "county"], "county"),
        (["values", "--indicator", "idaci", "--geography", "ward2022"], "--period"),
        (["values", "--indicator", "idaci", "--period", "2031", "--geography", "ward2022"], "2031"),
    ],
    ids=["unknown-indicator", "bad-geography", "missing-period", "period-without-data"],
)
def test_bad_arguments_give_one_error_line(cli, args, mentions):
    p = cli(*args)
    assert p.returncode != 0
    assert p.stdout == ""
    lines = p.stderr.splitlines()
    assert len(lines) == 1, p.stderr
    assert lines[0].startswith("error:")
    assert mentions in lines[0]


# --------------------------------------------------------------------------- import / remove faults (issue #13)
GOOD = "ward_code,period,numerator,denominator\n" + "".join(f"{c},2024,3,300\n" for c in sorted(WARDS_2022))


def one_error_line(stderr: str, *words: str) -> str:
    """Exactly one line on stderr, an error naming ``words``, no traceback."""
    lines = stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in stderr, stderr
    assert all(w in lines[0] for w in words), lines[0]
    return lines[0]


def tree(d: Path) -> dict[str, str]:
    return {
        str(p.relative_to(d)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(d.rglob("*")) if p.is_file()
    }


def main(capsys, *args: str) -> tuple[int, str, str]:
    from loaders.__main__ import main as cli_main

    code = cli_main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def good_csv(tmp_path) -> Path:
    p = tmp_path / "neet.csv"
    p.write_text(GOOD)
    return p


def test_reversed_period_is_one_line_not_a_traceback(cli, data_copy, tmp_path):
    f = tmp_path / "reversed.csv"
    f.write_text("ward_code,period,numerator,denominator\nE05014002,2023/24-2021/22,3,300\n")
    p = cli("--data", str(data_copy), "import", str(f), "--indicator", "neet")
    assert p.returncode == 1 and p.stdout == ""
    one_error_line(p.stderr, "reversed.csv was not loaded", "row 2, period", "ends before it starts")
    assert not (data_copy / "local").exists()


@pytest.mark.parametrize(
    "command",
    [["import", "{file}", "--indicator", "neet"], ["extracts"], ["remove", "--indicator", "neet"]],
    ids=["import", "extracts", "remove"],
)
def test_data_folder_that_does_not_exist(command, cli, tmp_path, good_csv):
    args = [a.replace("{file}", str(good_csv)) for a in command]
    p = cli("--data", str(tmp_path / "nowhere"), *args)
    assert p.returncode != 0 and p.stdout == ""
    one_error_line(p.stderr, "does not exist")
    assert not (tmp_path / "nowhere").exists()


def test_local_folder_that_is_a_file(cli, data_copy, good_csv):
    (data_copy / "local").write_text("not a folder")
    before = tree(data_copy)
    p = cli("--data", str(data_copy), "import", str(good_csv), "--indicator", "neet")
    assert p.returncode == 1
    one_error_line(p.stderr, "neet.csv was not loaded", "not a folder: nothing was stored")
    assert tree(data_copy) == before


def test_stale_temp_files_of_a_killed_import_are_removed(cli, data_copy, good_csv):
    local = data_copy / "local"
    local.mkdir()
    stale = local / ".tmp-killed.parquet"
    stale.write_bytes(b"half a parquet file")
    os.utime(stale, (time.time() - 3600, time.time() - 3600))
    p = cli("--data", str(data_copy), "import", str(good_csv), "--indicator", "neet")
    assert p.returncode == 0, p.stderr
    assert sorted(x.name for x in local.iterdir()) == ["changes.jsonl", "history", "neet.parquet"]
    assert not list(local.rglob(".tmp-*"))


def _raise(code: int):
    def fail(*a, **k):
        raise OSError(code, os.strerror(code), "/srv/bwe/data/local/.tmp-x.parquet")

    return fail


@pytest.mark.parametrize("target", ["replace", "write"])
def test_disk_full_is_one_specific_line_and_nothing_is_left(target, capsys, data_copy, good_csv, monkeypatch):
    code, _, err = main(capsys, "--data", str(data_copy), "import", str(good_csv), "--indicator", "neet")
    assert code == 0, err
    before = tree(data_copy)
    monkeypatch.setattr(os, target, _raise(errno.ENOSPC))
    code, out, err = main(capsys, "--data", str(data_copy), "import", str(good_csv), "--indicator", "neet")
    monkeypatch.undo()
    assert code == 1 and out == ""
    line = one_error_line(err, "the disk is full: nothing was stored")
    assert "/srv" not in line and str(data_copy) not in line
    assert tree(data_copy) == before  # no .tmp-* file, the old extract and the change log untouched


@pytest.mark.parametrize("code,words", [(errno.EACCES, "permission denied"), (errno.EROFS, "read-only disk")])
def test_unwritable_local_folder_is_one_line(code, words, capsys, data_copy, good_csv, monkeypatch):
    monkeypatch.setattr(tempfile, "mkstemp", _raise(code))
    status, out, err = main(capsys, "--data", str(data_copy), "import", str(good_csv), "--indicator", "neet")
    assert status == 1 and out == ""
    one_error_line(err, words, "nothing was stored")
    assert not list((data_copy / "local").glob(".tmp-*"))


def test_unreadable_input_file_is_one_line(capsys, data_copy, good_csv, monkeypatch):
    def refuse(self):
        raise PermissionError(errno.EACCES, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    code, out, err = main(capsys, "--data", str(data_copy), "import", str(good_csv), "--indicator", "neet")
    assert code == 1 and out == ""
    one_error_line(err, "neet.csv cannot be read", "Permission denied")


def test_removal_that_fails_is_one_line(capsys, data_copy, good_csv, monkeypatch):
    assert main(capsys, "--data", str(data_copy), "import", str(good_csv), "--indicator", "neet")[0] == 0
    before = tree(data_copy)
    monkeypatch.setattr(Path, "unlink", lambda self, *a, **k: _raise(errno.EROFS)())
    code, out, err = main(capsys, "--data", str(data_copy), "remove", "--indicator", "neet")
    monkeypatch.undo()
    assert code == 1 and out == ""
    one_error_line(err, "the neet extract was not removed", "read-only disk: nothing was removed")
    assert tree(data_copy) == before


def test_cli_changes_are_logged_as_the_user(capsys, data_copy, good_csv, monkeypatch):
    from loaders import extracts

    monkeypatch.setattr("getpass.getuser", lambda: "analyst")
    assert main(capsys, "--data", str(data_copy), "import", str(good_csv), "--indicator", "neet")[0] == 0
    assert main(capsys, "--data", str(data_copy), "remove", "--indicator", "neet")[0] == 0
    log = extracts.changes(data_copy)
    assert log[["who", "action", "file", "rows"]].values.tolist() == [
        ["cli:analyst", "load", "neet.csv", 22],
        ["cli:analyst", "remove", "neet.csv", 22],
    ]
