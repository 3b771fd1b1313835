"""/opendata/ over HTTP: cache validators and 304s, safe paths, and the landing pages as a real browser
(headless Chromium) renders them from a real server, with their downloads, JSON-LD and DCAT-AP catalogue."""

from __future__ import annotations

import hashlib
import json
from email.utils import formatdate
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx

from domain import commands
from opendata.web import opendata_app
from tests.browser import dump_dom, needs_chromium
from tests.opendata_support import build_registry, publish_to
from tests.server import running_server


def _client(out: Path) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=opendata_app(out)), base_url="http://test")


async def test_files_carry_validators_and_answer_304(sessionmaker, uow, tmp_data_dir):
    registry = await build_registry(uow)
    engine = sessionmaker.kw["bind"]
    await publish_to(engine, tmp_data_dir)
    async with _client(tmp_data_dir) as client:
        latest = await client.get("/approved-addresses/latest/data/addresses.csv")
        assert latest.status_code == 200 and latest.headers["content-type"] == "text/csv; charset=utf-8"
        assert latest.content == (tmp_data_dir / "approved-addresses/latest/data/addresses.csv").read_bytes()
        etag, modified = latest.headers["etag"], latest.headers["last-modified"]
        assert latest.headers["cache-control"] == "public, no-cache"

        assert (await client.get(latest.url, headers={"if-none-match": etag})).status_code == 304
        assert (await client.get(latest.url, headers={"if-none-match": f'W/{etag}, "other"'})).status_code == 304
        assert (await client.get(latest.url, headers={"if-none-match": '"other"'})).status_code == 200
        assert (await client.get(latest.url, headers={"if-modified-since": modified})).status_code == 304
        assert (
            await client.get(latest.url, headers={"if-modified-since": formatdate(0, usegmt=True)})
        ).status_code == 200
        head = await client.head(latest.url)
        assert head.status_code == 200 and head.headers["etag"] == etag and not head.content

        pinned = await client.get("/approved-addresses/releases/1.0.0/data/addresses.csv")
        assert pinned.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert (await client.get("/")).headers["content-type"] == "text/html; charset=utf-8"
        assert (await client.get("/catalog.jsonld")).headers["content-type"] == "application/ld+json"
        assert (await client.get("/approved-addresses/releases.json")).json()["latest"] == "1.0.0"
        redirect = await client.get("/approved-addresses")
        assert redirect.status_code == 301 and redirect.headers["location"].endswith("/approved-addresses/")
        for hidden in (
            "/.publish.lock",
            "/approved-addresses/.staging-x/",
            "/../etc/passwd",
            "/%2e%2e/%2e%2e/etc/passwd",
        ):
            assert (await client.get(hidden)).status_code == 404, hidden

        # A new release moves latest: the old validator no longer matches.
        async with uow() as u:
            await commands.suspend_address(u, registry.published_id, reason="整改中", expected_version=None)
            await u.commit()
        await publish_to(engine, tmp_data_dir)
        moved = await client.get(latest.url, headers={"if-none-match": etag})
        assert moved.status_code == 200 and moved.headers["etag"] != etag


class _Page(HTMLParser):
    """Download links and JSON-LD blocks of a rendered page."""

    def __init__(self) -> None:
        super().__init__()
        self.downloads: list[str] = []
        self.json_ld: list[Any] = []
        self._in_json_ld = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and "download" in (a.get("class") or "").split():
            self.downloads.append(a["href"] or "")
        self._in_json_ld = tag == "script" and a.get("type") == "application/ld+json"

    def handle_data(self, data: str) -> None:
        if self._in_json_ld and data.strip():
            self.json_ld.append(json.loads(data))

    def handle_endtag(self, tag: str) -> None:
        self._in_json_ld = False


def _render(url: str, profile: Path) -> _Page:
    page = _Page()
    page.feed(dump_dom(url, profile))
    page.downloads = [urljoin(url, href) for href in page.downloads]
    return page


class _Links(HTMLParser):
    """Every ``href`` of a page, as written."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        href = dict(attrs).get("href")
        if tag in ("a", "link") and href:
            self.hrefs.append(href)


async def test_page_links_work_on_any_host_and_port(sessionmaker, uow, tmp_data_dir):
    """Published for one public base URL, served from another host and prefix: every link on both pages
    is relative and answers 200, while the catalogue keeps the configured absolute IRIs."""
    await build_registry(uow)
    await publish_to(sessionmaker.kw["bind"], tmp_data_dir, base_url="https://data.example.org/opendata")
    async with _client(tmp_data_dir) as client:
        checked = 0
        for page_path in ("/", "/approved-addresses/", "/public-notices/"):
            page = await client.get(page_path)
            assert page.status_code == 200
            links = _Links()
            links.feed(page.text)
            local = [h for h in links.hrefs if not h.startswith("https://creativecommons.org/")]
            assert local and not [h for h in local if "//" in h or h.startswith("/")], local
            for href in local:
                target = urljoin(f"http://test{page_path}", href)
                assert (await client.get(target)).status_code == 200, (page_path, href)
                checked += 1
        assert checked > 10
        catalog = (await client.get("/catalog.jsonld")).json()
        assert catalog["@id"] == "https://data.example.org/opendata/catalog.jsonld"


def _sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@needs_chromium
async def test_landing_pages_render_in_chromium_with_downloads_and_json_ld(sessionmaker, uow, tmp_path, database_url):
    await build_registry(uow)
    out = tmp_path / "data"
    with running_server(database_url, env={"JIQUN_DATA_DIR": str(out)}) as server:
        base = f"{server.base_url}/opendata"
        await publish_to(sessionmaker.kw["bind"], out, base_url=base)

        index = _render(f"{base}/", tmp_path / "profile")
        assert index.downloads == [
            f"{base}/approved-addresses/latest/datapackage.json",
            f"{base}/public-notices/latest/datapackage.json",
        ]
        (catalog_ld,) = index.json_ld
        assert catalog_ld["@type"] == "DataCatalog" and len(catalog_ld["dataset"]) == 2

        page = _render(f"{base}/approved-addresses/", tmp_path / "profile")
        (dataset,) = page.json_ld
        assert dataset["@type"] == "Dataset" and dataset["version"] == "1.0.0" and dataset["license"]
        assert f"{base}/approved-addresses/releases/1.0.0/data/addresses.csv" in page.downloads
        assert f"{base}/approved-addresses/releases/1.0.0/approved-addresses-1.0.0.zip" in page.downloads
        with server.client() as client:
            for download in dataset["distribution"]:
                assert download["contentUrl"] in page.downloads
                got = client.get(download["contentUrl"])
                assert got.status_code == 200
                assert (str(len(got.content)), _sha256(got.content)) == (download["contentSize"], download["sha256"])

            catalog = client.get("/opendata/catalog.jsonld").json()
            assert catalog["@type"] == "dcat:Catalog" and {d["@type"] for d in catalog["dcat:dataset"]} == {
                "dcat:Dataset"
            }
            for ds in catalog["dcat:dataset"]:
                assert ds["dct:identifier"].startswith("urn:uuid:") and ds["dct:license"]["@id"]
                for dist in ds["dcat:distribution"]:
                    got = client.get(dist["dcat:downloadURL"]["@id"])
                    assert got.status_code == 200
                    assert dist["dcat:byteSize"]["@value"] == str(len(got.content))
                    assert dist["spdx:checksum"]["spdx:checksumValue"]["@value"] == _sha256(got.content)
                    assert dist["dcat:mediaType"]["@id"].startswith("http://www.iana.org/assignments/media-types/")
                    assert dist["dct:modified"]["@value"] and dist["dct:license"]["@id"]
