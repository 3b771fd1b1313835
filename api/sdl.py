"""The API's schema as SDL, committed as ``schema.graphql``: ``python -m api.sdl > schema.graphql``."""

from __future__ import annotations

import sys

from api.app import api_schema
from api.settings import Settings

REGENERATE = "python -m api.sdl > schema.graphql"


def sdl() -> str:
    return api_schema(Settings()).as_str() + "\n"


if __name__ == "__main__":
    sys.stdout.write(sdl())
