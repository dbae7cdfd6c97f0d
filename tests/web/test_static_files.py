"""Static files (app/web/assets.py): pages name them under content-hashed URLs cached for a year
as immutable; a stale hash is redirected uncached; the plain URL is revalidated with its ETag;
each file is compressed once, in the encoding the client asks for."""

from __future__ import annotations

import gzip
import hashlib
import re
from pathlib import Path

import brotli
import pytest
from bs4 import BeautifulSoup
from fastapi.testclient import TestClient

from app.web import assets
from app.web.assets import IMMUTABLE, STATIC_DIR, StaticFolder, static_files, static_url
from tests.conftest import GA

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
HASHED_URL = re.compile(r"^/static/(?:[\w.-]+/)*[\w.-]+\.[0-9a-f]{8}(?:\.\w+)?$")


def raw(client: TestClient, url: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and the body as sent (not decompressed); no compression unless asked."""
    headers = {"Accept-Encoding": "identity", **headers}
    with client.stream("GET", url, headers=headers, follow_redirects=False) as response:
        body = b"".join(response.iter_raw())
        return response.status_code, dict(response.headers), body


def served(name: str) -> bytes:
    """A file's bytes as served: our own scripts without their comments, the rest as is."""
    return assets.served_body(name, (STATIC_DIR / name).read_bytes())


def test_a_hashed_url_carries_the_hash_of_the_bytes_served() -> None:
    files = static_files().files
    assert {"app.css", "favicon.svg", "vendor/htmx-2.0.11.min.js"} <= set(files)
    for name in ("app.css", "live.js", "vendor/htmx-2.0.11.min.js"):
        digest = hashlib.sha256(served(name)).hexdigest()[:8]
        stem, _, ext = name.rpartition(".")
        assert static_url(name) == f"/static/{stem}.{digest}.{ext}"
    assert (
        static_files()
        .url("vendor/swagger-ui-5.35.0/LICENSE")
        .endswith(f"/LICENSE.{files['vendor/swagger-ui-5.35.0/LICENSE'].digest}")
    )


def test_a_file_that_is_not_there_has_no_url() -> None:
    with pytest.raises(KeyError):
        static_url("nope.css")


def test_a_hashed_url_is_cached_for_a_year_as_immutable(client: TestClient) -> None:
    for name in ("app.css", "favicon.svg", "vendor/htmx-2.0.11.min.js", "time_zone.js"):
        status, headers, body = raw(client, static_url(name))
        assert status == 200, name
        assert headers["cache-control"] == IMMUTABLE == "public, max-age=31536000, immutable"
        assert "content-encoding" not in headers  # the client asked for no compression
        assert body == served(name)
        assert headers["content-length"] == str(len(body))
    assert raw(client, static_url("app.css"))[1]["content-type"] == "text/css; charset=utf-8"
    assert raw(client, static_url("favicon.svg"))[1]["content-type"] == "image/svg+xml"
    assert raw(client, static_url("live.js"))[1]["content-type"].startswith("text/javascript")


def test_a_stale_hash_is_redirected_uncached_to_the_current_url(client: TestClient) -> None:
    current = static_url("app.css")
    stale = re.sub(r"\.[0-9a-f]{8}\.", ".00000000.", current)
    assert stale != current
    status, headers, _ = raw(client, stale)
    assert status == 307 and headers["location"] == current
    assert headers["cache-control"] == "no-cache"
    assert client.get(stale).content == (STATIC_DIR / "app.css").read_bytes()


@pytest.mark.parametrize(
    "path",
    [
        "/static/nope.css",
        "/static/nope.0123abcd.css",
        "/static/",
        "/static/vendor",
        "/static/../app/config.py",
        "/static/%2e%2e/pyproject.toml",
        "/static/app.css/",
        "/static/app.ABCDEF12.css",  # upper case is not a hash this server makes
    ],
)
def test_what_is_not_a_static_file_is_404_and_never_immutable(
    client: TestClient, path: str
) -> None:
    status, headers, _ = raw(client, path)
    assert status == 404
    assert "immutable" not in headers.get("cache-control", "")


def test_a_plain_url_is_revalidated_with_its_etag(client: TestClient) -> None:
    status, headers, body = raw(client, "/static/app.css")
    assert status == 200 and body == (STATIC_DIR / "app.css").read_bytes()
    assert headers["cache-control"] == "no-cache"
    etag = headers["etag"]
    assert etag == f'W/"{static_files().files["app.css"].digest}"'
    for sent in (etag, etag.removeprefix("W/"), f'"x", {etag}', "*"):
        status, headers, body = raw(client, "/static/app.css", **{"If-None-Match": sent})
        assert (status, body) == (304, b""), sent
        assert headers["etag"] == etag and headers["cache-control"] == "no-cache"
    status, _, body = raw(client, "/static/app.css", **{"If-None-Match": 'W/"00000000"'})
    assert status == 200 and body


def test_head_gives_the_headers_without_the_body(client: TestClient) -> None:
    response = client.head(static_url("app.css"), headers={"Accept-Encoding": "gzip"})
    assert response.status_code == 200 and response.content == b""
    assert response.headers["cache-control"] == IMMUTABLE
    assert response.headers["content-encoding"] == "gzip"
    assert int(response.headers["content-length"]) == len(
        static_files().files["app.css"].encoded("gzip")
    )


def test_a_static_file_does_not_take_posts(client: TestClient) -> None:
    assert client.post(static_url("app.css")).status_code == 405


@pytest.mark.parametrize(
    ("accept", "encoding"),
    [("gzip, deflate, br", "br"), ("gzip", "gzip"), ("br;q=0, gzip", "gzip"), ("", None)],
)
def test_a_static_file_comes_in_the_encoding_asked_for(
    client: TestClient, accept: str, encoding: str | None
) -> None:
    original = (STATIC_DIR / "vendor/htmx-2.0.11.min.js").read_bytes()
    status, headers, body = raw(client, static_url("vendor/htmx-2.0.11.min.js"), **{
        "Accept-Encoding": accept
    })  # fmt: skip
    assert status == 200 and headers["vary"] == "Accept-Encoding"
    assert headers.get("content-encoding") == encoding
    assert headers["content-length"] == str(len(body))
    unpack = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[encoding]
    assert unpack(body) == original
    if encoding:
        assert len(body) < len(original) / 3


def test_each_file_is_compressed_once_per_encoding(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[int, str]] = []
    real = assets.compress

    def counting(body: bytes, encoding: str, *, best: bool = False) -> bytes:
        calls.append((len(body), encoding))
        assert best, "static files are compressed at the highest level"
        return real(body, encoding, best=best)

    monkeypatch.setattr(assets, "compress", counting)
    folder = StaticFolder(STATIC_DIR)
    app_css = folder.files["app.css"]
    first = app_css.encoded("br")
    assert app_css.encoded("br") is first and app_css.cached("br") is first
    app_css.encoded("gzip")
    app_css.encoded("gzip")
    assert calls == [(len(app_css.body), "br"), (len(app_css.body), "gzip")]


def test_a_tiny_file_is_kept_as_it_is_when_compression_would_grow_it(tmp_path: Path) -> None:
    (tmp_path / "dot.svg").write_bytes(b"<svg/>")
    (tmp_path / ".hidden.css").write_text("body{}")
    folder = StaticFolder(tmp_path)
    assert set(folder.files) == {"dot.svg"}  # dotfiles are never served
    dot = folder.files["dot.svg"]
    assert dot.encoded("br") is dot.body and dot.encoded("gzip") is dot.body


def test_a_tiny_file_goes_out_unencoded_when_compressing_would_grow_it(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "dot.svg").write_bytes(b"<svg/>")
    monkeypatch.setattr(assets, "static_files", lambda: StaticFolder(tmp_path))
    status, headers, body = raw(client, "/static/dot.svg", **{"Accept-Encoding": "br"})
    assert (status, body) == (200, b"<svg/>")
    assert "content-encoding" not in headers


def test_templates_name_static_files_only_through_static() -> None:
    literal = re.compile(r"""(?:src|href)=["']/static/""")
    offenders = [
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if literal.search(path.read_text())
    ]
    assert offenders == []


def test_every_page_loads_its_files_from_hashed_urls(client: TestClient, assembly: GA) -> None:
    pages = ["/", "/join", "/archive", "/groups/new", "/docs", f"/j/{assembly.join_code}"]
    pages += [
        assembly.created["urls"]["console"],
        assembly.created["urls"]["projector"],
    ]
    seen: set[str] = set()
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        page = BeautifulSoup(response.text, "html.parser")
        urls = [str(t["src"]) for t in page.find_all("script", src=True)]
        urls += [
            str(t["href"])
            for t in page.find_all("link", href=True)
            if "alternate" not in t.get("rel", [])
        ]
        assert urls, path
        for url in urls:
            assert HASHED_URL.match(url), (path, url)
            seen.add(url)
    for url in seen:
        status, headers, _ = raw(client, url)
        assert status == 200 and headers["cache-control"] == IMMUTABLE, url


def test_favicon_ico_points_at_the_revalidated_plain_url(client: TestClient) -> None:
    response = client.get("/favicon.ico", follow_redirects=False)
    assert response.status_code == 308 and response.headers["location"] == "/static/favicon.svg"
    assert client.get("/static/favicon.svg").headers["cache-control"] == "no-cache"


def test_our_scripts_are_served_without_their_comments_and_the_code_unchanged() -> None:
    source = (STATIC_DIR / "live.js").read_text()
    sent = served("live.js").decode()
    assert "//" in source and len(sent) < 0.8 * len(source)
    code = [line for line in source.splitlines() if not line.strip().startswith(("//", "/*", "*"))]
    assert sent.splitlines() == code
    # Vendored files are already minified: served exactly as they are.
    assert (
        served("vendor/htmx-2.0.11.min.js")
        == (STATIC_DIR / "vendor/htmx-2.0.11.min.js").read_bytes()
    )


@pytest.mark.parametrize(
    ("source", "sent"),
    [
        ("a();\n// note\nb();\n", "a();\nb();\n"),
        ("/* head\n * more\n */\na();\n", "a();\n"),
        ("  /* one line */\na();\n", "a();\n"),
        ("/* starts */ a();\n", "/* starts */ a();\n"),  # code on the line: kept whole
        ("/* open\n*/ a();\n", " a();\n"),  # code after a block's end: kept
        ("var url = 'http://x'; // trailing\n", "var url = 'http://x'; // trailing\n"),
    ],
)
def test_only_whole_comment_lines_are_left_out(source: str, sent: str) -> None:
    assert assets.without_comments(source) == sent
