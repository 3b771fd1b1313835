"""Serves the open-data directory at /opendata/ with validators for caches.

Every file gets an ``ETag`` and ``Last-Modified``; ``If-None-Match`` (or, without it,
``If-Modified-Since``) that still matches gives ``304 Not Modified``. Paths are resolved once, through
``latest`` and the other symlinks, to a file inside the directory, so a request that arrives while a
release is being swapped in is answered entirely from the old release or entirely from the new one.
Files under ``releases/<version>/`` never change and are cacheable for a year; everything else is
revalidated. Hidden entries (staging directories, the lock) are never served.
"""

from __future__ import annotations

import os
import re
from email.utils import formatdate, parsedate_to_datetime
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from opendata import layout

_MEDIA_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".json": "application/json",
    ".jsonld": "application/ld+json",
    ".html": "text/html; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".zip": "application/zip",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
_IMMUTABLE = re.compile(rf"(^|/){layout.RELEASES}/[^/]+/.")
_YEAR = "public, max-age=31536000, immutable"
_REVALIDATE = "public, no-cache"


def _etag(st: os.stat_result) -> str:
    return f'"{st.st_ino:x}-{st.st_size:x}-{st.st_mtime_ns:x}"'


def _not_modified(request: Request, etag: str, mtime: float) -> bool:
    if_none_match = request.headers.get("if-none-match")
    if if_none_match is not None:
        tags = {t.strip().removeprefix("W/") for t in if_none_match.split(",")}
        return "*" in tags or etag in tags
    if_modified_since = request.headers.get("if-modified-since")
    if if_modified_since:
        try:
            return int(mtime) <= parsedate_to_datetime(if_modified_since).timestamp()
        except (TypeError, ValueError):
            return False
    return False


def opendata_app(data_dir: Path | str) -> Starlette:
    root = Path(data_dir)

    async def serve(request: Request) -> Response:
        relative = request.path_params["path"]
        parts = [p for p in relative.split("/") if p]
        if any(p.startswith(".") for p in parts):
            return PlainTextResponse("not found", status_code=404)
        top = root.resolve()
        target = (top / Path(*parts)).resolve() if parts else top
        if not target.is_relative_to(top) or not target.exists():
            return PlainTextResponse("not found", status_code=404)
        if target.is_dir():
            if relative and not relative.endswith("/"):
                return RedirectResponse(request.url.replace(path=request.url.path + "/"), status_code=301)
            target = target / layout.PAGE
            if not target.is_file():
                return PlainTextResponse("not found", status_code=404)
        st = target.stat()
        etag = _etag(st)
        headers = {
            "etag": etag,
            "last-modified": formatdate(st.st_mtime, usegmt=True),
            "cache-control": _YEAR if _IMMUTABLE.search(relative) else _REVALIDATE,
        }
        if _not_modified(request, etag, st.st_mtime):
            return Response(status_code=304, headers=headers)
        media_type = _MEDIA_TYPES.get(target.suffix, "text/plain; charset=utf-8")
        return FileResponse(target, headers=headers, media_type=media_type, stat_result=st)

    return Starlette(routes=[Route("/{path:path}", serve, methods=["GET", "HEAD"])])
