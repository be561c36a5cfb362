"""Hotspots: which wards are flagged on several indicators at once."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from charts import compose, describe, maps, style
from charts import hotspots as hchart
from exports import images
from exports import view as views
from loaders.codes import GEOGRAPHY_LABELS, WARD_SCHEMES
from loaders.topology import with_properties
from model import data_age, explore, provenance
from model import hotspots as hs
from ui import display, downloads, notices, router, sizes
from ui.data import store
from ui.modes import presenting
from ui.state import UrlState
from ui.text import plain


def main() -> None:
    s = store()
    url = UrlState("hotspots")
    st.title("Hotspots across indicators")
    st.caption("Which wards stand out on several indicators at once: poverty, obesity, NEET and care by default.")
    c1, c2, c3, c4 = st.columns([2, 3, 2, 2])
    with c1:
        geography = url.select("geography", "Ward scheme", list(WARD_SCHEMES), format_func=GEOGRAPHY_LABELS.get)
    names = hs.catalogue(s)  # every indicator, so a choice survives a switch to a scheme without it
    here = set(hs.candidates(s, geography).indicator_id)
    with c2:
        rule = url.select(
            "rule", "Flag a ward when it is in the…", list(hs.RULE_LABELS), format_func=hs.RULE_LABELS.get
        )
    with c3:
        comparator = url.select(
            "comparator",
            "Comparator",
            list(explore.COMPARATOR_LABELS),
            "england",
            format_func=explore.COMPARATOR_LABELS.get,
        )
    with c4:
        level = url.select("level", "Confidence level", list(explore.LEVELS), "95", format_func=lambda v: f"{v}%")
    picked = url.multi(
        "indicators",
        "Indicators",
        list(names),
        hs.DEFAULT_INDICATORS,
        format_func=lambda i: names[i] if i in here else f"{names[i]} – not on this ward scheme",
    )
    url.show_notices()
    chosen = [i for i in picked if i in here]
    missing = [names[i] for i in picked if i not in here]
    if missing:
        st.info(
            f"No figures on {GEOGRAPHY_LABELS[geography]} for {', '.join(missing)}, so they are left out. "
            "They stay selected and count again on a ward scheme that has them.",
            icon=":material/visibility_off:",
        )
    if not chosen:
        st.info("Choose at least one indicator available on this ward scheme.")
        return
    big = presenting()
    row = sizes.bar_height() if big else hchart.ROW_HEIGHT  # px per ward: the matrix and the bars

    def build():
        res = hs.hotspots(s, chosen, geography, rule, comparator, level)
        sub = style.subtitle_lines(
            indicator=f"{len(chosen)} indicators",
            period="latest period of each",
            geography=GEOGRAPHY_LABELS[geography],
            comparator=res["comparator_label"],
            illustrative=res["illustrative_names"] or res["illustrative"],
            estimate=res["estimate"],
            extra=[f"Rule: {hs.RULE_LABELS[rule]} ({level}% intervals)", *res["council"]],
        )
        kw = dict(
            reasons=hs.REASONS,
            order=res["scores"].area_name.tolist(),
            names={i: names[i] for i in chosen},
            subtitle=sub,
        )
        about = dict(
            n_indicators=len(chosen),
            geography=GEOGRAPHY_LABELS[geography],
            rule=hs.RULE_LABELS[rule],
            comparator=res["comparator_label"],
        )
        texts = {k: describe.hotspot_text(res["scores"], kind=k, **about) for k in ("matrix", "map", "bars")}
        return {
            "res": res,
            "matrix_kw": kw,
            "texts": texts,
            "matrix": compose.hotspot_matrix(res["matrix"], row_height=row, big=big, **kw).spec(big=big),
            "map": _count_map(s, res["scores"], geography, len(chosen), sub, big=big).spec(big=big),
            "bars": hchart.count_bars(
                res["scores"], len(chosen), row_height=row, title=style.title_block("Wards ranked by flags")
            ).spec(big=big),
        }

    v = display.memo(("hotspots", tuple(chosen), geography, rule, comparator, level), build)
    res, matrix_kw = v["res"], v["matrix_kw"]
    notices.data_status_banners(res["illustrative_names"], res["estimate"])
    for line in res["council"]:
        st.caption(plain(line))
    ages = data_age.indicator_ages(s, chosen, geography)
    st.caption("**Data age.** " + plain(data_age.statement(ages)))
    used = res["used"]
    note = hs.untested_note(used, rule, geography, res["comparator_label"])
    if note:
        (st.warning if note[0] == "warning" else st.caption)(note[1])

    scores = res["scores"]
    top = scores[scores.n_flagged == scores.n_flagged.max()]
    if scores.n_flagged.max() > 0:
        st.markdown(
            f"**Most flagged:** {', '.join(plain(n) for n in top.area_name)} "
            f"({int(top.n_flagged.iloc[0])} of {len(chosen)} indicators)."
        )
    order = scores.area_name.tolist()
    source = notices.source_caption(s, pd.DataFrame({"source_id": sorted(set(res["source_ids"]))}))
    left, right = st.columns([3, 2]) if not big else (st.container(), st.container())
    legend_rows = -(-int(res["matrix"].reason.nunique()) // 2)  # two columns
    with left:
        display.show_spec(
            v["matrix"],
            height=row * len(order)
            + sizes.chrome_height(
                subtitle_lines=len(matrix_kw["subtitle"]),
                legend_rows=legend_rows,
                axis_lines=hchart.x_label_lines(list(matrix_kw["names"].values()), style.sizes(big)["label"]),
            ),
            description=v["texts"]["matrix"],
        )
        downloads.export_buttons(
            lambda: compose.hotspot_matrix(res["matrix"], width=images.WIDTH - 200, **matrix_kw),
            source,
            res["matrix"],
            f"hotspot_matrix_{geography}",
            key="hot_matrix",
        )
    with right:
        display.show_spec(
            v["map"], description=v["texts"]["map"], subtitle_chars=60 if big else 44
        )  # a third of the page
        downloads.export_buttons(
            lambda: _count_map(s, scores, geography, len(chosen), matrix_kw["subtitle"], width=images.WIDTH),
            source,
            scores,
            f"hotspot_map_{geography}",
            key="hot_map",
        )
        display.show_spec(
            v["bars"], height=row * len(order) + sizes.chrome_height(axis_lines=2), description=v["texts"]["bars"]
        )
        downloads.export_buttons(
            lambda: hchart.count_bars(
                scores,
                len(chosen),
                width=images.WIDTH - 200,
                title=style.title_block("Wards ranked by flags", matrix_kw["subtitle"]),
            ),
            source,
            scores,
            f"hotspot_ranking_{geography}",
            key="hot_bars",
        )
    downloads.board_pack_buttons(
        views.HotspotView(tuple(picked), geography, rule, comparator, level, **views.mode(s)), key="hot_pack"
    )
    st.subheader("Indicators used")
    st.dataframe(used.assign(comparator_value=used.comparator_value.round(2)), hide_index=True, width="stretch")
    table = scores[["area_code", "area_name", "n_flagged", "n_indicators", "flagged_names"]]
    st.download_button(
        "Download hotspot table (CSV)",
        table.assign(
            data_status="; ".join(
                [f"includes ILLUSTRATIVE data ({', '.join(res['illustrative_names'])})"] * bool(res["illustrative"])
                + [f"includes {c}" for c in provenance.council_labels(s, res["source_ids"])]
            )
            or "published"
        )
        .to_csv(index=False)
        .encode(),
        file_name=("ILLUSTRATIVE_" if res["illustrative"] else "") + f"hotspots_{geography}.csv",
        mime="text/csv",
        on_click="ignore",
    )
    st.dataframe(table, hide_index=True, width="stretch")
    st.subheader("Flags by kind of data")
    st.caption(
        "How many of each ward's flags come from current observed data, old data, ESTIMATES"
        + (" and ILLUSTRATIVE (modelled) figures." if res["illustrative"] else ".")
    )
    st.dataframe(data_age.flags_by_kind(res["matrix"], ages), hide_index=True, width="stretch")
    with st.expander("Ward × indicator matrix as a table"):  # the matrix chart's cells, as text
        st.dataframe(
            res["matrix"][["area_name", "indicator_id", "value", "quintile", "comparison", "reason"]]
            .assign(indicator=res["matrix"].indicator_id.map(names))
            .drop(columns="indicator_id"),
            hide_index=True,
            width="stretch",
        )


def _count_map(s, scores, geography, n, sub, width="container", big=False):
    props = s.areas(geography)[["area_code"]].merge(scores, on="area_code", how="left")
    props["category"] = props.n_flagged.fillna(0).astype(int).map(lambda k: f"{k} of {n}")
    props["label"] = props.flagged_names.fillna("")
    domain = [f"{k} of {n}" for k in range(n + 1)]
    colours = hchart.count_colours(n + 1)
    return maps.choropleth(
        with_properties(s.topology(geography), props[["area_code", "area_name", "category", "label"]]),
        colour_field="category",
        colour_title="Indicators flagged",
        domain=domain,
        colours=colours,
        tooltip=[("area_name", "Ward"), ("category", "Flagged"), ("label", "On")],
        selectable=False,
        height=sizes.MAP_HEIGHT_BIG if big else 380,
        width=width,
        legend_orient="right" if big else "bottom",
        title=style.title_block("Number of flags", sub),
    )


router.run(main)
