"""One HTTP client for every publisher: retries with backoff, timeouts, verified atomic downloads.

* urllib3 ``Retry`` on the session retries connection errors, read errors before a response, and
  429/500/502/503/504 answers, with exponential backoff (``Retry-After`` honoured).
* Every request has a (connect, read) timeout: nothing waits for ever.
* A body that breaks off (a truncated download, a read timeout in the middle, a Content-Length that
  does not match) is retried by :meth:`Client.download` itself, since urllib3 does not retry a body
  that already started; after the last attempt it raises :class:`FetchError`.
* :meth:`Client.download` streams to a hidden ``.part`` file beside the destination and moves it into
  place with ``os.replace`` only when the body is complete, so a failed or killed download never
  leaves a half-written file under the real name.

Every failure is a :class:`FetchError` whose message is one line a person can act on.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from loaders.refresh.util import now_utc, sha256_file  # noqa: F401  (sha256_file: re-exported)

USER_AGENT = "bromley-ward-explorer-refresh/1 (+https://github.com/)"
RETRY_STATUSES = (429, 500, 502, 503, 504)


class FetchError(RuntimeError):
    """A request failed after its retries; the message is one line."""


@dataclass
class Fetched:
    """What a download or JSON call returned, with the HTTP metadata kept in the manifest."""

    url: str
    status: int
    headers: dict = field(default_factory=dict)
    fetched_at: str = ""
    sha256: str = ""
    bytes: int = 0
    not_modified: bool = False

    def manifest(self) -> dict:
        h = {k.lower(): v for k, v in self.headers.items()}
        return {
            "url": self.url,
            "fetched_at": self.fetched_at,
            "status": self.status,
            "etag": h.get("etag"),
            "last_modified": h.get("last-modified"),
            "content_type": h.get("content-type"),
            "content_length": _int(h.get("content-length")),
            "sha256": self.sha256,
            "bytes": self.bytes,
        }


def _int(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def _env_float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


class Client:
    """A ``requests`` session with retries and timeouts, shared by every source in one refresh."""

    def __init__(
        self,
        *,
        timeout: tuple[float, float] | None = None,
        retries: int | None = None,
        backoff: float | None = None,
        progress: bool = True,
    ):
        self.timeout = timeout or (
            _env_float("BWE_REFRESH_CONNECT_TIMEOUT", 10.0),
            _env_float("BWE_REFRESH_READ_TIMEOUT", 60.0),
        )
        self.retries = int(_env_float("BWE_REFRESH_RETRIES", 3)) if retries is None else retries
        self.backoff = _env_float("BWE_REFRESH_BACKOFF", 1.0) if backoff is None else backoff
        self.progress = progress
        self.requests = 0  # attempts at the application level (urllib3's own retries come on top)
        self.session = requests.Session()
        retry = Retry(
            total=self.retries,
            connect=self.retries,
            read=self.retries,
            status=self.retries,
            other=0,
            backoff_factor=self.backoff,
            backoff_max=30,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET", "HEAD", "POST"}),
            respect_retry_after_header=True,
            raise_on_status=False,
        )
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = USER_AGENT

    def close(self) -> None:
        self.session.close()

    # ------------------------------------------------------------------ requests
    def _request(
        self, method: str, url: str, *, params=None, json_body=None, headers=None, stream=False
    ) -> requests.Response:
        self.requests += 1
        try:
            r = self.session.request(
                method, url, params=params, json=json_body, headers=headers, timeout=self.timeout, stream=stream
            )
        except requests.exceptions.RetryError as e:
            raise FetchError(f"{_short(url)}: still failing after {self.retries} retries ({_reason(e)})") from None
        except requests.exceptions.Timeout:
            raise FetchError(
                f"{_short(url)}: timed out (connect {self.timeout[0]:g} s, read {self.timeout[1]:g} s) "
                f"after {self.retries} retries"
            ) from None
        except requests.exceptions.ConnectionError as e:
            raise FetchError(f"{_short(url)}: cannot connect after {self.retries} retries ({_reason(e)})") from None
        except requests.exceptions.RequestException as e:
            raise FetchError(f"{_short(url)}: request failed ({_reason(e)})") from None
        if r.status_code == 304:
            return r
        if r.status_code >= 400:
            text = ""
            with contextlib.suppress(Exception):
                text = " ".join(r.text.split())[:160]
            r.close()
            extra = f" after {self.retries} retries" if r.status_code in RETRY_STATUSES else ""
            raise FetchError(
                f"{_short(r.url)}: HTTP {r.status_code} {r.reason or ''}{extra}".rstrip()
                + (f": {text}" if text else "")
            )
        return r

    def get_json(self, url: str, *, params=None, method: str = "GET", json_body=None, headers=None):
        """GET (or POST) and parse JSON; a body that is not JSON is a FetchError. Returns (data, Fetched)."""
        for attempt in range(self.retries + 1):
            r = self._request(method, url, params=params, json_body=json_body, headers=headers, stream=True)
            try:
                body = r.content
            except (
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ConnectionError,
                requests.exceptions.Timeout,
            ) as e:
                if attempt < self.retries:
                    self._sleep(attempt)
                    continue
                raise FetchError(f"{_short(r.url)}: body broke off ({_reason(e)})") from None
            try:
                data = json.loads(body)
            except ValueError:
                raise FetchError(
                    f"{_short(r.url)}: the answer is not JSON "
                    f"({r.headers.get('content-type', 'no content type')}, {len(body)} bytes)"
                ) from None
            return data, Fetched(
                url=r.url,
                status=r.status_code,
                headers=dict(r.headers),
                fetched_at=now_utc(),
                sha256=hashlib.sha256(body).hexdigest(),
                bytes=len(body),
            )
        raise AssertionError("unreachable")

    def download(
        self,
        url: str,
        dest: Path,
        *,
        params=None,
        headers=None,
        label: str | None = None,
        previous: dict | None = None,
        method: str = "GET",
        json_body=None,
    ) -> Fetched:
        """Stream ``url`` to ``dest`` atomically; returns the HTTP metadata.

        ``previous`` (a manifest entry) makes the request conditional (If-None-Match / If-Modified-Since):
        a 304 answer returns ``Fetched(not_modified=True)`` and writes nothing.
        """
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        hdrs = dict(headers or {})
        if previous:
            if previous.get("etag"):
                hdrs["If-None-Match"] = previous["etag"]
            if previous.get("last_modified"):
                hdrs["If-Modified-Since"] = previous["last_modified"]
        last_error = ""
        for attempt in range(self.retries + 1):
            r = self._request(method, url, params=params, json_body=json_body, headers=hdrs, stream=True)
            if r.status_code == 304:
                r.close()
                return Fetched(url=r.url, status=304, headers=dict(r.headers), fetched_at=now_utc(), not_modified=True)
            tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
            try:
                fetched = self._stream(r, tmp, label or dest.name)
            except _BodyError as e:
                last_error = str(e)
                tmp.unlink(missing_ok=True)
                if attempt < self.retries:
                    self._sleep(attempt)
                    continue
                raise FetchError(f"{_short(r.url)}: {last_error} (after {self.retries} retries)") from None
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            finally:
                r.close()
            os.replace(tmp, dest)
            return fetched
        raise FetchError(f"{_short(url)}: {last_error}")

    def _stream(self, r: requests.Response, tmp: Path, label: str) -> Fetched:
        expected = _int(r.headers.get("content-length"))
        encoded = r.headers.get("content-encoding", "identity").lower() not in ("", "identity")
        h = hashlib.sha256()
        n = 0
        bar = _bar(expected if not encoded else None, label, self.progress)
        try:
            with open(tmp, "wb") as f:
                try:
                    for chunk in r.iter_content(chunk_size=64 * 1024):
                        f.write(chunk)
                        h.update(chunk)
                        n += len(chunk)
                        bar.update(len(chunk))
                except (
                    requests.exceptions.ChunkedEncodingError,
                    requests.exceptions.ConnectionError,
                    requests.exceptions.Timeout,
                ) as e:
                    raise _BodyError(
                        f"download broke off after {n:,} bytes"
                        + (f" of {expected:,}" if expected and not encoded else "")
                        + f" ({_reason(e)})"
                    ) from None
                f.flush()
                os.fsync(f.fileno())
        finally:
            bar.close()
        wire = r.raw.tell() if hasattr(r.raw, "tell") else n
        if expected is not None and wire != expected:
            raise _BodyError(f"incomplete download: {wire:,} of {expected:,} bytes")
        return Fetched(
            url=r.url,
            status=r.status_code,
            headers=dict(r.headers),
            fetched_at=now_utc(),
            sha256=h.hexdigest(),
            bytes=n,
        )

    def _sleep(self, attempt: int) -> None:
        time.sleep(min(30.0, self.backoff * (2**attempt)))


class _BodyError(Exception):
    pass


class _NoBar:
    def update(self, n):
        pass

    def close(self):
        pass


def _bar(total, label, enabled):
    if not enabled:
        return _NoBar()
    from tqdm import tqdm  # noqa: PLC0415 (only with a terminal)

    return tqdm(
        total=total,
        desc=label[:40],
        unit="B",
        unit_scale=True,
        unit_divisor=1024,
        leave=False,
        file=sys.stderr,
        disable=not sys.stderr.isatty(),
    )


def _short(url: str) -> str:
    return url if len(url) <= 160 else url[:157] + "..."


def _reason(e: BaseException) -> str:
    """The innermost cause of a requests/urllib3 error, as a few words."""
    seen = e
    for _ in range(6):
        nxt = getattr(seen, "reason", None) or (
            seen.args[0] if seen.args and isinstance(seen.args[0], BaseException) else None
        )
        if not isinstance(nxt, BaseException) or nxt is seen:
            break
        seen = nxt
    text = str(seen) or type(seen).__name__
    text = text.split(": ", 1)[-1] if "object at 0x" in text else text
    return " ".join(text.split())[:140]
