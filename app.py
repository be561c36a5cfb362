"""Bromley Ward Explorer: navigation only. Run with `streamlit run app.py`."""
import streamlit as st

st.set_page_config(page_title="Bromley Ward Explorer", page_icon=":material/map:", layout="wide")

pages = [
    st.Page("pages/explorer.py", title="Map explorer", icon=":material/map:", url_path="explorer", default=True),
]
st.navigation(pages).run()
