"""The one HTTP client of the evidence watch: polite, rate-limited, retrying, cached.

- User-Agent names the tool and a contact, as Crossref's etiquette asks ("mailto:" in the
  User-Agent sends requests to its polite pool); NCBI E-utilities get `tool` and `email`
  parameters (and `api_key` when NCBI_API_KEY is set).
- Retries with exponential backoff on 429 and 5xx (urllib3 Retry, honouring Retry-After).
- A minimum interval between requests to the same host: NCBI allows 3 requests a second
  without a key (10 with one); Crossref and ClinicalTrials.gov get a gentle pace too, and
  Crossref's X-Rate-Limit-* headers slow it further when they ask for less.
- Responses (200 and 404) are cached on disk in .cache/evidence-watch/ for a while
  (EVIDENCE_WATCH_CACHE_DAYS, default 6), so re-running within the week asks nothing again.
- The API key is a secret: it goes into the request only. The URL kept with a response (and
  so in the cache file) leaves it out, and every error message has it replaced.

Tests inject the transport: `Client(session=...)` with a session whose adapter answers from
recorded files, so no test touches the network.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

ROOT = Path(__file__).resolve().parents[2]
CACHE_DIR = ROOT / ".cache" / "evidence-watch"
TOOL_NAME = "ucmsc-ra-evidence-watch"
TOOL_VERSION = "1.0"

# Seconds between two requests to one host (the floor; servers may ask for more).
MIN_INTERVAL = {
    "eutils.ncbi.nlm.nih.gov": 0.34,  # < 3 requests/s without an API key
    "api.crossref.org": 0.2,
    "clinicaltrials.gov": 1.0,
}
NCBI_HOST = "eutils.ncbi.nlm.nih.gov"
# Parameters that identify us, not the query: left out of the cache key.
_IDENTITY_PARAMS = {"tool", "email", "api_key", "mailto"}


def redact(text: str) -> str:
    """``text`` with the NCBI API key, if one is set, replaced by its name."""
    key = os.environ.get("NCBI_API_KEY", "")
    return text.replace(key, "[NCBI_API_KEY]") if key else text


def public_url(url: str) -> str:
    """``url`` without its api_key parameter: what may be stored or shown."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "api_key"]
    return redact(urlunsplit(parts._replace(query=urlencode(query))))


class NoNetwork(Exception):
    """No connection to a registry at all (DNS, refused, unreachable)."""


class FetchError(Exception):
    """One request failed after retries (HTTP error other than 404, timeout)."""


class Malformed(Exception):
    """A response that is not the JSON/shape the registry documents."""


@dataclass
class Response:
    status: int
    text: str
    url: str
    from_cache: bool = False

    def json(self) -> Any:
        try:
            return json.loads(self.text)
        except ValueError as exc:
            raise Malformed(f"not JSON ({exc.__class__.__name__}: {exc})") from None


def contact() -> tuple[str, str]:
    """(email, project URL) from the environment, with placeholders that say what to set."""
    email = os.environ.get("EVIDENCE_WATCH_EMAIL", "").strip() or "editors@example.org"
    url = os.environ.get("EVIDENCE_WATCH_URL", "").strip() or "https://github.com/OWNER/REPO"
    return email, url


def user_agent() -> str:
    email, url = contact()
    return f"{TOOL_NAME}/{TOOL_VERSION} ({url}; mailto:{email}) python-requests/{requests.__version__}"


def retry_policy(backoff: float = 1.0) -> Retry:
    """Exponential backoff (backoff, 2x, 4x ... seconds) on 429 and 5xx; Retry-After honoured."""
    return Retry(
        total=4,
        connect=1,
        read=2,
        status=4,
        backoff_factor=backoff,
        status_forcelist=(429, 500, 502, 503, 504),
        allowed_methods=frozenset({"GET"}),
        respect_retry_after_header=True,
        raise_on_status=False,
    )


def make_session(backoff: float = 1.0) -> requests.Session:
    session = requests.Session()
    adapter = HTTPAdapter(max_retries=retry_policy(backoff))
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


class DiskCache:
    """One JSON file per request under `directory`; entries older than `max_age` seconds are ignored."""

    def __init__(self, directory: Path, max_age: float, now: Callable[[], float] = time.time):
        self.directory = Path(directory)
        self.max_age = max_age
        self.now = now

    def _path(self, key: str) -> Path:
        return self.directory / (hashlib.sha256(key.encode()).hexdigest() + ".json")

    def get(self, key: str) -> Response | None:
        if self.max_age <= 0:
            return None
        path = self._path(key)
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            if self.now() - float(entry["fetched"]) > self.max_age:
                return None
            return Response(int(entry["status"]), entry["text"], entry["url"], from_cache=True)
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def put(self, key: str, response: Response) -> None:
        if self.max_age <= 0:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            entry = {"fetched": self.now(), "status": response.status, "url": response.url, "text": response.text}
            self._path(key).write_text(json.dumps(entry), encoding="utf-8")
        except OSError:
            pass  # a cache that cannot be written only costs requests


@dataclass
class Client:
    session: requests.Session | None = None
    cache: DiskCache | None = None
    timeout: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    requests_made: int = 0
    _last: dict[str, float] = field(default_factory=dict)
    _interval: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.session is None:
            self.session = make_session()
        if self.cache is None:
            days = float(os.environ.get("EVIDENCE_WATCH_CACHE_DAYS", "6") or 0)
            self.cache = DiskCache(CACHE_DIR, days * 86400)

    def _pace(self, host: str) -> None:
        interval = self._interval.get(host, MIN_INTERVAL.get(host, 0.5))
        if host == NCBI_HOST and os.environ.get("NCBI_API_KEY"):
            interval = min(interval, 0.11)  # 10 requests/s with a key
        last = self._last.get(host)
        if last is not None:
            wait = interval - (self.clock() - last)
            if wait > 0:
                self.sleep(wait)
        self._last[host] = self.clock()

    def _learn_rate(self, host: str, headers: Any) -> None:
        """Crossref advertises X-Rate-Limit-Limit: 50 and X-Rate-Limit-Interval: 1s; never go faster."""
        try:
            limit = int(headers.get("X-Rate-Limit-Limit", ""))
            window = float(str(headers.get("X-Rate-Limit-Interval", "")).rstrip("s"))
        except (TypeError, ValueError):
            return
        if limit > 0 and window > 0:
            floor = MIN_INTERVAL.get(host, 0.5)
            self._interval[host] = max(floor, window / limit)

    def get(self, url: str, params: dict[str, Any] | None = None) -> Response:
        """GET with cache, pacing and retries. 200 and 404 come back as a Response; anything
        else after retries raises FetchError; no connection at all raises NoNetwork."""
        params = dict(params or {})
        host = urlsplit(url).hostname or ""
        if host == NCBI_HOST:
            email, _ = contact()
            params.setdefault("tool", TOOL_NAME)
            params.setdefault("email", email)
            if os.environ.get("NCBI_API_KEY"):
                params.setdefault("api_key", os.environ["NCBI_API_KEY"])
        key_params = sorted((k, str(v)) for k, v in params.items() if k not in _IDENTITY_PARAMS)
        key = url + ("?" + urlencode(key_params) if key_params else "")
        cached = self.cache.get(key) if self.cache else None
        if cached is not None:
            return cached
        self._pace(host)
        try:
            raw = self.session.get(
                url, params=params, timeout=self.timeout,
                headers={"User-Agent": user_agent(), "Accept": "application/json"},
            )
        except requests.exceptions.ConnectionError as exc:
            raise NoNetwork(f"could not reach {host} ({_short(exc)})") from None
        except requests.exceptions.RequestException as exc:
            raise FetchError(f"{host}: {_short(exc)}") from None
        self.requests_made += 1
        self._learn_rate(host, raw.headers)
        response = Response(raw.status_code, raw.text, public_url(raw.url or key))
        if raw.status_code in (200, 404):
            if self.cache:
                self.cache.put(key, response)
            return response
        raise FetchError(f"{host} answered HTTP {raw.status_code} after retries")


def _short(exc: BaseException) -> str:
    """The root cause's name (NameResolutionError, ConnectTimeoutError ...) rather than urllib3's essay."""
    text = redact(str(exc))
    causes = re.findall(r"Caused by (\w+)\(", text)
    if causes:
        return causes[-1]
    return (text.splitlines()[0] if text else exc.__class__.__name__)[:160]
