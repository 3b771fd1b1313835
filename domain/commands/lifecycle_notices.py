"""The notices the lifecycles require, with their bilingual texts and legal basis per rule pack.

Texts name the entity (public registration data) and never a person.
"""

from __future__ import annotations

import datetime as dt

from domain.commands.notices import create_notice, refuse_personal_data
from domain.enums import NoticeKind
from domain.model import Address, Agency, Jurisdiction, Notice
from domain.parameters import PARAMETERS
from domain.unit_of_work import UnitOfWork

_DX = "大兴区集群登记管理措施"
_TZ = "通州区规范集群注册地址管理工作措施"
_WX = "无锡市经营主体集群注册登记管理办法（试行）"
_BJ = "北京市行政执法公示办法 第十三条 (BJ enforcement publicity Art.13)"

# What each notice acts under, per rule pack (rules-from-seeds §2.10, §3). Publication cites the filing
# article; suspension, cancellation and disqualification the article that empowers them (DX Art.13,
# TZ §五(三)8, WX Art.23/26); exit and termination the article on leaving (DX Art.14, WX Art.12; Tongzhou
# has no exit clause, so its notices cite §五(三)8, the measure under which an address is withdrawn).
# Beijing city-wide documents only require enforcement decisions to be published.
_BASIS: dict[NoticeKind, dict[str, str]] = {
    NoticeKind.ADDRESS_PUBLISHED: {
        "DX": f"{_DX} 第七条 (DX Art.7)",
        "TZ": f"{_TZ} 五(一)3 (TZ §5.1.3)",
        "WX": f"{_WX}第十条 (WX Art.10)",
        "BJ": _BJ,
    },
    **{
        kind: {
            "DX": f"{_DX} 第十三条 (DX Art.13)",
            "TZ": f"{_TZ} 五(三)8 (TZ §5.3.8)",
            "WX": f"{_WX}第二十六条 (WX Art.26)",
            "BJ": _BJ,
        }
        for kind in (
            NoticeKind.ADDRESS_SUSPENDED,
            NoticeKind.ADDRESS_REINSTATED,
            NoticeKind.ADDRESS_CANCELLED,
            NoticeKind.AGENCY_SUSPENDED,
        )
    },
    NoticeKind.AGENCY_DISQUALIFIED: {
        "DX": f"{_DX} 第十三条 (DX Art.13)",
        "TZ": f"{_TZ} 五(三)8 (TZ §5.3.8)",
        "WX": f"{_WX}第二十三条、第二十六条 (WX Art.23, 26)",
        "BJ": _BJ,
    },
    **{
        kind: {
            "DX": f"{_DX} 第十四条 (DX Art.14)",
            "TZ": f"{_TZ} 五(三)8 (TZ §5.3.8)",
            "WX": f"{_WX}第十二条 (WX Art.12)",
            "BJ": _BJ,
        }
        for kind in (NoticeKind.ADDRESS_EXIT, NoticeKind.ADDRESS_EXITED, NoticeKind.AGENCY_TERMINATED)
    },
}


def legal_basis(kind: NoticeKind, pack: str) -> str:
    """The article a lifecycle notice of ``kind`` cites in a jurisdiction governed by ``pack``."""
    return _BASIS[kind][pack]


_TEXTS: dict[NoticeKind, tuple[str, str, str, str]] = {
    NoticeKind.ADDRESS_PUBLISHED: (
        "集群注册地址公示：{name}",
        "Cluster-registration address published: {name}",
        "经审核，{name}（{code}）准予作为集群注册地址，现予公示。",
        "{name} ({code}) has been approved as a cluster-registration address.",
    ),
    NoticeKind.ADDRESS_SUSPENDED: (
        "暂停集群注册地址：{name}",
        "Cluster-registration address suspended: {name}",
        "{name}（{code}）暂停办理集群注册登记。{reason}",
        "Registrations at {name} ({code}) are suspended. {reason_en}",
    ),
    NoticeKind.ADDRESS_REINSTATED: (
        "恢复集群注册地址：{name}",
        "Cluster-registration address reinstated: {name}",
        "{name}（{code}）恢复办理集群注册登记。",
        "Registrations at {name} ({code}) are open again.",
    ),
    NoticeKind.ADDRESS_CANCELLED: (
        "取消集群注册地址：{name}",
        "Cluster-registration address cancelled: {name}",
        "取消{name}（{code}）集群注册地址资格。{reason}",
        "{name} ({code}) is no longer a cluster-registration address. {reason_en}",
    ),
    NoticeKind.ADDRESS_EXIT: (
        "集群注册地址退出公告：{name}",
        "Cluster-registration address exit: {name}",
        "{name}（{code}）将于 {deadline} 退出集群注册，请入驻经营主体及时办理变更。{reason}",
        "{name} ({code}) leaves cluster registration on {deadline}; hosted enterprises "
        "must change their registered address. {reason_en}",
    ),
    NoticeKind.ADDRESS_EXITED: (
        "集群注册地址已退出：{name}",
        "Cluster-registration address exited: {name}",
        "{name}（{code}）已退出集群注册，从地址库中移除。",
        "{name} ({code}) has left cluster registration and is removed from the register.",
    ),
    NoticeKind.AGENCY_SUSPENDED: (
        "暂停托管机构集群注册服务：{name}",
        "Agency suspended: {name}",
        "{name}（{code}）暂停从事集群注册登记服务。{reason}",
        "{name} ({code}) may not provide cluster-registration services for now. {reason_en}",
    ),
    NoticeKind.AGENCY_DISQUALIFIED: (
        "取消托管机构资格：{name}",
        "Agency disqualified: {name}",
        "取消{name}（{code}）托管机构资格，其托管的地址不再办理新的集群注册。{reason}",
        "{name} ({code}) is disqualified as a hosting agency; its addresses take no new registrations. {reason_en}",
    ),
    NoticeKind.AGENCY_TERMINATED: (
        "托管机构终止服务：{name}",
        "Agency ended its service: {name}",
        "{name}（{code}）已终止集群注册托管服务，其地址均已退出地址库。",
        "{name} ({code}) has ended its hosting service; none of its addresses remains in the register.",
    ),
}


async def lifecycle_notice(
    uow: UnitOfWork,
    kind: NoticeKind,
    subject: Address | Agency,
    reason: str | None,
    deadline_on: dt.date | None = None,
) -> Notice:
    if reason:
        refuse_personal_data("reason", reason)  # the reason is quoted in the public notice
    j = await uow.session.get(Jurisdiction, subject.jurisdiction_code)
    pack = j.rule_pack if j is not None else "BJ"
    basis = legal_basis(kind, pack)
    if isinstance(subject, Address):
        name, code, subject_kind = subject.address_text, subject.code, "Address"
    else:
        name, code, subject_kind = subject.name, subject.uscc, "Agency"
    title, title_en, body, body_en = _TEXTS[kind]
    values = {
        "name": name,
        "code": code,
        "deadline": deadline_on.isoformat() if deadline_on else "",
        "reason": f"原因：{reason}" if reason else "",
        "reason_en": f"Reason: {reason}" if reason else "",
    }
    objection = PARAMETERS.notice_objection_working_days if kind == NoticeKind.ADDRESS_PUBLISHED else None
    return await create_notice(
        uow,
        kind=kind,
        jurisdiction_code=subject.jurisdiction_code,
        title=title.format(**values)[:200],
        title_en=title_en.format(**values)[:300],
        body=body.format(**values).strip(),
        body_en=body_en.format(**values).strip(),
        legal_basis=basis,
        subject_kind=subject_kind,
        subject_id=subject.id,
        deadline_on=deadline_on,
        deadline_working_days=objection,
    )
