"""`python -m loaders refresh` against a local stand-in for each publisher's service (no internet).

The server (tests/refresh_server.py) listens on 127.0.0.1 on a free port and replays responses in each
publisher's format: REAL recordings where they exist (Stat-Xplore answer, Fingertips LA CSV, DfE CSVs,
Census and IoD files, ONS lookups and boundaries) and SYNTHETIC JSON/CSV built from the documented
formats where none exists (Fingertips metadata endpoints and ward NCMP values, ArcGIS paging, EES
listings). Every request has a short timeout and backoff is 10 ms, so the whole module takes seconds.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from loaders.refresh import cli
from loaders.refresh.cache import read_manifest
from loaders.refresh.http import Client, sha256_file

sys.path.insert(0, str(Path(__file__).resolve().parent))
from refresh_server import WARD_TYPE, WARDS_2022, Server, ward_ncmp_csv  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def server():
    s = Server()
    yield s
    s.close()


def refresh(server, cache, *args, timeout=(2.0, 3.0), retries=2):
    """Run the CLI in-process; returns (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    client = Client(timeout=timeout, retries=retries, backoff=0.01, progress=False)
    try:
        rc = cli.main(["--cache", str(cache), *server.base_urls(), *args], client=client, out=out, err=err)
    finally:
        client.close()
    return rc, out.getvalue(), err.getvalue()


def ft_files(cache):
    return {p.name: p.read_bytes() for p in (cache / "fingertips").glob("*.csv")}


# ------------------------------------------------------------------------------------------ success
def test_fingertips_finds_ward_type_downloads_and_records_manifest(server, tmp_path):
    cache = tmp_path / "cache"
    rc, out, err = refresh(server, cache, "--source", "fingertips")
    assert rc == 0, err
    assert err == ""
    # the ward area type was found by name among the indicator's available types (newest ward type)
    data_reqs = server.requests("/fingertips/all_data/csv/by_indicator_id")
    assert any(f"indicator_ids=93105&area_type_id={WARD_TYPE}" in r for r in data_reqs)
    assert any("indicator_ids=90284&area_type_id=502" in r for r in data_reqs)
    assert server.requests("/fingertips/available_data?indicator_id=93105")
    m = read_manifest(cache)
    e = m["files"]["fingertips/ward_93105.csv"]
    assert e["url"].startswith(server.url("fingertips") + "all_data/csv/by_indicator_id?")
    assert e["sha256"] == sha256_file(cache / "fingertips/ward_93105.csv")
    assert e["etag"] and e["last_modified"] == "Wed, 05 Nov 2025 09:30:00 GMT"
    assert e["fetched_at"].endswith("Z") and e["area_type_id"] == WARD_TYPE
    assert e["last_uploaded"] == "2025-06-05T09:30:00" and e["source"] == "fingertips"
    assert m["sources"]["fingertips"]["refreshed_at"]
    # the served bytes are kept as served (CRLF, embedded newline in the quoted name)
    body = (cache / "fingertips/ward_93105.csv").read_bytes()
    assert body == server.pub.ft_csv[93105] and b'combined\n"' in body
    # the change report: new files against nothing
    assert "fingertips/ward_93105.csv: new file" in out
    assert "indicator 90319 has no data for an upper-tier LA area type: skipped" in out
    assert not list(cache.rglob("*.part")) and not any((cache / ".staging").iterdir())


def test_unchanged_metadata_skips_download(server, tmp_path):
    cache = tmp_path / "cache"
    assert refresh(server, cache, "--source", "fingertips")[0] == 0
    n = len(server.requests("/fingertips/all_data"))
    before = ft_files(cache)
    rc, out, err = refresh(server, cache, "--source", "fingertips")
    assert rc == 0 and "fingertips: unchanged" in out
    assert "ward_93105.csv: unchanged since 2025-06-05T09:30:00 (metadata), not downloaded" in out
    assert len(server.requests("/fingertips/all_data")) == n  # no data request the second time
    assert ft_files(cache) == before
    assert read_manifest(cache)["files"]["fingertips/ward_93105.csv"]["checked_at"]


def test_change_report_periods_added_and_largest_revisions(server, tmp_path):
    cache = tmp_path / "cache"
    assert refresh(server, cache, "--source", "fingertips")[0] == 0
    old = pd.read_csv(cache / "fingertips/ward_93107.csv")
    ward = WARDS_2022[3]
    old_count = int(old[(old["Area Code"] == ward) & (old["Time period"] == "2021/22 - 23/24")].Count.iloc[0])
    server.pub.ft_csv[93107] = ward_ncmp_csv(
        93107,
        periods=("2019/20 - 21/22", "2021/22 - 23/24", "2022/23 - 24/25"),
        revise={(ward, "2021/22 - 23/24"): old_count + 40},
    )
    server.pub.ft_uploaded[93107] = "2025-11-04T09:30:00"
    rc, out, err = refresh(server, cache, "--source", "fingertips")
    assert rc == 0, err
    assert "ward_93105.csv: unchanged" in out  # its metadata did not change
    line = next(x for x in out.splitlines() if "fingertips/ward_93107.csv (vs previous refresh)" in x)
    assert "periods added 2022/23 - 24/25" in line and "values revised" in line
    assert (
        f"{ward} 2021/22 - 23/24 93107 | Persons | 10-11 yrs |  |  Count: {old_count:g} -> {old_count + 40:g} (+40)"
        in out
    )
    rep = json.loads((cache / "report.json").read_text())["sources"]["fingertips"]["changes"]
    r = next(x for x in rep if x["file"] == "fingertips/ward_93107.csv")
    assert r["periods_added"] == ["2022/23 - 24/25"] and r["areas_added"] == [] and r["areas_removed"] == []
    top = r["largest_revisions"][0]
    assert top["area"] == ward and top["measure"] == "Count" and top["change"] == 40
    assert (cache / ".previous/fingertips/ward_93107.csv").read_bytes() == ward_ncmp_csv(93107)


# ------------------------------------------------------------------------------------------ failures
def test_renamed_column_is_schema_drift_naming_source_file_column(server, tmp_path):
    cache = tmp_path / "cache"
    assert refresh(server, cache, "--source", "fingertips")[0] == 0
    good = ft_files(cache)
    server.pub.ft_csv[93105] = ward_ncmp_csv(93105, rename={"Count": "Numerator"})
    server.pub.ft_uploaded[93105] = "2025-12-01T09:30:00"
    rc, out, err = refresh(server, cache, "--source", "fingertips")
    assert rc == 1
    assert err.strip() == (
        "FAILED schema drift in fingertips file fingertips/ward_93105.csv: column 'Count' "
        "is missing (renamed or removed by the publisher?)"
    )
    assert ft_files(cache) == good  # nothing replaced, not even the other indicators of the source
    assert "Traceback" not in out + err
    assert read_manifest(cache)["sources"]["fingertips"]["last_error"].startswith("schema drift")


def test_new_area_type_label_is_schema_drift(server, tmp_path):
    server.pub.ft_csv[93107] = ward_ncmp_csv(93107, area_type_label="Wards (2024)")
    rc, out, err = refresh(server, tmp_path / "cache", "--source", "fingertips")
    assert rc == 1
    assert (
        "schema drift in fingertips file fingertips/ward_93107.csv: column 'Area Type' has a new label 'Wards (2024)'"
        in err
    )
    assert not (tmp_path / "cache/fingertips/ward_93105.csv").exists()  # the source commits all or nothing


def test_empty_result_keeps_previous_file(server, tmp_path):
    cache = tmp_path / "cache"
    assert refresh(server, cache, "--source", "fingertips")[0] == 0
    good = ft_files(cache)
    server.pub.ft_csv[93105] = ward_ncmp_csv(93105, empty=True)
    server.pub.ft_uploaded[93105] = "2025-12-01T09:30:00"
    rc, out, err = refresh(server, cache, "--source", "fingertips")
    assert rc == 1 and err.count("\n") == 1
    assert "fingertips: fingertips/ward_93105.csv: the service returned no rows for indicator 93105" in err
    assert ft_files(cache) == good


def test_5xx_is_retried_with_backoff_then_succeeds(server, tmp_path):
    server.pub.fail["/fingertips/area_types"] = [500, 503]
    rc, out, err = refresh(server, tmp_path / "cache", "--source", "fingertips", retries=2)
    assert rc == 0, err
    assert len(server.requests("/fingertips/area_types")) == 3  # two failures, then the answer


def test_persistent_500_and_404_fail_one_line_each_others_succeed(server, tmp_path):
    server.pub.fail["/fingertips/area_types"] = [500] * 10
    server.pub.fail["/ees/publications"] = [404]
    t0 = time.perf_counter()
    rc, out, err = refresh(
        server, tmp_path / "cache", "--source", "fingertips", "--source", "ees", "--source", "iod", retries=2
    )
    assert rc == 1
    lines = err.strip().splitlines()
    assert len(lines) == 2, err
    assert lines[0].startswith("FAILED fingertips: ") and "HTTP 500" in lines[0] and "after 2 retries" in lines[0]
    assert lines[1].startswith("FAILED ees: ") and "HTTP 404" in lines[1]
    assert len(server.requests("/fingertips/area_types")) == 3  # 1 + 2 retries
    assert "iod: ok" in out and (tmp_path / "cache/IoD2025_File7_Bromley.csv").is_file()
    assert "refresh finished" in out and "fingertips failed" in out and "iod ok" in out
    assert time.perf_counter() - t0 < 15


def test_timeout_fails_cleanly_and_quickly(server, tmp_path):
    server.pub.slow["/iod/"] = 1.5
    t0 = time.perf_counter()
    rc, out, err = refresh(server, tmp_path / "cache", "--source", "iod", timeout=(1.0, 0.3), retries=1)
    assert rc == 1
    assert err.startswith("FAILED iod: ") and "timed out" in err and err.count("\n") == 1
    assert time.perf_counter() - t0 < 8
    assert not (tmp_path / "cache/IoD2025_File7_Bromley.csv").exists()


def test_truncated_body_is_retried_and_never_replaces_a_good_file(server, tmp_path):
    cache = tmp_path / "cache"
    assert refresh(server, cache, "--source", "iod")[0] == 0
    good = (cache / "IoD2025_File7_Bromley.csv").read_bytes()
    server.pub.iod_etag = '"iod-v2"'
    # once truncated, then whole: the download is retried and succeeds
    server.pub.truncate["/iod/"] = 1
    rc, out, err = refresh(server, cache, "--source", "iod")
    assert rc == 0, err
    assert (cache / "IoD2025_File7_Bromley.csv").read_bytes() == good
    # always truncated: fails, the good copy stays, no partial file anywhere
    server.pub.iod_etag = '"iod-v3"'
    server.pub.truncate["/iod/"] = 99
    rc, out, err = refresh(server, cache, "--source", "iod", retries=2)
    assert rc == 1
    assert "FAILED iod: " in err and ("broke off" in err or "incomplete download" in err)
    assert (cache / "IoD2025_File7_Bromley.csv").read_bytes() == good
    assert not [p for p in cache.rglob("*") if p.name.endswith(".part")]


def test_iod_conditional_request_304(server, tmp_path):
    cache = tmp_path / "cache"
    assert refresh(server, cache, "--source", "iod")[0] == 0
    rc, out, err = refresh(server, cache, "--source", "iod")
    assert rc == 0 and "iod: unchanged" in out and "(HTTP 304)" in out
    assert read_manifest(cache)["files"]["IoD2025_File7_Bromley.csv"]["etag"] == '"iod-v1"'
    assert (cache / "IoD2025_File7_Bromley.csv").read_bytes() == (
        ROOT / ".." / "shared/data/raw/IoD2025_File7_Bromley.csv"
    ).read_bytes()


# ------------------------------------------------------------------------------------------ other sources
def test_ons_pages_with_result_offset_while_exceeded_transfer_limit(server, tmp_path, raw_dir):
    server.pub.ons_page_max = 1000  # the service pages at 1000 whatever the client asks for
    server.pub.ons_geo_page_max = 60  # GeoJSON: exceededTransferLimit under "properties"
    cache = tmp_path / "cache"
    rc, out, err = refresh(server, cache, "--source", "ons")
    assert rc == 0, err
    reqs = server.requests("/ons/LSOA21_WD25_LAD25_EW_LU_v2/")
    offsets = [int(r.split("resultOffset=")[1].split("&")[0]) for r in reqs]
    assert offsets == [0, 1000, 2000, 3000, 4000]  # 4,994 London rows
    lu = pd.read_csv(
        cache / "LSOA_(2021)_to_Electoral_Ward_(2025)_to_LAD_(2025)_Best_Fit_Lookup_in_EW_v2.csv", encoding="utf-8-sig"
    )
    assert len(lu) == 4994 and lu.LSOA21CD.is_unique
    g = json.loads((cache / "lsoa21_E09000006.geojson").read_text())
    assert len(g["features"]) == 199
    geo = server.requests("/ons/LSOA_2021_EW_BGC_V3/")
    assert len(geo) == 2 * 2  # 2 queries of 100 and 99 codes, 2 pages each (60 a page)
    assert [int(r.split("resultOffset=")[1].split("&")[0]) for r in geo] == [0, 60, 0, 60]
    assert "ons: ok (6 file(s) updated)" in out


def test_nomis_pages_and_derives_the_bulk_layout(server, tmp_path, raw_dir):
    server.pub.nomis_page = 1500
    rc, out, err = refresh(server, tmp_path / "cache", "--source", "nomis")
    assert rc == 0, err
    assert len(server.requests("/nomis/dataset/NM_2020_1.data.csv")) == 3  # 199 LSOAs x 20 bands = 3,980 records
    new = pd.read_csv(tmp_path / "cache/census2021-ts007a-lsoa.csv")
    old = pd.read_csv(raw_dir / "census2021-ts007a-lsoa.csv")
    old = old[old["geography code"].isin(new["geography code"])]
    assert list(new.columns) == list(old.columns) and len(new) == 199
    pd.testing.assert_frame_equal(
        new.sort_values("geography code").reset_index(drop=True),
        old.sort_values("geography code").reset_index(drop=True),
        check_dtype=False,
    )
    assert "census2021-ts007a-lsoa.csv (vs bundled raw file): no change" in out


def test_ees_finds_data_sets_and_skips_unchanged_versions(server, tmp_path, raw_dir):
    cache = tmp_path / "cache"
    rc, out, err = refresh(server, cache, "--source", "ees")
    assert rc == 0, err
    assert (cache / "cla_number_and_rate_per_10k_children.csv").read_bytes() == (
        raw_dir / "cla_number_and_rate_per_10k_children.csv"
    ).read_bytes()
    assert read_manifest(cache)["files"]["ees/child_protection_plans.csv"]["data_set_id"] == "ds-cpp"
    n = len(server.requests("/ees/data-sets/"))
    rc, out, err = refresh(server, cache, "--source", "ees")
    assert rc == 0 and "ees: unchanged" in out and len(server.requests("/ees/data-sets/")) == n


def test_statxplore_skipped_without_key_and_flattened_with_one(server, tmp_path, monkeypatch):
    monkeypatch.delenv("STAT_XPLORE_API_KEY", raising=False)
    rc, out, err = refresh(server, tmp_path / "cache", "--source", "statxplore")
    assert rc == 1  # named explicitly and skipped
    assert out.splitlines()[0] == (
        "skipped statxplore: no STAT_XPLORE_API_KEY set (a free key from stat-xplore.dwp.gov.uk, account page)"
    )
    assert not server.requests("/statxplore")
    rc, out, err = refresh(server, tmp_path / "cache", "--source", "iod")
    assert rc == 0
    monkeypatch.setenv("STAT_XPLORE_API_KEY", "test-key")
    rc, out, err = refresh(server, tmp_path / "cache", "--source", "statxplore")
    assert rc == 0, err
    df = pd.read_csv(tmp_path / "cache/statxplore/cilif_ward.csv")
    assert len(df) == 10 * 4 * 6  # the recorded cube: 10 areas x 4 months x 6 family types
    assert set(df.area_code.dropna()) >= {"E12000001", "E92000001"} or df.area_code.str.match("E1").any()


def test_base_url_from_environment_and_dry_run_writes_nothing(server, tmp_path, monkeypatch):
    monkeypatch.setenv("BWE_IOD_URL", server.url("iod"))
    out, err = io.StringIO(), io.StringIO()
    client = Client(timeout=(2, 3), retries=1, backoff=0.01, progress=False)
    rc = cli.main(["--cache", str(tmp_path / "cache"), "--source", "iod", "--dry-run"], client=client, out=out, err=err)
    assert rc == 0 and f"would fetch {server.url('iod')}media/" in out.getvalue()
    assert not server.requests("/iod/")  # a dry run of a plain file asks nothing
    rc = cli.main(
        [
            "--cache",
            str(tmp_path / "cache"),
            "--source",
            "fingertips",
            "--dry-run",
            "--base-url",
            f"fingertips={server.url('fingertips')}",
        ],
        client=client,
        out=out,
        err=err,
    )
    assert rc == 0 and "would fetch" in out.getvalue()
    assert server.requests("/fingertips/area_types") and not server.requests("/fingertips/all_data")
    assert not (tmp_path / "cache/manifest.json").exists()
    rc = cli.main(["--cache", str(tmp_path / "cache"), "--source", "iod"], client=client, out=out, err=err)
    assert rc == 0 and server.requests("/iod/media/")
    client.close()


def test_bad_arguments_exit_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        cli.main(["--source", "nope"])
    assert e.value.code == 2
    assert cli.main(["--la", "Bromley", "--cache", str(tmp_path)]) == 2
    assert "is not a local authority code" in capsys.readouterr().err


# ------------------------------------------------------------------------------------------ kill mid-download
def test_killed_mid_download_leaves_the_good_file(tmp_path):
    """A refresh process killed (SIGKILL) in the middle of a download: the cached file is untouched."""
    srv = subprocess.Popen(
        [sys.executable, str(ROOT / "tests/refresh_server.py"), "0.05"], stdout=subprocess.PIPE, text=True
    )
    try:
        port = int(srv.stdout.readline())
        base = f"fingertips=http://127.0.0.1:{port}/fingertips/"
        cache = tmp_path / "cache"
        env = {**os.environ, "BWE_REFRESH_BACKOFF": "0.01", "BWE_REFRESH_READ_TIMEOUT": "5"}
        cmd = [
            sys.executable,
            "-m",
            "loaders.refresh.cli",
            "--cache",
            str(cache),
            "--source",
            "fingertips",
            "--base-url",
            base,
        ]
        # first a good refresh (slow: the server drips the CSV in 1 KB pieces)
        done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        good = ft_files(cache)
        manifest = (cache / "manifest.json").read_bytes()
        # then the metadata says "changed", and the refresh is killed while a body is arriving
        (cache / "manifest.json").write_text(manifest.decode().replace("2025-06-05T09:30:00", "2020-01-01T00:00:00"))
        manifest = (cache / "manifest.json").read_bytes()
        p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        staging = cache / ".staging"
        deadline = time.monotonic() + 30
        parts = []
        while time.monotonic() < deadline and p.poll() is None and not parts:
            parts = list(staging.rglob("*.part")) if staging.exists() else []
            time.sleep(0.01)
        assert parts, "the download never started"
        time.sleep(0.1)  # a few more KB arrive
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=10)
        assert ft_files(cache) == good
        assert (cache / "manifest.json").read_bytes() == manifest
        assert not [x for x in (cache / "fingertips").iterdir() if x.name.endswith(".part")]
        # the next run clears the dead run's staging folder
        from loaders.refresh.cache import Cache

        Cache(cache).stage("fingertips").discard()
        assert not list(staging.iterdir())
    finally:
        srv.kill()
        srv.wait(timeout=10)


# ------------------------------------------------------------------------------------------ build from the cache
def test_build_from_refreshed_cache_makes_ward_ncmp_the_latest_ward_obesity(server, tmp_path):
    """Refresh Fingertips only, build with the cache first and the shared raw folder after it: ward
    obesity on 2022 wards is OHID's observed series with counts, Wilson intervals and comparisons."""
    from loaders.build import build
    from loaders.refresh.resolve import raw_fallbacks
    from loaders.store import Store
    from model.explore import View, options, ward_table

    cache = tmp_path / "cache"
    assert refresh(server, cache, "--source", "fingertips")[0] == 0
    assert raw_fallbacks(cache) and raw_fallbacks(ROOT / ".." / "shared" / "data" / "raw") == []
    out = tmp_path / "data"
    build(cache, out, fallbacks=raw_fallbacks(cache))
    store = Store(out)
    o = options(store, "obesity_year6")
    latest = o[o.geography == "ward2022"].period.iloc[0]
    assert latest == "2021/22-2023/24"
    df, ctx = ward_table(store, View("obesity_year6", latest, "ward2022", "england"))
    assert len(df) == 22 and ctx["has_intervals"] and not ctx["estimate"]
    assert df.numerator.notna().all() and df.denominator.notna().all()
    assert "not compared" not in set(df.comparison) and len(set(df.comparison)) >= 2  # vs England, by interval
    assert ctx["meta"]["interval"] == "wilson"
    # the intervals the build computes (Wilson, from the counts) are OHID's published ones
    pub = pd.read_csv(io.BytesIO(server.pub.ft_csv[93107]))
    pub = pub[pub["Time period"] == "2021/22 - 23/24"].set_index("Area Code")
    got = df.set_index("area_code")
    assert (got.lower95 - pub.loc[got.index, "Lower CI 95.0 limit"]).abs().max() < 1e-4
    assert (got.upper998 - pub.loc[got.index, "Upper CI 99.8 limit"]).abs().max() < 1e-4
    # the GLA series stays as history (2014 wards, and ESTIMATE on 2022 wards)
    hist = store.values("obesity_year6", "2011/12-2013/14", "ward2022")
    assert len(hist) == 22 and hist.is_estimate.all()
    src = store.sources()
    assert "fingertips/ward_93107.csv" in set(src.raw_file)


def test_methods_page_shows_fetch_date_and_url_from_the_manifest(server, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from loaders.refresh.provenance import fetch_table

    cache = tmp_path / "cache"
    assert refresh(server, cache, "--source", "iod")[0] == 0
    t = fetch_table(cache)
    row = t[t.file == "IoD2025_File7_Bromley.csv"].iloc[0]
    assert row.source == "iod" and row.url.startswith(server.url("iod")) and len(row.fetched) == 10
    assert fetch_table(tmp_path / "nothing").empty  # no refresh: nothing shown
    monkeypatch.setenv("BWE_RAW_CACHE", str(cache))
    at = AppTest.from_file(str(ROOT / "pages" / "methods.py"), default_timeout=60)
    at.run()
    assert not at.exception and not at.error
    shown = next(d.value for d in at.dataframe if "fetched" in d.value.columns)
    assert shown.set_index("file").loc["IoD2025_File7_Bromley.csv", "url"] == row.url
    # the bundled extracts were built from the same IoD bytes, so the file is marked as used
    assert bool(shown.set_index("file").loc["IoD2025_File7_Bromley.csv", "used_in_build"])
