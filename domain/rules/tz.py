"""Tongzhou District (通州区) working measures on cluster-registration addresses (seed 001, "TZ").

The seed is dated "2026年 月 日" with month and day blank, probably a draft; no start date is set.
Supervision findings about a host unit escalate as §五(三)8 prescribes: interview with a rectification
deadline (约谈、限期改正), then suspension of registrations at the address when rectification had no
visible effect (改正效果不明显), then cancellation of the address when the unit does not rectify (拒不改正).
jiqun cannot tell "ineffective" from "refused" in the stored facts; it reads both as "the trigger is
still present after the deadline" and moves one stage further each time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from domain import labels
from domain.rules import facts
from domain.rules.common import IndustryCategory, as_date, date_of, match_categories, same_premises, share
from domain.rules.framework import Action, Context, Finding, Pack, Severity, register_pack, rule

PACK = register_pack(
    Pack(
        code="TZ",
        title_zh="北京市通州区关于规范集群注册地址管理推动经营主体高质量发展的工作措施",
        title_en="Tongzhou District working measures on cluster-registration addresses",
        source="seed 001 (TZ)",
        note="Dated 2026 with month and day blank (probably a draft); no start date is set.",
    )
)

ANNUAL_REPORT_RATE_MIN = 0.95
FALSE_MATERIAL_CUMULATIVE = 5
# TZ §五(二)5; the keys of domain.key_industries whose source is this article.
PRIORITY_INDUSTRIES = (
    "digital_economy",
    "modern_finance",
    "advanced_manufacturing",
    "business_services",
    "culture_tourism",
    "modern_seed",
)
PRIORITY_KINDS = ("foreign_invested", "foreign_rep_office")
STAGES = (Action.INTERVIEW, Action.SUSPEND, Action.CANCEL)
STAGE_PARAMETERS = ("tz_rectification_days",)


@rule(
    PACK,
    "TZ-3.1",
    "TZ §三(一)",
    ("address.file",),
    "杜绝违法建设、危险房屋、居住用途场地作为住所",
    "No illegal construction, dangerous buildings or residential premises",
    action=Action.REFUSE,
    quote="坚决杜绝违法建设、已被认定的危险房屋以及居住用途的建筑或者场地作为经营场所（住所）的情形",
)
def lawful_premises(ctx: Context[facts.AddressFilingFacts]) -> Iterator[Finding]:
    if ctx.facts["residential"]:
        yield ctx.finding(
            "居住用途的建筑或者场地不得作为集群注册地址",
            "residential buildings or sites cannot be cluster-registration addresses",
            used={"residential": True},
            field="residential",
        )
    if not ctx.facts["lawful_and_safe"]:
        yield ctx.finding(
            "违法建设、已被认定的危险房屋不得作为集群注册地址",
            "illegal construction and buildings certified as dangerous cannot be cluster-registration addresses",
            used={"lawful_and_safe": False},
            field="lawfulAndSafe",
        )


@rule(
    PACK,
    "TZ-5.1.1",
    "TZ §五(一)1",
    ("address.file",),
    "主办单位地址数量控制",
    "Number of addresses per host unit",
    severity=Severity.WARN,
    action=Action.REFER,
    parameters=("tz_cluster_addresses_per_host_unit", "tz_actual_business_addresses_per_host_unit"),
    quote="原则上可申请设立多个标注“集群注册”的地址和一个实际经营地址；确有增加注册地址需求的，"
    "主办单位向区市场监管局申请，由区市场监管局根据实际情况报请区政府审议",
)
def address_quota(ctx: Context[facts.AddressFilingFacts]) -> Iterator[Finding]:
    kind = ctx.facts["kind"]
    name = (
        "tz_actual_business_addresses_per_host_unit"
        if kind == "actual_business"
        else ("tz_cluster_addresses_per_host_unit")
    )
    quota, existing = ctx.params[name], int(ctx.facts["same_kind_addresses_of_unit"])
    if quota is not None and existing >= quota:
        yield ctx.finding(
            f"主办单位已有 {existing} 个同类地址（原则上 {quota} 个），增加地址须由区市场监管局报请区政府审议",
            f"the host unit already has {existing} addresses of this kind (in principle {quota}); another one "
            "needs the district government's deliberation",
            used={"kind": kind, "existing": existing, "quota": quota, "parameter": name},
        )


@rule(
    PACK,
    "TZ-5.1.2",
    "TZ §五(一)2",
    ("address.file",),
    "建筑已取得规划手续并符合四种情形之一",
    "The building has planning approval and one of the four title bases",
    action=Action.REFUSE,
    quote="在该地址坐落的建筑物已取得相关规划手续的同时，还须符合以下情形之一：（1）已依法取得不动产权属证明的"
    "合法经营场所；（2）已取得房屋安全鉴定合格报告的经营性自建房；（3）已完成竣工验收并取得相关合格手续的"
    "新建经营场所；（4）其他符合《北京市经营主体经营场所（住所）登记管理若干规定》要求的情形",
)
def premises_basis(ctx: Context[facts.AddressFilingFacts]) -> Iterator[Finding]:
    """Without planning approval the filing is refused; the fourth basis ("other") is allowed and noted
    (info) for the regulator to check against the Beijing premises rules."""
    if not ctx.facts["planning_approved"]:
        yield ctx.finding(
            "地址坐落的建筑物须已取得相关规划手续",
            "the building must have its planning approval",
            used={"planning_approved": False},
            field="planningApproved",
        )
    if ctx.facts["premises_basis"] == "other":
        yield ctx.finding(
            "以“其他情形”申请的，区市场监管局须核对是否符合《北京市经营主体经营场所（住所）登记管理若干规定》",
            "an application on the 'other' basis must be checked against the Beijing premises-registration rules",
            used={"premises_basis": "other"},
            severity=Severity.INFO,
            action=None,
        )


@rule(
    PACK,
    "TZ-5.1.2-A1",
    "TZ §五(一)2 实际经营地址(1)",
    ("enterprise.register",),
    "实际经营地址的入驻主体实际经营场所与注册地址一致",
    "At an actual-business address, the actual premises match the registered address",
    severity=Severity.WARN,
    action=Action.PUBLICISE,
    quote="引入的经营主体在通州区有实际经营场所，并与注册地址一致。注册地址与实际经营场所不一致的，"
    "需通过国家企业信用信息公示系统自行公示",
)
def actual_business_match(ctx: Context[facts.EnterpriseRegistrationFacts]) -> Iterator[Finding]:
    f = ctx.facts
    actual, registered = f.get("actual_address"), f.get("registered_address") or ""
    if f.get("address_kind") == "actual_business" and actual and not same_premises(registered, actual):
        yield ctx.finding(
            "实际经营场所与注册地址不一致，须通过国家企业信用信息公示系统自行公示",
            "the actual premises differ from the registered address: the enterprise must publish them in the "
            "National Enterprise Credit Information Publicity System",
            used={"actual_address": actual, "registered_address": registered},
        )


@rule(
    PACK,
    "TZ-5.2.5",
    "TZ §五(二)5",
    ("enterprise.register",),
    "重点产业导入",
    "Priority industries of the sub-centre",
    severity=Severity.INFO,
    thresholds={"industries": PRIORITY_INDUSTRIES, "kinds": PRIORITY_KINDS},
    quote="集群注册地址应重点用于引入服务于数字经济、现代金融、先进制造、商务服务、文化旅游、现代种业等"
    "符合北京城市副中心重点发展产业的相关经营主体以及外商投资企业和外资代表机构",
)
def priority_industry(ctx: Context[facts.EnterpriseRegistrationFacts]) -> Iterator[Finding]:
    industries = sorted(set(ctx.facts.get("enterprise_key_industries") or ()) & set(PRIORITY_INDUSTRIES))
    foreign = ctx.facts["kind"] in PRIORITY_KINDS
    if industries or foreign:
        what = industries + (["foreign"] if foreign else [])
        yield ctx.finding(
            f"属于副中心重点导入对象：{'、'.join(labels.zh(w) for w in what)}",
            f"a priority intake of the sub-centre: {', '.join(labels.en(w) for w in what)}",
            used={"industries": industries, "kind": ctx.facts["kind"], "industry_code": ctx.facts["industry_code"]},
        )


@rule(
    PACK,
    "TZ-5.2.6",
    "TZ §五(二)6",
    ("enterprise.register",),
    "审慎引入行业清单",
    "Cautious-intake industry list",
    severity=Severity.WARN,
    action=Action.VET,
    parameters=("tz_cautious_intake_codes", "tz_cautious_intake_keywords"),
    quote="在本市新增产业禁止和限制目录的基础上，研究制定集群注册地址审慎引入行业清单并动态更新。"
    "集群注册地址主办单位应对照清单，加强对拟引入经营主体从事经营行业的审核把关，审慎出具经营场所（住所）使用证明",
)
def cautious_intake(ctx: Context[facts.EnterpriseRegistrationFacts]) -> Iterator[Finding]:
    listed = IndustryCategory(
        "tz_cautious_intake",
        "审慎引入行业",
        "cautious-intake industry",
        tuple(ctx.params["tz_cautious_intake_codes"]),
        tuple(ctx.params["tz_cautious_intake_keywords"]),
    )
    matches = match_categories(ctx.facts["industry_code"], ctx.facts.get("business_scope") or "", [listed])
    if matches:
        yield ctx.finding(
            "拟引入经营主体的行业在审慎引入行业清单内，主办单位须审慎审核后方可出具经营场所（住所）使用证明",
            "the enterprise's industry is on the cautious-intake list: the host unit must vet it before issuing "
            "the premises-use proof",
            used={"industry_code": ctx.facts["industry_code"], "matches": matches},
        )


def _stage(ctx: Context[facts.AddressSupervisionFacts]) -> dict[str, Any]:
    """The escalation stage this run reaches for the address, from the stage of the previous run."""
    days = int(ctx.params["tz_rectification_days"])
    prior = ctx.facts.get("prior_stage")
    if prior is None:
        stage, since, action = Action.INTERVIEW, ctx.on, Action.INTERVIEW
    else:
        prior_stage, prior_since = Action(prior["stage"]), date_of(prior["since"])
        if ctx.on < prior_since + dt.timedelta(days=days) and prior_stage != Action.CANCEL:
            stage, since, action = prior_stage, prior_since, Action.AWAIT_RECTIFICATION
        else:
            stage = STAGES[min(STAGES.index(prior_stage) + 1, len(STAGES) - 1)]
            since, action = ctx.on, stage
    rectify_by = since + dt.timedelta(days=days) if stage != Action.CANCEL else None
    return {"stage": stage, "stage_since": since, "rectify_by": rectify_by, "action": action, "prior": prior}


_STAGE_ZH = {
    Action.INTERVIEW: "约谈主办单位并限期改正",
    Action.SUSPEND: "暂停该地址登记注册手续办理",
    Action.CANCEL: "取消该集群注册地址",
}
_STAGE_EN = {
    Action.INTERVIEW: "interview the host unit and set a rectification deadline",
    Action.SUSPEND: "suspend registrations at the address",
    Action.CANCEL: "cancel the address",
}


def _escalate(ctx: Context[facts.AddressSupervisionFacts], zh: str, en: str, used: dict[str, Any]) -> Finding:
    stage = _stage(ctx)
    if stage["action"] == Action.AWAIT_RECTIFICATION:
        tail_zh = f"；已处于“{_STAGE_ZH[stage['stage']]}”阶段，整改期限至 {stage['rectify_by']}"
        tail_en = f"; already at '{_STAGE_EN[stage['stage']]}', rectification due by {stage['rectify_by']}"
    else:
        tail_zh, tail_en = f"；建议：{_STAGE_ZH[stage['stage']]}", f"; recommended: {_STAGE_EN[stage['stage']]}"
    return ctx.finding(
        f"{ctx.facts.get('code')}：{zh}{tail_zh}",
        f"{ctx.facts.get('code')}: {en}{tail_en}",
        used={**used, "host_unit_id": ctx.facts.get("host_unit_id"), "escalation": stage},
        action=stage["action"],
    )


@rule(
    PACK,
    "TZ-5.3.8.3",
    "TZ §五(三)8(3)",
    ("supervision.address",),
    "经营主体失联被列入经营异常名录",
    "Hosted enterprises lost contact and are on the abnormal list",
    parameters=STAGE_PARAMETERS,
    quote="存在经营主体失联现象，被列入经营异常名录的",
    severity=Severity.WARN,
    action=Action.INTERVIEW,
)
def lost_contact(ctx: Context[facts.AddressSupervisionFacts]) -> Iterator[Finding]:
    ids = ctx.facts.get("uncontactable_abnormal") or []
    if ids:
        yield _escalate(
            ctx,
            f"{len(ids)} 户入驻经营主体失联并被列入经营异常名录",
            f"{len(ids)} hosted enterprises lost contact and are on the abnormal list",
            {"enterprises": ids},
        )


@rule(
    PACK,
    "TZ-5.3.8.4",
    "TZ §五(三)8(4)",
    ("supervision.address",),
    "入驻经营主体年报率低于95%",
    "Annual-report rate of hosted enterprises below 95%",
    parameters=STAGE_PARAMETERS,
    thresholds={"min_rate": ANNUAL_REPORT_RATE_MIN},
    quote="入驻经营主体未按时参加年报，年报率低于95%的",
    severity=Severity.WARN,
    action=Action.INTERVIEW,
)
def annual_report_rate(ctx: Context[facts.AddressSupervisionFacts]) -> Iterator[Finding]:
    report = ctx.facts.get("annual_report") or {}
    rate = report.get("rate")
    if rate is not None and rate < ANNUAL_REPORT_RATE_MIN:
        yield _escalate(
            ctx,
            f"{report['year']} 年度按时年报 {report['on_time']}/{report['due']} 户，年报率 {rate:.1%}，低于95%",
            f"{report['on_time']} of {report['due']} hosted enterprises filed their {report['year']} annual report "
            f"on time: {rate:.1%}, below 95%",
            {"annual_report": report},
        )


@rule(
    PACK,
    "TZ-5.3.8.5",
    "TZ §五(三)8(5)",
    ("supervision.address",),
    "提供虚假材料骗取登记累计达到5户",
    "Five hosted enterprises in all registered with false materials",
    parameters=STAGE_PARAMETERS,
    thresholds={"cumulative": FALSE_MATERIAL_CUMULATIVE},
    quote="未履行审核把关责任，存在入驻的经营主体提供虚假材料骗取登记情形累计达到5户的",
    severity=Severity.WARN,
    action=Action.INTERVIEW,
)
def false_material_total(ctx: Context[facts.AddressSupervisionFacts]) -> Iterator[Finding]:
    total = int(ctx.facts.get("false_materials_total") or 0)
    if total >= FALSE_MATERIAL_CUMULATIVE:
        yield _escalate(
            ctx,
            f"入驻经营主体提供虚假材料骗取登记累计 {total} 户（达到{FALSE_MATERIAL_CUMULATIVE}户）",
            f"{total} hosted enterprises in all registered with false materials "
            f"(threshold {FALSE_MATERIAL_CUMULATIVE})",
            {"false_materials_total": total},
        )


@rule(
    PACK,
    "TZ-5.3.8.6",
    "TZ §五(三)8(6)",
    ("supervision.address",),
    "行政检查问题发现率较高",
    "High problem-discovery rate in inspections",
    parameters=(*STAGE_PARAMETERS, "tz_problem_rate_high", "tz_problem_rate_min_hosted", "supervision_lookback_days"),
    quote="各监管部门在行政检查过程中问题发现率或无法开展检查情况占比较高的",
    severity=Severity.WARN,
    action=Action.INTERVIEW,
)
def problem_rate(ctx: Context[facts.AddressSupervisionFacts]) -> Iterator[Finding]:
    """The stored facts hold findings, not inspections: the rate is the share of hosted enterprises with
    at least one recorded finding in the look-back period."""
    hosted, with_findings = int(ctx.facts.get("hosted") or 0), int(ctx.facts.get("enterprises_with_findings") or 0)
    high, minimum = float(ctx.params["tz_problem_rate_high"]), int(ctx.params["tz_problem_rate_min_hosted"])
    rate = share(with_findings, hosted)
    if rate is not None and hosted >= minimum and rate >= high:
        yield _escalate(
            ctx,
            f"{with_findings}/{hosted} 户入驻经营主体有问题记录（{rate:.1%}，参数 {high:.0%}）",
            f"{with_findings} of {hosted} hosted enterprises have recorded problems ({rate:.1%}, parameter {high:.0%})",
            {"hosted": hosted, "with_findings": with_findings, "rate": rate, "since": ctx.facts["lookback_start"]},
        )


@rule(
    PACK,
    "TZ-5.3.8.7",
    "TZ §五(三)8(7)",
    ("supervision.address",),
    "短期内投诉举报集中爆发",
    "A burst of complaints in a short time",
    parameters=(*STAGE_PARAMETERS, "tz_complaint_burst_count", "tz_complaint_burst_days"),
    quote="入驻的经营主体存在投诉举报风险且无法协同开展处置工作，或短期内发生投诉举报集中爆发问题的",
    severity=Severity.WARN,
    action=Action.INTERVIEW,
)
def complaint_burst(ctx: Context[facts.AddressSupervisionFacts]) -> Iterator[Finding]:
    days, count = int(ctx.params["tz_complaint_burst_days"]), int(ctx.params["tz_complaint_burst_count"])
    start = ctx.on - dt.timedelta(days=days - 1)
    dates = [as_date(d) for d in ctx.facts.get("complaints") or ()]
    recent = sorted(d for d in dates if d is not None and start <= d <= ctx.on)
    if len(recent) >= count:
        yield _escalate(
            ctx,
            f"{start} 至 {ctx.on} 的 {days} 日内投诉举报 {len(recent)} 起（参数 {count} 起）",
            f"{len(recent)} complaints in the {days} days from {start} to {ctx.on} (parameter {count})",
            {"complaints": recent, "window": [start, ctx.on]},
        )
