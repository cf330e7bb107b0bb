"""Serve a built site the way GitHub Pages does, for measurements and the quality gates.

What GitHub Pages does, and this server copies:

- text resources (HTML, CSS, JavaScript, JSON, SVG, XML, plain text) are sent gzip-compressed
  to clients that accept it, with ``Vary: Accept-Encoding``;
- ``Cache-Control: max-age=600`` on every response;
- a directory URL without its trailing slash is redirected (301) to the slash form;
- a missing path gets the site's own ``404.html`` with status 404;
- the site lives under the path of its ``site_url`` (``/ucmsc-ra/`` for a project site), which
  Material's 404 page relies on: its links are absolute. The prefix is read from the built
  home page's canonical link.

Python's ``http.server`` sends everything uncompressed, so transfer sizes and Lighthouse scores
measured against it would not match what readers download. Usage::

    python tools/serve_gzip.py site            # http://127.0.0.1:8000/<prefix>/
    python tools/serve_gzip.py site --port 0   # any free port (printed)
"""

from __future__ import annotations

import argparse
import email.utils
import gzip
import http.server
import mimetypes
import posixpath
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from urllib.parse import unquote, urlsplit

COMPRESSIBLE = (
    "text/",
    "application/javascript",
    "application/json",
    "application/xml",
    "image/svg+xml",
    "application/manifest+json",
)
GZIP_LEVEL = 6  # zlib's default, a common server setting
CACHE_CONTROL = "max-age=600"  # GitHub Pages' value

mimetypes.add_type("application/javascript", ".js")
mimetypes.add_type("application/json", ".json")
mimetypes.add_type("image/svg+xml", ".svg")
mimetypes.add_type("application/manifest+json", ".webmanifest")


def content_type(path: Path) -> str:
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in ("application/javascript", "application/json", "image/svg+xml"):
        kind += "; charset=utf-8"
    return kind


def compressible(kind: str) -> bool:
    return kind.startswith(COMPRESSIBLE)


@lru_cache(maxsize=512)
def _gzipped(path: str, mtime_ns: int, size: int) -> bytes:
    """Compressed body of a file; cached per (path, mtime, size) so a rebuilt file is re-read."""
    return gzip.compress(Path(path).read_bytes(), compresslevel=GZIP_LEVEL, mtime=0)


def site_pages(site: Path) -> list[str]:
    """Every page of a built site, as a URL path relative to the site root ("" for the home page)."""
    pages = []
    for html in sorted(site.rglob("index.html")):
        rel = html.parent.relative_to(site).as_posix()
        pages.append("" if rel == "." else rel + "/")
    return pages


def site_prefix(directory: Path) -> str:
    """The URL path the site is published under ("/" or "/name/"), from its canonical link."""
    from html.parser import HTMLParser

    class Canonical(HTMLParser):  # attribute order and quotes vary with the minifier
        href = None

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "link" and attrs.get("rel") == "canonical" and self.href is None:
                self.href = attrs.get("href")

    finder = Canonical()
    finder.feed((Path(directory) / "index.html").read_text(encoding="utf-8", errors="replace"))
    path = urlsplit(finder.href).path if finder.href else "/"
    return path if path.endswith("/") else path + "/"


def resolve(root: Path, url_path: str, prefix: str = "/") -> tuple[str, Path | None]:
    """Map a URL path to ("file", path), ("redirect", None) or ("missing", None)."""
    if url_path + "/" == prefix:
        return "redirect", None
    if not url_path.startswith(prefix):
        return "missing", None
    url_path = "/" + url_path[len(prefix):]
    path = posixpath.normpath(unquote(url_path))
    parts = [p for p in path.split("/") if p not in ("", ".", "..")]
    target = root.joinpath(*parts)
    try:
        target.resolve().relative_to(root.resolve())
    except ValueError:
        return "missing", None
    if target.is_dir():
        if not url_path.endswith("/"):
            return "redirect", None
        target = target / "index.html"
    return ("file", target) if target.is_file() else ("missing", None)


class PagesLikeHandler(http.server.BaseHTTPRequestHandler):
    """GET/HEAD only; see the module docstring for the behaviour."""

    protocol_version = "HTTP/1.1"
    server_version = "serve_gzip"
    root: Path = Path(".")
    prefix: str = "/"

    def log_message(self, *args) -> None:  # measurements and tests want quiet output
        pass

    def version_string(self) -> str:
        return self.server_version

    def end_headers(self) -> None:
        self._header_bytes = sum(len(chunk) for chunk in getattr(self, "_headers_buffer", []))
        super().end_headers()

    def _record(self, body_bytes: int) -> None:
        """Bytes on the wire for this response (status line, headers, body): server.sent."""
        sent = getattr(self.server, "sent", None)
        if sent is None:
            return
        pending = getattr(self, "_headers_buffer", [])
        headers = sum(len(chunk) for chunk in pending) + 2 if pending else getattr(self, "_header_bytes", 0)
        sent.append((self.path, headers + body_bytes))

    def do_HEAD(self) -> None:  # noqa: N802 - http.server naming
        self._respond(body=False)

    def do_GET(self) -> None:  # noqa: N802
        self._respond(body=True)

    def _respond(self, body: bool) -> None:
        url_path = urlsplit(self.path).path or "/"
        kind, path = resolve(self.root, url_path, self.prefix)
        if kind == "redirect":
            query = urlsplit(self.path).query
            self.send_response(301)
            self.send_header("Location", url_path + "/" + (f"?{query}" if query else ""))
            self.send_header("Content-Length", "0")
            self.send_header("Cache-Control", CACHE_CONTROL)
            self._record(0)
            self.end_headers()
            return
        status = 200
        if kind == "missing":
            status, path = 404, self.root / "404.html"
            if not path.is_file():
                self.send_error(404)
                return
        stat = path.stat()
        ctype = content_type(path)
        accepts_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if compressible(ctype) and accepts_gzip:
            data = _gzipped(str(path), stat.st_mtime_ns, stat.st_size)
            encoded = True
        else:
            data = path.read_bytes()
            encoded = False
        etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}{"-gz" if encoded else ""}"'
        if status == 200 and self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Cache-Control", CACHE_CONTROL)
            self._record(0)
            self.end_headers()
            return
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", CACHE_CONTROL)
        self.send_header("Last-Modified", email.utils.formatdate(stat.st_mtime, usegmt=True))
        self.send_header("ETag", etag)
        if compressible(ctype):
            self.send_header("Vary", "Accept-Encoding")
        if encoded:
            self.send_header("Content-Encoding", "gzip")
        self.end_headers()
        self._record(len(data) if body else 0)  # before the body goes out: no race with the client
        if body:
            self.wfile.write(data)


class Site(str):
    """The served site's base URL (a str), with ``sent``: bytes on the wire per response."""

    def __new__(cls, url: str, server) -> "Site":
        obj = super().__new__(cls, url)
        obj.server = server
        return obj

    @property
    def sent(self) -> list[tuple[str, int]]:
        return self.server.sent


def make_server(
    directory: Path, host: str = "127.0.0.1", port: int = 0, prefix: str | None = None
) -> http.server.ThreadingHTTPServer:
    directory = Path(directory)
    if not (directory / "index.html").is_file():
        raise SystemExit(f"{directory} has no index.html: build the site first (make build).")
    prefix = site_prefix(directory) if prefix is None else prefix
    handler = type("Handler", (PagesLikeHandler,), {"root": directory, "prefix": prefix})
    server = http.server.ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    server.prefix = prefix
    server.sent = []  # (request path, bytes on the wire), appended per response
    return server


@contextmanager
def serving(directory: Path, prefix: str | None = None) -> Iterator[Site]:
    """Serve ``directory`` on a free 127.0.0.1 port in a thread; yields a Site (url, sent bytes)."""
    server = make_server(directory, prefix=prefix)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(f"http://127.0.0.1:{server.server_address[1]}{server.prefix}", server)
    finally:
        server.shutdown()
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("directory", nargs="?", default="site", type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    server = make_server(args.directory, args.host, args.port)
    print(f"Serving {args.directory} gzip-compressed on http://{args.host}:{server.server_address[1]}{server.prefix}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
