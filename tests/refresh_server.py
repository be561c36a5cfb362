"""A local stand-in for the publishers' services, for the refresh tests (127.0.0.1 only, port 0).

What each route serves, and where its bytes come from:

* ``/fingertips/``: the Fingertips API. ``area_types``, ``available_data`` and ``indicator_metadata`` are
  SYNTHETIC JSON in the documented shape (no recording of them exists). ``all_data/csv`` for indicator
  90284 is the REAL download ``fingertips_la/la_hospital_admissions_2324.csv``; the ward NCMP CSVs
  (93105, 93107) are SYNTHETIC values for Bromley's 22 wards in the REAL all_data layout (the header of
  that file, CRLF records, the quoted indicator name with an embedded newline as in
  ``fingertips_sample_campylobacter_CountyUA.csv``, blank intervals, ``Value note``).
* ``/ons/``: an ArcGIS FeatureServer ``query`` (SYNTHETIC protocol replay over REAL data): the London
  rows of the raw lookup CSVs and the raw Bromley GeoJSON features, paged with ``resultOffset`` and
  ``exceededTransferLimit`` (at most ``ons_page_max`` features per page).
* ``/nomis/``: ``dataset/NM_2020_1.data.csv`` in the REAL Nomis ``.data.csv`` column layout (as in
  ``api-samples/nomis``), values from the REAL Census TS007A bulk file for Bromley's LSOAs, paged with
  ``recordoffset`` / ``RECORD_OFFSET`` / ``RECORD_COUNT``.
* ``/ees/``: SYNTHETIC ``publications`` / ``data-sets`` JSON (documented shape); the CSVs are the REAL
  DfE files from the raw folder (children looked after, children in need, child protection plans) and a
  SYNTHETIC small NEET file in the EES layout.
* ``/statxplore/table``: the REAL recorded Stat-Xplore answer ``api-samples/statxplore/example_a``.
* ``/iod/``: the REAL File 7 extract (Bromley rows) standing in for the national file, with an ETag.

``state`` switches failure modes on (see :class:`Publisher`); ``log`` keeps every request.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import math
import random
import re
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RAW = (ROOT / ".." / "shared" / "data" / "raw").resolve()
SAMPLES = (ROOT / ".." / "shared" / "data" / "api-samples").resolve()
WARDS_2022 = [f"E0501{n:04d}" for n in range(3987, 4009)]
BROMLEY = "E09000006"
FT_HEADER = (
    (RAW / "fingertips_la" / "la_hospital_admissions_2324.csv").open(encoding="utf-8").readline().strip().split(",")
)
WARD_TYPE, OLD_WARD_TYPE, LA_TYPE = 408, 8, 502  # SYNTHETIC ids (found by name, never hard-coded in the client)


def wilson(k, n, z=1.959963984540054):
    p = k / n
    d = 1 + z * z / n
    c = p + z * z / (2 * n)
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (c - h) / d * 100, (c + h) / d * 100


def ward_ncmp_csv(
    iid: int,
    periods=("2019/20 - 21/22", "2021/22 - 23/24"),
    *,
    revise=None,
    rename=None,
    area_type_label="Ward",
    empty=False,
    seed=0,
) -> bytes:
    """SYNTHETIC ward NCMP rows in the REAL Fingertips all_data layout."""
    name = (
        "Reception: Prevalence of obesity (including severe obesity), 3-years data combined\n"
        if iid == 93105
        else "Year 6: Prevalence of obesity (including severe obesity), 3-years data combined\n"
    )
    rng = random.Random(iid * 100 + seed)
    header = [rename.get(c, c) for c in FT_HEADER] if rename else FT_HEADER
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    w.writerow(header)
    if not empty:
        for period in periods:
            rows = [
                ("E92000001", "England", "England", 600000, 0.095 if iid == 93105 else 0.22),
                (BROMLEY, "Bromley", "Counties & UAs (from Apr 2023)", 11000, 0.06 if iid == 93105 else 0.16),
            ]
            rows += [
                (
                    c,
                    f"Ward {i + 1}",
                    area_type_label,
                    rng.randint(300, 900),
                    rng.uniform(0.03, 0.12) if iid == 93105 else rng.uniform(0.1, 0.3),
                )
                for i, c in enumerate(WARDS_2022)
            ]
            for code, aname, atype, den, p in rows:
                count = round(den * p)
                if revise and (code, period) in revise:
                    count = revise[(code, period)]
                value = count / den * 100
                lo, hi = wilson(count, den)
                lo998, hi998 = wilson(count, den, 3.090232306167813)
                blank = code == WARDS_2022[-1] and period == periods[0]  # a row with blank intervals
                rec = dict(zip(FT_HEADER, [""] * len(FT_HEADER)))
                rec.update(
                    {
                        "Indicator ID": iid,
                        "Indicator Name": name,
                        "Area Code": code,
                        "Area Name": aname,
                        "Area Type": atype,
                        "Sex": "Persons",
                        "Age": "4-5 yrs" if iid == 93105 else "10-11 yrs",
                        "Time period": period,
                        "Value": f"{value:.6f}",
                        "Lower CI 95.0 limit": "" if blank else f"{lo:.6f}",
                        "Upper CI 95.0 limit": "" if blank else f"{hi:.6f}",
                        "Lower CI 99.8 limit": "" if blank else f"{lo998:.6f}",
                        "Upper CI 99.8 limit": "" if blank else f"{hi998:.6f}",
                        "Count": count,
                        "Denominator": den,
                        "Value note": "Value aggregated from all known lower geography values"
                        if code == "E92000001"
                        else "",
                        "Compared to England value or percentiles": "Not compared",
                        "Time period Sortable": f"{period[:4]}0000",
                        "Time period range": "3y",
                    }
                )
                w.writerow([rec[c] for c in FT_HEADER])
    return out.getvalue().encode("utf-8")


class Publisher:
    """The services' state. Tests change the attributes to make a route fail or change."""

    def __init__(self):
        self.log: list[tuple[str, str]] = []  # (method, path?query)
        self.fail: dict[str, list[int]] = {}  # path prefix -> statuses to answer first, in order
        self.slow: dict[str, float] = {}  # path prefix -> seconds to sleep before answering
        self.truncate: dict[str, int] = {}  # path prefix -> times to send half a body and close
        self.drip: dict[str, float] = {}  # path prefix -> seconds between 1 KB chunks (for kill tests)
        self.ft_uploaded = {93105: "2025-06-05T09:30:00", 93107: "2025-06-05T09:30:00", 90284: "2025-02-04T09:30:00"}
        self.ft_csv = {
            93105: ward_ncmp_csv(93105),
            93107: ward_ncmp_csv(93107),
            90284: (RAW / "fingertips_la" / "la_hospital_admissions_2324.csv").read_bytes(),
        }
        self.ft_types = {
            93105: [15, 6, OLD_WARD_TYPE, WARD_TYPE, LA_TYPE],
            93107: [15, 6, WARD_TYPE, LA_TYPE],
            90284: [15, 6, LA_TYPE],
        }
        self.ons_page_max = 2000
        self.ons_geo_page_max = 2000
        self.nomis_page = 2000
        self.iod_etag = '"iod-v1"'
        self.ees_version = "1.0"
        self._ons = {}
        self._nomis = None

    # ---------------------------------------------------------------- fingertips (SYNTHETIC JSON)
    def fingertips(self, path, q):
        if path == "area_types":
            return _json(
                [
                    {"Id": 15, "Name": "England", "Short": "England"},
                    {"Id": 6, "Name": "Government Office Region (E12)", "Short": "Region"},
                    {"Id": OLD_WARD_TYPE, "Name": "Wards (pre 4/19)", "Short": "Ward (old)"},
                    {"Id": WARD_TYPE, "Name": "Electoral wards (2022)", "Short": "Ward"},
                    {
                        "Id": LA_TYPE,
                        "Name": "Upper tier local authorities (post 4/23)",
                        "Short": "Counties & UAs (from Apr 2023)",
                    },
                ]
            )
        if path == "available_data":
            iid = int(q["indicator_id"][0])
            types = self.ft_types.get(iid, [15])
            return _json([{"IndicatorId": iid, "AreaTypeId": t, "SexId": 4, "AgeId": 200} for t in types])
        if path == "indicator_metadata/by_indicator_id":
            ids = q["indicator_ids"][0].split(",")
            return _json(
                {
                    i: {
                        "IID": int(i),
                        "Descriptive": {"Name": f"indicator {i}"},
                        "DataChange": {
                            "LastUploadedAt": self.ft_uploaded.get(int(i), "2024-01-01T00:00:00"),
                            "LastDeletedAt": None,
                        },
                    }
                    for i in ids
                }
            )
        if path == "all_data/csv/by_indicator_id":
            iid, at = int(q["indicator_ids"][0]), int(q["area_type_id"][0])
            body = self.ft_csv.get(iid)
            if body is None:
                return 404, "text/plain", b"no data"
            want = WARD_TYPE if iid in (93105, 93107) else LA_TYPE
            if at != want:
                return 400, "text/plain", b"wrong area type"
            return 200, "text/csv", body
        return 404, "text/plain", b"not found"

    # ---------------------------------------------------------------- ONS ArcGIS (SYNTHETIC protocol, REAL data)
    def _ons_layers(self):
        if not self._ons:
            lu21 = pd.read_csv(
                RAW / "LSOA_(2021)_to_Electoral_Ward_(2025)_to_LAD_(2025)_Best_Fit_Lookup_in_EW_v2.csv",
                encoding="utf-8-sig",
                dtype=str,
            )
            lu11 = pd.read_csv(RAW / "LSOA11_WD20_LAD20_EW_LU.csv", encoding="utf-8-sig", dtype=str)
            lu21 = lu21[lu21.LAD25CD.str.startswith("E09")]
            lu11 = lu11[lu11.LAD20CD.str.startswith("E09")]
            geo = lambda f: json.loads((RAW / f).read_text(encoding="utf-8"))["features"]  # noqa: E731
            self._ons = {
                "LSOA21_WD25_LAD25_EW_LU_v2": ("table", list(lu21.columns), lu21.to_dict("records")),
                "LSOA11_WD20_LAD20_EW_LU": ("table", list(lu11.columns), lu11.to_dict("records")),
                "Wards_May_2022_Boundaries_UK_BGC": ("geo", None, geo("wards_2022_E09000006.geojson")),
                "LSOA_2021_EW_BGC_V3": ("geo", None, geo("lsoa21_E09000006.geojson")),
                "Wards_December_2020_UK_BGC": ("geo", None, geo("wards_2020_E09000006.geojson")),
                "LSOA_Dec_2011_Boundaries_Generalised_Clipped_BGC_EW_V3": (
                    "geo",
                    None,
                    geo("lsoa11_E09000006.geojson"),
                ),
            }
        return self._ons

    def ons(self, path, q):
        m = re.fullmatch(r"([^/]+)/FeatureServer/0/query", path)
        if not m or m[1] not in self._ons_layers():
            return _json({"error": {"code": 400, "message": "Invalid URL", "details": []}})
        kind, fields, records = self._ons_layers()[m[1]]
        where = q.get("where", ["1=1"])[0]
        if where != "1=1":
            wm = re.fullmatch(r"(\w+) IN \((.*)\)", where)
            if not wm:
                return _json({"error": {"code": 400, "message": "Unable to complete operation.", "details": [where]}})
            codes = set(re.findall(r"'([^']*)'", wm[2]))
            key = wm[1]
            records = [
                r for r in records if ((r.get("properties") or {}).get(key) if kind == "geo" else r.get(key)) in codes
            ]
        off = int(q.get("resultOffset", ["0"])[0])
        n = min(
            int(q.get("resultRecordCount", ["2000"])[0]), self.ons_geo_page_max if kind == "geo" else self.ons_page_max
        )
        page, more = records[off : off + n], off + n < len(records)
        if kind == "geo":
            body = {"type": "FeatureCollection", "features": page}
            if more:
                body["properties"] = {"exceededTransferLimit": True}
            return _json(body)
        body = {
            "objectIdFieldName": "ObjectId",
            "fields": [{"name": c, "type": "esriFieldTypeString"} for c in fields],
            "features": [{"attributes": r} for r in page],
        }
        if more:
            body["exceededTransferLimit"] = True
        return _json(body)

    # ---------------------------------------------------------------- Nomis (REAL layout, REAL values)
    def nomis(self, path, q):
        if path != "dataset/NM_2020_1.data.csv":
            return 404, "text/plain", b"dataset not found"
        if self._nomis is None:
            c = pd.read_csv(RAW / "census2021-ts007a-lsoa.csv", dtype=str)
            lu = pd.read_csv(
                RAW / "LSOA_(2021)_to_Electoral_Ward_(2025)_to_LAD_(2025)_Best_Fit_Lookup_in_EW_v2.csv",
                encoding="utf-8-sig",
                dtype=str,
            )
            c = c[c["geography code"].isin(lu.loc[lu.LAD25CD == BROMLEY, "LSOA21CD"])]
            bands = [b for b in c.columns if b.startswith("Age: ")]
            rows = []
            for _, r in c.iterrows():
                for i, b in enumerate(bands):
                    rows.append(
                        [
                            "2021",
                            "2021",
                            "2021",
                            "date",
                            0,
                            0,
                            "1254000000",
                            r["geography"],
                            r["geography code"],
                            "2021 super output areas - lower layer",
                            151,
                            0,
                            i,
                            b[5:],
                            i,
                            "",
                            0,
                            i,
                            20100,
                            "Value",
                            r[b],
                            "A",
                            "Normal Value",
                            "F",
                            "Free (free for publication)",
                            "",
                        ]
                    )
            self._nomis = rows
        cols = [
            "DATE",
            "DATE_NAME",
            "DATE_CODE",
            "DATE_TYPE",
            "DATE_TYPECODE",
            "DATE_SORTORDER",
            "GEOGRAPHY",
            "GEOGRAPHY_NAME",
            "GEOGRAPHY_CODE",
            "GEOGRAPHY_TYPE",
            "GEOGRAPHY_TYPECODE",
            "GEOGRAPHY_SORTORDER",
            "C2021_AGE_24",
            "C2021_AGE_24_NAME",
            "C2021_AGE_24_CODE",
            "C2021_AGE_24_TYPE",
            "C2021_AGE_24_TYPECODE",
            "C2021_AGE_24_SORTORDER",
            "MEASURES",
            "MEASURES_NAME",
            "OBS_VALUE",
            "OBS_STATUS",
            "OBS_STATUS_NAME",
            "OBS_CONF",
            "OBS_CONF_NAME",
            "URN",
            "RECORD_OFFSET",
            "RECORD_COUNT",
        ]
        off = int(q.get("recordoffset", ["0"])[0])
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\r\n")
        w.writerow(cols)
        total = len(self._nomis)
        for i, r in enumerate(self._nomis[off : off + self.nomis_page]):
            w.writerow(r + [off + i, total])
        return 200, "text/csv", out.getvalue().encode()

    # ---------------------------------------------------------------- EES (SYNTHETIC JSON, REAL CSVs)
    EES_PUBS = [
        {
            "id": "pub-cla",
            "slug": "children-looked-after-in-england-including-adoptions",
            "title": "Children looked after in England including adoptions",
        },
        {"id": "pub-cin", "slug": "characteristics-of-children-in-need", "title": "Children in need"},
        {
            "id": "pub-neet",
            "slug": "neet-and-participation-local-authority-figures",
            "title": "NEET and participation: local authority figures",
        },
        {"id": "pub-other", "slug": "school-workforce-in-england", "title": "School workforce in England"},
    ]
    EES_SETS = {
        "pub-cla": [
            ("ds-cla-ceased", "Children ceasing to be looked after by reason"),
            ("ds-cla", "CLA: number and rate per 10,000 children"),
        ],
        "pub-cin": [
            ("ds-cin", "Children in need at 31 March"),
            ("ds-cpp", "Child protection plans: second or subsequent"),
        ],
        "pub-neet": [("ds-neet", "NEET and not known: 16 and 17 year olds")],
    }

    def ees_csv(self, ds):
        files = {
            "ds-cla": RAW / "cla_number_and_rate_per_10k_children.csv",
            "ds-cin": RAW / "dfe_csc" / "b1_children_in_need_2013_to_2025.csv",
            "ds-cpp": RAW / "dfe_csc" / "d3_cpps_subsequent_plan_2013_to_2025.csv",
        }
        if ds in files:
            return files[ds].read_bytes()
        # SYNTHETIC NEET data set in the EES layout
        return (
            "time_period,time_identifier,geographic_level,country_code,country_name,new_la_code,la_name,"
            "neet_percent,not_known_percent\n"
            "2025,Calendar year,National,E92000001,England,,,3.0,1.8\n"
            f"2025,Calendar year,Local authority,E92000001,England,{BROMLEY},Bromley,1.8,0.9\n"
        ).encode()

    def ees(self, path, q):
        page, size = int(q.get("page", ["1"])[0]), int(q.get("pageSize", ["20"])[0])

        def paged(items):
            pages = max(1, -(-len(items) // size))
            return _json(
                {
                    "paging": {"page": page, "pageSize": size, "totalResults": len(items), "totalPages": pages},
                    "results": items[(page - 1) * size : page * size],
                }
            )

        if path == "publications":
            s = q.get("search", [""])[0].lower()
            return paged(
                [p for p in self.EES_PUBS if not s or s.split()[0] in p["title"].lower() or s in p["slug"]]
                + [p for p in self.EES_PUBS if p["id"] == "pub-other"]
            )
        m = re.fullmatch(r"publications/([^/]+)/data-sets", path)
        if m:
            return paged(
                [
                    {
                        "id": i,
                        "title": t,
                        "summary": "",
                        "status": "Published",
                        "latestVersion": {
                            "version": self.ees_version,
                            "published": "2025-11-13T09:30:00Z",
                            "totalResults": 1000,
                            "file": {"id": f"file-{i}"},
                        },
                    }
                    for i, t in self.EES_SETS.get(m[1], [])
                ]
            )
        m = re.fullmatch(r"data-sets/([^/]+)/csv", path)
        if m:
            return 200, "text/csv", self.ees_csv(m[1])
        return 404, "application/json", json.dumps({"title": "Not Found", "status": 404}).encode()


def _json(obj, status=200):
    return status, "application/json; charset=utf-8", json.dumps(obj).encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    pub: Publisher

    def log_message(self, *a):
        pass

    def do_GET(self):
        self._serve("GET")

    def do_POST(self):
        self._serve("POST")

    def _serve(self, method):
        pub = self.server.pub
        u = urlparse(self.path)
        pub.log.append((method, self.path))
        length = int(self.headers.get("Content-Length") or 0)
        body_in = self.rfile.read(length) if length else b""
        for prefix, secs in pub.slow.items():
            if u.path.startswith(prefix):
                time.sleep(secs)
        for prefix, statuses in pub.fail.items():
            if u.path.startswith(prefix) and statuses:
                code = statuses.pop(0)
                return self._send(code, "text/plain", f"error {code}".encode())
        service, _, rest = u.path.lstrip("/").partition("/")
        q = parse_qs(u.query)
        if service == "statxplore" and rest == "table" and method == "POST":
            if self.headers.get("APIKey") != "test-key":
                return self._send(401, "application/json", b'{"message":"Invalid API key"}')
            json.loads(body_in)
            status, ctype, body = (
                200,
                "application/json;charset=UTF-8",
                (SAMPLES / "statxplore" / "example_a_http_response.body.json").read_bytes(),
            )
        elif service == "iod" and rest.startswith("media/"):
            if self.headers.get("If-None-Match") == pub.iod_etag:
                return self._send(304, None, b"", extra={"ETag": pub.iod_etag})
            status, ctype, body = 200, "text/csv", (RAW / "IoD2025_File7_Bromley.csv").read_bytes()
            return self._send(
                status,
                ctype,
                body,
                path=u.path,
                extra={"ETag": pub.iod_etag, "Last-Modified": "Thu, 30 Oct 2025 09:30:00 GMT"},
            )
        elif hasattr(pub, service):
            status, ctype, body = getattr(pub, service)(rest, q)
        else:
            status, ctype, body = 404, "text/plain", b"unknown service"
        self._send(status, ctype, body, path=u.path)

    def _send(self, status, ctype, body, extra=None, path=""):
        pub = self.server.pub
        trunc = next((p for p, n in pub.truncate.items() if path.startswith(p) and n > 0), None)
        drip = next((s for p, s in pub.drip.items() if path.startswith(p)), None)
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        if status == 200 and "ETag" not in (extra or {}):
            self.send_header("ETag", f'"{hash(body) & 0xFFFFFFFF:x}"')
            self.send_header("Last-Modified", "Wed, 05 Nov 2025 09:30:00 GMT")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        if trunc:
            pub.truncate[trunc] -= 1
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.end_headers()
        if drip:
            for i in range(0, len(body), 1024):
                try:
                    self.wfile.write(body[i : i + 1024])
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(drip)
            return
        self.wfile.write(body)


class _HTTPServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):  # a client that hung up (timeout tests): not an error
        import sys

        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


class Server:
    def __init__(self):
        self.pub = Publisher()
        self.httpd = _HTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.pub = self.pub
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.port}/{service}/"

    def base_urls(self) -> list[str]:
        out = []
        for s in ("fingertips", "ees", "ons", "nomis", "statxplore", "iod"):
            out += ["--base-url", f"{s}={self.url(s)}"]
        return out

    def requests(self, prefix: str) -> list[str]:
        return [p for _, p in self.pub.log if p.startswith(prefix)]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


if __name__ == "__main__":  # for the kill test: serve until killed, print the port
    import sys

    s = Server()
    if len(sys.argv) > 1:
        s.pub.drip["/fingertips/all_data"] = float(sys.argv[1])
        s.pub.ft_types[90284] = [15]  # wards only: keeps the dripped downloads short
    print(s.port, flush=True)
    s.thread.join()
