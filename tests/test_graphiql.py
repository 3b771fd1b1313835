"""GraphiQL works from jiqun's own copy of its scripts, in a real browser, with no CDN."""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

from api.graphiql import ASSETS, CDN_FILES, graphiql_html
from tests.browser import dump_dom, needs_chromium
from tests.server import running_server


def test_the_page_loads_every_file_from_jiqun_with_the_pinned_integrity_hash():
    html = graphiql_html()
    assert "unpkg.com" not in html
    tags = re.findall(r'(?:src|href)="(/graphiql/assets/[^"]+)"\s+integrity="sha384-([^"]+)"', html)
    assert {Path(path).name for path, _ in tags} == set(CDN_FILES.values())
    for path, pinned in tags:
        digest = base64.b64encode(hashlib.sha384((ASSETS / Path(path).name).read_bytes()).digest()).decode()
        assert digest == pinned, f"{path} is not the file Strawberry's page pins"


@needs_chromium
def test_graphiql_renders_in_chromium_without_the_network(database_url, tmp_path):
    """The machine has no route to any CDN, so the editor rendering proves the scripts came from jiqun."""
    with running_server(database_url) as server:
        with server.client() as client:
            asset = client.get("/graphiql/assets/graphiql.min.js")
            assert asset.status_code == 200 and "javascript" in asset.headers["content-type"]
        dom = dump_dom(f"{server.base_url}/graphql", tmp_path / "profile", run_scripts_ms=15_000)
    # Present only once GraphiQL's scripts have run (the static page has just an empty container).
    for rendered in ("graphiql-editor", "CodeMirror", "graphiql-execute-button"):
        assert rendered in dom, f"GraphiQL did not render ({rendered} missing): {dom[-1500:]}"
