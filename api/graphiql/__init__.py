"""GraphiQL served from jiqun itself.

Strawberry's GraphiQL page loads React and GraphiQL from a public CDN, which a browser on a government
intranet (or any offline machine) cannot reach. The same builds, byte for byte, ship in ``assets/``
(from the npm registry; licences in ``assets/LICENSES.txt``), and the page is rewritten to load them
from ``/graphiql/assets/``. The page's subresource-integrity hashes stay, so a browser still checks
every file against the hash Strawberry pinned.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from strawberry.http.ides import get_graphql_ide_html

ASSETS = Path(__file__).resolve().parent / "assets"
ASSETS_PATH = "/graphiql/assets"

# CDN address in Strawberry's page -> the file in ASSETS.
CDN_FILES = {
    "https://unpkg.com/react@18.2.0/umd/react.production.min.js": "react.production.min.js",
    "https://unpkg.com/react-dom@18.2.0/umd/react-dom.production.min.js": "react-dom.production.min.js",
    "https://unpkg.com/js-cookie@3.0.5/dist/js.cookie.min.js": "js.cookie.min.js",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.css": "graphiql.min.css",
    "https://unpkg.com/graphiql@3.8.3/graphiql.min.js": "graphiql.min.js",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/style.css": "plugin-explorer.css",
    "https://unpkg.com/@graphiql/plugin-explorer@1.0.2/dist/index.umd.js": "plugin-explorer.umd.js",
}


@cache
def graphiql_html() -> str:
    """The GraphiQL page with every CDN address replaced by jiqun's own copy.

    Raises if Strawberry's page references a CDN file jiqun does not ship, so an upgrade of Strawberry
    that changes its GraphiQL version cannot silently bring the CDN back.
    """
    html = get_graphql_ide_html("graphiql")
    for url, name in CDN_FILES.items():
        html = html.replace(url, f"{ASSETS_PATH}/{name}")
    if "https://unpkg.com/" in html:
        raise RuntimeError("Strawberry's GraphiQL page references CDN files jiqun does not ship")
    return html
