"""Where things are in the open-data directory, and at which URL it is served.

```
<out>/index.html, catalog.jsonld                 the catalogue page and the DCAT-AP catalogue
<out>/<package>/latest -> releases/<version>      the one pointer a release swaps (a symlink)
<out>/<package>/releases.json -> latest/releases.json
<out>/<package>/index.html    -> latest/index.html
<out>/<package>/releases/<version>/               one immutable release
    datapackage.json README.md CHANGELOG.md SHA256SUMS releases.json index.html
    data/<resource>.csv excel/<resource>.xlsx deltas/<resource>.csv <package>-<version>.zip
```

The release history and the dataset page live inside each release and are reached through ``latest``,
so swapping ``latest`` moves the data, the history and the page in one atomic step.
"""

from __future__ import annotations

from pathlib import Path

LATEST = "latest"
RELEASES = "releases"
HISTORY = "releases.json"
PAGE = "index.html"
DESCRIPTOR = "datapackage.json"
CATALOG = "catalog.jsonld"
LOCK = ".publish.lock"
STAGING_PREFIX = ".staging-"


def latest_dir(out: Path, package: str) -> Path:
    return out / package / LATEST


def dataset_url(base_url: str, package: str) -> str:
    return f"{base_url}/{package}/"


def release_url(base_url: str, package: str, version: str) -> str:
    return f"{base_url}/{package}/{RELEASES}/{version}/"


def archive_name(package: str, version: str) -> str:
    return f"{package}-{version}.zip"
