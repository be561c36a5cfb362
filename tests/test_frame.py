"""The app's frame (AppTest): modes held by the session across pages, links that carry them,
who may change data, text shown as text, and a running server that sees command-line changes."""

from __future__ import annotations

import re
import types
from pathlib import Path

import pytest
from council_extract import save_neet_extract
from streamlit.testing.v1 import AppTest

from ui.frame import PAGES

ROOT = Path(__file__).resolve().parents[1]
PAGE_FILES = [f for f, _, _, _ in PAGES]


@pytest.fixture(autouse=True)
def _defaults(monkeypatch):
    import os

    from ui.data import reload_store

    for k in [k for k in os.environ if k.startswith("BWE_")]:
        monkeypatch.delenv(k)
    reload_store()
    yield
    reload_store()


def _app(**params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    _clean(at)
    return at


def _page(page: str, **params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    _clean(at)
    return at


def _clean(at):
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _banner(at) -> bool:
    return any("PUBLIC MODE" in w.value for w in at.warning)


def _switch(at, page_file: str):
    at.query_params.clear()  # as a sidebar click does: the new page's URL has none of the old parameters
    at.switch_page(page_file)
    at.run()
    _clean(at)
    return at


# ---- modes ---------------------------------------------------------------------------------------
def test_public_and_presentation_modes_survive_every_page_switch():
    at = _app(public="1", present="1")
    for f in PAGE_FILES[1:] + PAGE_FILES[:1]:
        _switch(at, f)
        assert at.query_params["public"] == "1" and at.query_params["present"] == "1", f
        assert at.toggle(key="app:public").value is True and at.toggle(key="app:present").value is True, f
        assert _banner(at), f


def test_switching_a_mode_off_holds_across_pages_and_url_can_switch_it_again():
    at = _app(public="1")
    at.toggle(key="app:public").set_value(False).run()
    _clean(at)
    assert at.query_params["public"] == "0" and not _banner(at)
    _switch(at, "pages/trends.py")
    assert at.query_params["public"] == "0" and not _banner(at)
    at.query_params["public"] = "1"  # a person edits the URL
    at.run()
    assert at.toggle(key="app:public").value is True and _banner(at)


def test_locked_deployment_ignores_url_and_toggle(monkeypatch):
    monkeypatch.setenv("BWE_PUBLIC_LOCKED", "1")
    at = _app(public="0")
    assert at.toggle(key="app:public").value is True and at.toggle(key="app:public").disabled
    assert at.query_params["public"] == "1" and _banner(at)
    _switch(at, "pages/map.py")
    assert at.query_params["public"] == "1" and _banner(at)


def test_every_generated_link_carries_the_modes():
    at = _page("overview", public="1", present="1")
    links = [m for md in at.markdown for m in re.findall(r"\]\((\./[^)]+)\)", md.value)]
    assert len(links) >= 6, links  # five tiles' trends, the top wards, the hotspots link
    for link in links:
        assert "public=1" in link and "present=1" in link, link
    at = _page("overview")
    links = [m for md in at.markdown for m in re.findall(r"\]\((\./[^)]+)\)", md.value)]
    assert links and not any("public=" in u for u in links)


def test_page_icon_is_drawn_locally_not_a_cdn_icon_name():
    from PIL import Image

    from ui.frame import page_icon

    assert isinstance(page_icon(), Image.Image)
    assert ":material/" not in (ROOT / "ui" / "frame.py").read_text().split("def run")[1].split("st.navigation")[0]


# ---- text from files and URLs is shown as text -----------------------------------------------------
@pytest.mark.parametrize(
    "evil",
    [
        "[click](https://evil.example/x)",
        "![img](https://evil.example/p.png)",
        ":material/warning: :red[alarm]",
        "<img src=x onerror=alert(1)>",
        "**bold** _it_ `code`",
        "www.evil.example and https://evil.example",
    ],
)
def test_plain_text_neutralises_markdown_links_images_html_and_shortcodes(evil):
    from ui.text import plain

    out = plain(evil)
    assert "](" not in out.replace("\\](", "").replace("\\]\\(", "")
    assert not re.search(r"(?<!\\)[\[\]()<>*_`]", out), out
    assert "://" not in out and ":material/" not in out and ":red[" not in out
    assert out.replace("\\", "").replace("\u200b", "") == evil


def test_url_notice_shows_a_hostile_value_as_text():
    at = _page("map", indicator="[x](https://evil.example):material/warning:")
    notices = [i.value for i in at.info if "is not (all) available" in i.value]
    assert notices and "](" not in notices[0].replace("\\]\\(", "") and ":material" not in notices[0]


# ---- who may change data ---------------------------------------------------------------------------
def _writable(at) -> bool:
    return (
        any(b.label.startswith("Load as") for b in at.button)
        or any(b.label == "Remove" for b in at.button)
        or bool(at.get("file_uploader"))
    )


def _extract(data: Path, name="council_file.csv"):
    """Three wards with counts below 5 (2 each), the rest 30 or more."""
    return save_neet_extract(data, name, lambda i, _: 2 if i < 3 else 30 + i, actor="test")


def test_upload_page_is_read_only_by_default_and_explains_the_cli(data_copy, monkeypatch):
    monkeypatch.setenv("BWE_DATA_DIR", str(data_copy))
    _extract(data_copy)
    at = _page("upload")
    assert not _writable(at)
    assert any("not enabled on this server" in i.value for i in at.info)
    assert any("python -m loaders import" in c.value for c in at.code)
    assert not any("Change log" in e.label for e in at.expander)


def test_upload_controls_need_the_administrators_opt_in(data_copy, monkeypatch):
    monkeypatch.setenv("BWE_DATA_DIR", str(data_copy))
    monkeypatch.setenv("BWE_ALLOW_UPLOADS", "1")
    _extract(data_copy)
    at = _page("upload")
    assert any(b.label == "Remove" for b in at.button)
    assert any("Change log" in e.label for e in at.expander)
    text = " ".join(m.value for m in at.markdown)
    assert "council\\_file\\.csv" in text and "sha256" in text
    # in public mode the same officer's page writes nothing and names no file or hash
    at = _page("upload", public="1")
    assert not _writable(at)
    text = " ".join(m.value for m in at.markdown)
    assert "council" in text.lower() and "council\\_file" not in text and "sha256" not in text


def test_remove_from_the_page_is_logged_with_who(data_copy, monkeypatch):
    from loaders import extracts

    monkeypatch.setenv("BWE_DATA_DIR", str(data_copy))
    monkeypatch.setenv("BWE_ALLOW_UPLOADS", "1")
    _extract(data_copy)
    at = _page("upload")
    next(b for b in at.button if b.label == "Remove").click().run()
    assert not (data_copy / "local" / "neet.parquet").exists()
    log = extracts.changes(data_copy)
    assert list(log.action) == ["load", "remove"] and log.who.iloc[-1] == "browser (BWE_ALLOW_UPLOADS)"


def test_locked_deployment_is_read_only_even_with_uploads_allowed(data_copy, monkeypatch):
    monkeypatch.setenv("BWE_DATA_DIR", str(data_copy))
    monkeypatch.setenv("BWE_ALLOW_UPLOADS", "1")
    monkeypatch.setenv("BWE_PUBLIC_LOCKED", "1")
    _extract(data_copy)
    at = _page("upload")
    assert not _writable(at)
    assert any("public deployment" in i.value for i in at.info)


def test_sign_in_allow_list(monkeypatch):
    """With OIDC configured, only a signed-in officer on the allow-list may write."""
    from ui import auth

    secrets = {"auth": {"redirect_uri": "x"}, "bwe": {"officers": ["A.Officer@bromley.gov.uk"]}}
    monkeypatch.setattr(auth, "_secrets", lambda: secrets)
    monkeypatch.setattr(auth.modes, "current", lambda: types.SimpleNamespace(public=False, present=False, threshold=5))
    for email, ok in ((None, False), ("someone@else.org", False), ("a.officer@bromley.gov.uk", True)):
        monkeypatch.setattr(auth, "_signed_in_email", lambda e=email: e)
        assert (auth.writer() is not None) is ok, email
        assert (auth.read_only_reason() is None) is ok
    monkeypatch.setattr(auth, "_secrets", lambda: {})
    assert auth.read_only_reason() == "Loading extracts from the browser is not enabled on this server."


# ---- a running server sees command-line changes ---------------------------------------------------
def _neet_numerators(at) -> list[float]:
    df = next(d.value for d in at.dataframe if "numerator" in d.value.columns)
    return sorted(df.numerator.dropna().astype(float).tolist())


def test_running_server_sees_cli_import_and_removal(data_copy, monkeypatch):
    from loaders.__main__ import main as cli

    monkeypatch.setenv("BWE_DATA_DIR", str(data_copy))
    # the council's NEET "2024" (below) is DfE's December 2023-February 2024 average: it replaces 2023/24
    at = _page("map", indicator="neet", geography="ward2022", period="2023/24")
    illustrative = _neet_numerators(at)
    assert len(illustrative) == 22
    csv = data_copy / "council.csv"
    from loaders.store import Store

    codes = sorted(Store(data_copy).areas("ward2022").area_code)
    csv.write_text(
        "ward_code,period,numerator,denominator\n"
        + "".join(f"{c},2024,{3 + i},{300 + i}\n" for i, c in enumerate(codes))
    )
    assert cli(["--data", str(data_copy), "import", str(csv), "--indicator", "neet"]) in (0, None)
    at.run()
    _clean(at)
    assert _neet_numerators(at) == [float(3 + i) for i in range(22)]
    assert cli(["--data", str(data_copy), "remove", "--indicator", "neet"]) in (0, None)
    at.run()
    _clean(at)
    assert _neet_numerators(at) == illustrative


# ---- what the public can work out; what a file name can do ------------------------------------
EVIL = "[x](https:evil.example) ![i](https:evil.example-p.png) :warning: :red[alarm] <b>b<b>.csv"  # no "/"


def _all_text(at) -> str:
    parts = [
        e.value
        for kind in ("markdown", "caption", "info", "warning", "success", "error", "code")
        for e in getattr(at, kind)
    ]
    parts += [t.value.to_csv() for t in list(at.dataframe) + list(at.table)]
    parts += [e.label for e in at.expander]
    return "\n".join(str(p) for p in parts)


def test_public_mode_shows_no_hash_file_name_or_note_of_a_council_extract(data_copy, monkeypatch):
    monkeypatch.setenv("BWE_DATA_DIR", str(data_copy))
    res = _extract(data_copy, name="council_neet_2024.csv")
    secrets = [res.sha256, res.sha256[:12], "council_neet_2024", "council\\_neet\\_2024"]
    for page, params in (
        ("methods", {}),
        ("upload", {}),
        ("map", {"indicator": "neet", "period": "2023/24"}),  # the extract's "2024" (NEET: Dec-Feb)
        ("trends", {"indicator": "neet", "areas": "E09000006,E05013987"}),
        ("ward", {"ward": "E05013987"}),
    ):
        text = _all_text(_page(page, public="1", **params))
        assert not [s for s in secrets if s in text], (page, [s for s in secrets if s in text])
    # officers, outside public mode, still see where the figures came from
    text = _all_text(_page("methods"))
    assert res.sha256 in text


def test_a_file_name_is_shown_as_text_in_source_captions(data_copy, monkeypatch):
    monkeypatch.setenv("BWE_DATA_DIR", str(data_copy))
    _extract(data_copy, name=EVIL)
    for page, params in (
        ("map", {"indicator": "neet", "period": "2023/24"}),  # the extract's "2024" (NEET: Dec-Feb)
        ("trends", {"indicator": "neet", "areas": "E09000006,E05013987"}),
    ):
        at = _page(page, **params)
        shown = [c.value for c in at.caption if "evil" in c.value]
        assert shown, (page, [c.value for c in at.caption])
        for text in shown:
            assert not re.search(r"(?<!\\)[\[\]()<>]", text), text  # no link, image or tag survives
            assert ":warning:" not in text and ":red[" not in text
