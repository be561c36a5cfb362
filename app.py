"""Bromley Ward Explorer: navigation only. Run with `streamlit run app.py`.

Each page's URL path equals its file name in pages/ (see ui/router.py for why).
"""
import streamlit as st

st.set_page_config(page_title="Bromley Ward Explorer", page_icon=":material/map:", layout="wide")

pages = [
    st.Page("pages/overview.py", title="Overview", icon=":material/dashboard:", url_path="overview", default=True),
    st.Page("pages/map.py", title="Map explorer", icon=":material/map:", url_path="map"),
    st.Page("pages/hotspots.py", title="Hotspots", icon=":material/local_fire_department:", url_path="hotspots"),
    st.Page("pages/ward.py", title="Ward profile", icon=":material/location_on:", url_path="ward"),
    st.Page("pages/trends.py", title="Trends", icon=":material/show_chart:", url_path="trends"),
    st.Page("pages/methods.py", title="Data & methods", icon=":material/menu_book:", url_path="methods"),
    st.Page("pages/upload.py", title="Local extracts", icon=":material/upload_file:", url_path="upload"),
]
st.navigation(pages).run()
