"""schema.org JSON-LD for a page, safe inside a ``<script>`` element."""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup


def json_ld(document: dict[str, Any]) -> Markup:
    text = json.dumps({"@context": "https://schema.org", **document}, ensure_ascii=False, indent=1)
    return Markup(text.replace("</", "<\\/"))  # nothing in the data can close the script element
