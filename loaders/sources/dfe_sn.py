"""DfE children's services statistical neighbours: the April 2021 (LGR version) and May 2025 models.

Read from DfE's own benchmarking workbooks (sheet "LA SN Groups": a row of column numbers above the
header row "LA num, LA Name, ..., SN1, SNP, ... SN10, SNP"). LA numbers are the old DfE codes, mapped
to ONS codes through the children-looked-after files (old_la_code -> new_la_code). Both models go to
``neighbours.parquet`` (model, la_code, rank, neighbour_code, closeness); ``areas.is_stat_neighbour``
marks Bromley's neighbours in the default model.
"""

from __future__ import annotations

import openpyxl
import pandas as pd

from loaders.catalogue import OGL
from loaders.codes import BROMLEY
from loaders.raw import RawDataError, RawFile, register

RAW = [
    RawFile("sn_2021", "dfe_lait/sn_april_2021.xlsx"),
    RawFile("sn_2025", "dfe_lait/sn_may_2025.xlsx"),
]
register(*RAW)

SOURCES: dict[str, dict] = {
    "dfe_stat_neighbours": dict(
        raw=["sn_2021", "sn_2025"],
        licence=OGL,
        publisher="Department for Education",
        title="Children's services statistical neighbour benchmarking tool: April 2021 (LGR version) and May 2025 models (sheet 'LA SN Groups')",
        url="https://www.gov.uk/government/publications/local-authority-interactive-tool-lait",
        attribution="Contains public sector information licensed under the Open Government Licence v3.0 (DfE)",
    ),
}
INDICATORS: list[str] = []
MODELS = {"2021": "sn_2021", "2025": "sn_2025"}
DEFAULT_MODEL = "2025"
MODEL_LABELS = {
    "2021": "DfE statistical neighbours, April 2021 model",
    "2025": "DfE statistical neighbours, May 2025 model",
}
SHEET = "LA SN Groups"
N_NEIGHBOURS = 10


def _codes(ctx) -> dict[int, str]:
    """DfE LA number -> ONS code, from both children-looked-after editions (the newer wins)."""
    out = {}
    for key in ("cla", "cla_2025"):
        d = ctx.raw.csv(key, dtype=str)[["old_la_code", "new_la_code"]].dropna().drop_duplicates()
        out.update({int(o): n for o, n in zip(d.old_la_code, d.new_la_code) if o.strip().isdigit()})
    return out


def read_model(ctx, model: str) -> pd.DataFrame:
    key = MODELS[model]
    rel = ctx.raw.relpath(key)
    try:
        wb = openpyxl.load_workbook(ctx.raw.path(key), read_only=True, data_only=True)
        ws = wb[SHEET]
        rows = [list(r) for r in ws.iter_rows(values_only=True)]
        wb.close()
    except KeyError as e:
        raise RawDataError(f"{rel}: sheet {SHEET!r} is missing") from e
    except Exception as e:  # zip/openpyxl errors for a corrupt workbook
        raise RawDataError(f"{rel}: cannot be read as an Excel workbook ({e})") from e
    head = next((i for i, r in enumerate(rows[:10]) if r and r[0] == "LA num"), None)
    if head is None:
        raise RawDataError(f"{rel} [{SHEET}]: header row starting 'LA num' not found")
    header = [str(h).strip() if h is not None else "" for h in rows[head]]
    sn_cols = [header.index(f"SN{k}") for k in range(1, N_NEIGHBOURS + 1) if f"SN{k}" in header]
    if len(sn_cols) != N_NEIGHBOURS or "LA Name" not in header:
        raise RawDataError(f"{rel} [{SHEET}]: expected columns LA Name and SN1-SN{N_NEIGHBOURS}, found {header}")
    codes = _codes(ctx)
    out, unmapped = [], set()
    for r in rows[head + 1 :]:
        if not r or not isinstance(r[0], (int, float)):
            continue
        la = codes.get(int(r[0]))
        for k, c in enumerate(sn_cols, start=1):
            n = r[c]
            if not isinstance(n, (int, float)) and not str(n or "").strip().isdigit():
                continue  # blank or '-': fewer than ten neighbours (e.g. the Isles of Scilly)
            nb = codes.get(int(n))
            if la is None or nb is None:
                unmapped.add(int(r[0]) if la is None else int(n))
                continue
            out.append((model, la, k, nb, str(r[c + 1] or "").strip().capitalize(), int(r[0]), int(n)))
    df = pd.DataFrame(
        out, columns=["model", "la_code", "rank", "neighbour_code", "closeness", "la_number", "neighbour_number"]
    )
    if (df.la_code == BROMLEY).sum() != N_NEIGHBOURS:
        raise RawDataError(
            f"{rel} [{SHEET}]: expected {N_NEIGHBOURS} neighbours for Bromley (305), "
            f"found {(df.la_code == BROMLEY).sum()}"
        )
    if unmapped:
        ctx.log.append(
            f"{rel}: LA numbers with no ONS code in the children-looked-after files (left out): {sorted(unmapped)}"
        )
    return df


def neighbours_table(ctx) -> pd.DataFrame:
    return ctx.memo(
        "dfe_sn",
        lambda: (
            pd.concat([read_model(ctx, m) for m in MODELS], ignore_index=True)
            .sort_values(["model", "la_code", "rank"])
            .reset_index(drop=True)
        ),
    )


def bromley_neighbours(ctx, model: str = DEFAULT_MODEL) -> list[str]:
    t = neighbours_table(ctx)
    return t[(t.model == model) & (t.la_code == BROMLEY)].sort_values("rank").neighbour_code.tolist()
