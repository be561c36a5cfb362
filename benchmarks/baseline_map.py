"""Naive baseline for the benchmarks: the map explorer as a typical analyst would write it.

Everything is read from disk on every run (GeoJSON with GeoPandas, values with
pandas), nothing is cached, and the map is a folium choropleth shown with
streamlit-folium. It offers the same choices as pages/map.py on 2022 wards
(indicator, period, comparator, colour by quintile or comparison) and shows the
map, a ranking bar chart and the table.

Not part of the app: only benchmarks/run.py uses it
(`streamlit run benchmarks/baseline_map.py` also works). Folium loads Leaflet
from a CDN, so offline the map tile area stays blank in a browser; the benchmark
only measures rerun time and bytes sent, never fetches anything.
"""

from pathlib import Path

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

ROOT = Path(__file__).resolve().parents[1]
GEOJSON = ROOT.parent / "shared" / "data" / "raw" / "wards_2022_E09000006.geojson"
VALUES = ROOT / "data" / "values.parquet"
INDICATORS = ROOT / "data" / "indicators.parquet"
COMPARATORS = {"Bromley": "E09000006", "London": "E12000007", "England": "E92000001"}

st.title("Map explorer (baseline)")

values = pd.read_parquet(VALUES)
indicators = pd.read_parquet(INDICATORS)
wards = gpd.read_file(GEOJSON)

names = dict(zip(indicators.indicator_id, indicators.name))
ward_values = values[(values.area_type == "ward2022") & (values.breakdown == "All")]
ind_options = [i for i in indicators.indicator_id if i in set(ward_values.indicator_id)]

c1, c2, c3, c4 = st.columns(4)
indicator = c1.selectbox(
    "Indicator", ind_options, index=ind_options.index("idaci"), format_func=names.get, key="indicator"
)
periods = sorted(ward_values[ward_values.indicator_id == indicator].period.unique(), reverse=True)
period = c2.selectbox("Period", periods, key="period")
comparator = c3.selectbox("Comparator", list(COMPARATORS), index=2, key="comparator")
colour = c4.selectbox("Colour by", ["quintile", "compare"], key="colour")

df = ward_values[(ward_values.indicator_id == indicator) & (ward_values.period == period)].copy()
comp = values[
    (values.indicator_id == indicator)
    & (values.period == period)
    & (values.area_code == COMPARATORS[comparator])
    & (values.breakdown == "All")
]
comp_value = comp.value.iloc[0] if len(comp) else np.nan

df["quintile"] = pd.qcut(df.value.rank(method="first"), 5, labels=[1, 2, 3, 4, 5]).astype(int)
df["compare"] = np.where(df.lower95 > comp_value, "higher", np.where(df.upper95 < comp_value, "lower", "similar"))
df.loc[df.lower95.isna() | np.isnan(comp_value), "compare"] = "not compared"

gdf = wards[["WD22CD", "WD22NM", "geometry"]].merge(
    df[["area_code", "value", "lower95", "upper95", "quintile", "compare"]],
    left_on="WD22CD",
    right_on="area_code",
    how="left",
)
gdf["value"] = gdf.value.round(1)

m = folium.Map(location=[51.37, 0.05], zoom_start=11)
if colour == "quintile":
    ch = folium.Choropleth(
        geo_data=gdf,
        data=gdf,
        columns=["WD22CD", "value"],
        key_on="feature.properties.WD22CD",
        fill_color="YlOrRd",
        bins=5,
        fill_opacity=0.7,
        line_opacity=0.5,
        legend_name=f"{names[indicator]} ({period})",
    ).add_to(m)
    folium.GeoJsonTooltip(fields=["WD22NM", "value", "quintile"], aliases=["Ward", "Value", "Quintile"]).add_to(
        ch.geojson
    )
else:
    palette = {"higher": "#d7191c", "similar": "#ffffbf", "lower": "#2c7bb6", "not compared": "#bbbbbb"}
    folium.GeoJson(
        gdf,
        style_function=lambda f: {
            "fillColor": palette.get(f["properties"]["compare"], "#bbbbbb"),
            "color": "#444",
            "weight": 1,
            "fillOpacity": 0.7,
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["WD22NM", "value", "compare"], aliases=["Ward", "Value", f"vs {comparator}"]
        ),
    ).add_to(m)
st_folium(m, width=700, height=500)

st.subheader("Ranking")
st.bar_chart(gdf.sort_values("value", ascending=False).set_index("WD22NM").value)
st.subheader("Table")
table = gdf.drop(columns="geometry").sort_values("value", ascending=False)
st.dataframe(table, hide_index=True)
st.download_button("Download CSV", table.to_csv(index=False).encode(), file_name=f"{indicator}_{period}.csv")
