"""Atom feeds of the notices (all, and per jurisdiction), written by ``feedgenerator``.

Links in a feed must be absolute (Atom readers resolve nothing), so they are built from the URL the
feed was requested at: correct behind any host, port or proxy that passes the Host header on.
"""

from __future__ import annotations

import datetime as dt

import feedgenerator

from domain.model import Jurisdiction, Notice
from website.labels import label
from website.text import text

CHINA = dt.timezone(dt.timedelta(hours=8))


def _published(notice: Notice) -> dt.datetime:
    return dt.datetime.combine(notice.published_on, dt.time(0, 0), CHINA)


def atom(
    notices: list[Notice], jurisdiction: Jurisdiction | None, lang: str, base_url: str, prefix: str, self_url: str
) -> str:
    """The feed's XML. ``base_url`` has no trailing slash; ``prefix`` is ``""`` or ``"/en"``."""
    place = (jurisdiction.name_en if lang == "en" else jurisdiction.name_zh) if jurisdiction else ""
    title = text("notices", lang) + (f" · {place}" if place else "") + " · " + text("site", lang)
    feed = feedgenerator.Atom1Feed(
        title=title,
        link=f"{base_url}{prefix}/notices/" + (f"?jurisdiction={jurisdiction.code}" if jurisdiction else ""),
        description=title,
        language="en" if lang == "en" else "zh-CN",
        feed_url=self_url,
        feed_guid=self_url,
    )
    for notice in notices:
        link = f"{base_url}{prefix}/notices/{notice.id}"
        status = label("notice_status", notice.status, lang)
        summary = notice.body_en if lang == "en" else notice.body
        if notice.withdrawal_reason:
            summary += f"\n{text('withdrawn_reason', lang)}: {notice.withdrawal_reason}"
        feed.add_item(
            title=(notice.title_en if lang == "en" else notice.title) + f" [{status}]",
            link=link,
            description=summary,
            unique_id=f"{base_url}/notices/{notice.id}",
            pubdate=_published(notice),
            updateddate=_published(notice),
            categories=[label("notice_kind", notice.kind, lang)],
        )
    return str(feed.writeString("utf-8"))
