"""CHANGELOG.md of a release: this release's rows added, changed and removed per resource, above the
entries of every earlier release."""

from __future__ import annotations

from collections.abc import Mapping

TITLE = "# Changelog / 变更记录\n"

_CHANGE = {
    "initial": "首次发布 / First release",
    "major": "结构变更（主版本） / Structural change (major)",
    "minor": "数据更新（次版本） / Data refresh (minor)",
    "patch": "更正说明或元数据（修订版本） / Correction of documentation or metadata (patch)",
}


def entry(
    *,
    version: str,
    previous: str | None,
    change: str,
    created: str,
    cursor: int,
    rows: Mapping[str, int],
    changes: Mapping[str, Mapping[str, int]] | None,
) -> str:
    lines = [
        f"## {version} — {created}",
        "",
        f"- {_CHANGE[change]}",
        f"- 变更日志游标 / Change-log cursor: {cursor}",
    ]
    if previous is not None:
        lines.append(f"- 上一版本 / Previous release: {previous}")
    lines += [
        "",
        "| resource | rows | added 新增 | changed 修改 | removed 删除 |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name, count in rows.items():
        if changes is None:
            lines.append(f"| {name} | {count} | — | — | — |")
        else:
            c = changes[name]
            lines.append(f"| {name} | {count} | {c['insert']} | {c['update']} | {c['delete']} |")
    if change == "major":
        lines += ["", "表结构已变更，不提供增量，请完整重新加载。 / The schema changed: no delta; reload in full."]
    elif change == "initial":
        lines += ["", "首次发布，全部记录均为新增。 / First release: every row is new."]
    return "\n".join(lines) + "\n"


def changelog(new_entry: str, previous_changelog: str | None) -> str:
    """The new entry on top of the earlier ones (the previous file without its title)."""
    earlier = ""
    if previous_changelog:
        earlier = previous_changelog.removeprefix(TITLE).lstrip("\n")
    return TITLE + "\n" + new_entry + ("\n" + earlier if earlier else "")
