"""Daxing District (大兴区) cluster-registration management measures (seed 000, "DX").

The measures are in force from publication (Art.18); the file carries no date, so no start date is set.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import cast

from domain.enums import HazardSeverity
from domain.rules import facts
from domain.rules.common import (
    add_months,
    add_years,
    as_date,
    date_of,
    describe_listings,
    listings_in_window,
    same_premises,
)
from domain.rules.framework import Action, Context, Finding, Pack, Severity, register_pack, rule

PACK = register_pack(
    Pack(
        code="DX",
        title_zh="大兴区集群登记管理措施",
        title_en="Daxing District cluster-registration management measures",
        source="seed 000 (DX)",
        note="In force from publication (Art.18); the seed carries no date.",
    )
)

LEASE_YEARS = 5
CREDIT_YEARS = 3
CREDIT_SUBJECTS = ("agency", "legal_representative", "key_personnel")
CREDIT_KINDS = ("abnormal_list", "serious_dishonest", "dishonest_debtor")
LAWFUL_USE_MONTHS = 6
EXIT_NOTICE_DAYS = 30


def _premises(ctx: Context[facts.PremisesFacts]) -> str:
    return "集群登记住所" if ctx.checkpoint == "address.file" else "托管机构的场地"


@rule(
    PACK,
    "DX-4.1",
    "DX Art.4(1)",
    ("agency.register", "address.file"),
    "租赁场地剩余租赁期限不少于5年",
    "A leased site has at least 5 years of lease left",
    action=Action.REFUSE,
    thresholds={"min_remaining_years": LEASE_YEARS},
    quote="托管机构对纳入集群登记住所享有所有权或使用权，场地为租赁的，剩余租赁期限不少于5年",
)
def lease_remaining(ctx: Context[facts.PremisesFacts]) -> Iterator[Finding]:
    f = ctx.facts
    if f.get("tenure") != "leased":
        return
    applied, lease_end = date_of(f["application_date"]), as_date(f.get("lease_end"))
    needed = add_years(applied, LEASE_YEARS)
    used = {"tenure": "leased", "lease_end": lease_end, "application_date": applied, "required_until": needed}
    if lease_end is None:
        yield ctx.finding(
            f"{_premises(ctx)}为租赁场地，须提供租赁期限届满日，以核对剩余租赁期限不少于{LEASE_YEARS}年",
            f"the site is leased: give the lease end date so that the {LEASE_YEARS} years left can be checked",
            used=used,
            field="leaseEnd",
        )
    elif lease_end < needed:
        yield ctx.finding(
            f"租赁期限至 {lease_end.isoformat()}，剩余不足{LEASE_YEARS}年（须至少至 {needed.isoformat()}）",
            f"the lease ends on {lease_end.isoformat()}, less than {LEASE_YEARS} years away "
            f"(it must run to {needed.isoformat()} at least)",
            used=used,
            field="leaseEnd",
        )


def _credit_messages(hits: list[dict[str, object]], years: int, start: str) -> tuple[str, str]:
    listed, listed_en = describe_listings(hits)
    return (
        f"{start}前{years}年内存在不良信用记录：{listed}",
        f"bad credit records within the {years} years before {start}: {listed_en}",
    )


@rule(
    PACK,
    "DX-4.2",
    "DX Art.4(2)",
    ("agency.register",),
    "托管机构及主要人员3年内无不良信用记录",
    "No bad credit record of the agency or its key personnel in the last 3 years",
    action=Action.REFUSE,
    thresholds={"years": CREDIT_YEARS, "subjects": CREDIT_SUBJECTS, "kinds": CREDIT_KINDS},
    quote="托管机构及其法定代表人、负责人等主要人员在从事住所托管服务前3年内无被列入经营异常名录、"
    "严重违法失信企业名单和被列为失信被执行人等不良信用记录",
)
def clean_credit(ctx: Context[facts.AgencyRegistrationFacts]) -> Iterator[Finding]:
    applied = date_of(ctx.facts["application_date"])
    start = add_years(applied, -CREDIT_YEARS)
    hits = listings_in_window(
        ctx.facts.get("credit_facts", ()), subjects=CREDIT_SUBJECTS, kinds=CREDIT_KINDS, start=start, end=applied
    )
    if hits:
        zh, en = _credit_messages(hits, CREDIT_YEARS, applied.isoformat())
        yield ctx.finding(zh, en, used={"window": [start, applied], "listings": hits}, field="creditFacts")


@rule(
    PACK,
    "DX-5.1",
    "DX Art.5(1)",
    ("address.file",),
    "住所为真实、合法、安全的非居住用途建筑或场地",
    "The premises are a genuine, lawful and safe non-residential building or site",
    action=Action.REFUSE,
    quote="集群登记住所应当位于大兴区登记范围内，且为真实、合法、安全的非居住用途的建筑或者场地",
)
def non_residential(ctx: Context[facts.AddressFilingFacts]) -> Iterator[Finding]:
    f = ctx.facts
    if f["residential"]:
        yield ctx.finding(
            "居住用途的建筑或场地不得作为集群登记住所",
            "residential buildings or sites cannot be cluster-registration premises",
            used={"residential": True},
            field="residential",
        )
    if not f["lawful_and_safe"]:
        yield ctx.finding(
            "集群登记住所应为真实、合法、安全的建筑或场地",
            "the premises must be genuine, lawful and safe",
            used={"lawful_and_safe": False},
            field="lawfulAndSafe",
        )


@rule(
    PACK,
    "DX-5.5",
    "DX Art.5(5)",
    ("address.file",),
    "符合消防、城市规划、环境保护、房屋建筑安全要求",
    "Meets fire-safety, planning, environmental and building-safety requirements",
    action=Action.REFUSE,
    quote="集群登记住所应当确保符合消防、城市规划、环境保护、房屋建筑安全等方面管理要求",
)
def planning(ctx: Context[facts.AddressFilingFacts]) -> Iterator[Finding]:
    if not ctx.facts["planning_approved"]:
        yield ctx.finding(
            "集群登记住所应符合城市规划等管理要求（未取得规划手续）",
            "the premises must meet the planning requirements (no planning approval)",
            used={"planning_approved": False},
            field="planningApproved",
        )


@rule(
    PACK,
    "DX-5.6",
    "DX Art.5(6)",
    ("address.file",),
    "纳入住所标准化登记系统",
    "Listed in the standardised-domicile registration system",
    action=Action.REFUSE,
    quote="集群登记住所纳入大兴区市场监督管理局住所标准化登记系统，通过住所标准化模式办理登记",
)
def standardised(ctx: Context[facts.AddressFilingFacts]) -> Iterator[Finding]:
    if not ctx.facts["standardised"]:
        yield ctx.finding(
            "集群登记住所须纳入住所标准化登记系统，通过住所标准化模式办理登记",
            "the address must be in the standardised-domicile registration system",
            used={"standardised": False},
            field="standardised",
        )


@rule(
    PACK,
    "DX-7.2",
    "DX Art.7(2)",
    ("address.file",),
    "总量控制计划与场地面积相适应",
    "The total-control plan fits the floor area",
    action=Action.REFUSE,
    parameters=("dx_min_floor_area_per_enterprise_m2",),
    quote="总量控制计划，根据集群登记场地的面积、能够提供公共服务的能力等情况，对入驻经营主体总量和引进计划进行合理安排",
)
def total_control(ctx: Context[facts.AddressFilingFacts]) -> Iterator[Finding]:
    """A filing without the floor area is refused (the plan rests on it); a plan denser than the
    parameter allows is only a warning, since the measures give no ratio."""
    area, capacity = ctx.facts.get("floor_area_m2"), int(ctx.facts["capacity"])
    if area is None:
        yield ctx.finding(
            "总量控制计划须依据场地面积，请填写建筑面积",
            "the total-control plan rests on the floor area: give the floor area",
            used={"floor_area_m2": None, "capacity": capacity},
            field="floorAreaM2",
        )
        return
    per = float(ctx.params["dx_min_floor_area_per_enterprise_m2"])
    if capacity * per > float(area):
        yield ctx.finding(
            f"计划入驻 {capacity} 户，超过 {area} 平方米场地按每户 {per} 平方米可容纳的数量，请说明公共服务能力",
            f"{capacity} planned enterprises exceed what {area} m² holds at {per} m² each; "
            "the plan must show the public-service capacity",
            used={"floor_area_m2": area, "capacity": capacity, "m2_per_enterprise": per},
            severity=Severity.WARN,
            action=Action.RECTIFY,
            field="capacity",
        )


@rule(
    PACK,
    "DX-9.1",
    "DX Art.9(1)",
    ("enterprise.register",),
    "入驻经营主体无不良信用记录",
    "An entering enterprise has no bad credit record",
    action=Action.REFUSE,
    quote="申请入驻集群登记住所的经营主体应达到以下要求:（一）无不良信用记录",
)
def enterprise_credit(ctx: Context[facts.EnterpriseRegistrationFacts]) -> Iterator[Finding]:
    """The listings the enterprise declares at intake; one not removed by the registration date is a bad
    credit record. The text sets no look-back (unlike DX Art.4(2)'s three years for agencies), so a
    removed listing (credit repaired) no longer counts."""
    on = ctx.on
    current = [
        c
        for c in ctx.facts.get("credit_facts") or ()
        if date_of(c["listed_on"]) <= on and (c.get("removed_on") is None or date_of(c["removed_on"]) > on)
    ]
    if current:
        listed, listed_en = describe_listings(current)
        yield ctx.finding(
            f"经营主体有不良信用记录（{listed}），不得入驻集群登记住所",
            f"the enterprise has a bad credit record ({listed_en}) and cannot enter a cluster address",
            used={"listings": current},
            field="creditFacts",
        )


@rule(
    PACK,
    "DX-9.3",
    "DX Art.9(3)",
    ("enterprise.register",),
    "在登记住所以外经营的，公示实际经营场所",
    "An enterprise operating elsewhere publishes its actual premises",
    severity=Severity.WARN,
    action=Action.PUBLICISE,
    quote="在登记住所以外的场所开展生产经营活动，通过企业信用信息系统公示实际生产经营场所地址",
)
def actual_premises(ctx: Context[facts.EnterpriseRegistrationFacts]) -> Iterator[Finding]:
    actual, registered = ctx.facts.get("actual_address"), ctx.facts.get("registered_address") or ""
    if actual and not same_premises(registered, actual):
        yield ctx.finding(
            "实际经营场所与登记住所不一致，须通过企业信用信息系统公示实际生产经营场所地址",
            "the actual premises differ from the registered address: publish them in the enterprise credit "
            "information system",
            used={"actual_address": actual, "registered_address": registered},
        )


@rule(
    PACK,
    "DX-9.5",
    "DX Art.9(5)",
    ("enterprise.register",),
    "许可经营项目取得批准后方可开展",
    "Licensed activities start only after approval",
    severity=Severity.INFO,
    quote="有法律法规规定须经批准方可从事的经营活动，应当在获得批准后开展相关经营活动",
)
def permits_first(ctx: Context[facts.EnterpriseRegistrationFacts]) -> Iterator[Finding]:
    if ctx.facts.get("permit_items"):
        yield ctx.finding(
            "经营范围含许可项目，须在获得批准后开展相关经营活动，且不得开展集群登记住所不具备审批条件的经营活动",
            "the scope has licensed items: they may start only after approval, and not where the cluster "
            "premises lack the conditions for approval (DX Art.9(6))",
            used={"permit_items": True},
        )


@rule(
    PACK,
    "DX-11",
    "DX Art.11",
    ("enterprise.register",),
    "集群登记住所不得作为个体工商户住所",
    "Individual businesses cannot register at a cluster address",
    action=Action.REFUSE,
    quote="集群登记住所不得作为个体工商户经营者住所进行登记",
)
def no_individual_business(ctx: Context[facts.EnterpriseRegistrationFacts]) -> Iterator[Finding]:
    if ctx.facts["kind"] == "individual_business":
        yield ctx.finding(
            "集群登记住所不得作为个体工商户经营者住所进行登记",
            "a cluster-registration address cannot be the domicile of an individual business",
            used={"kind": "individual_business"},
            field="kind",
        )


def _suspend_for(
    ctx: Context[facts.AddressSupervisionFacts],
    records: list[facts.DatedFinding],
    what_zh: str,
    what_en: tuple[str, str],
) -> Iterator[Finding]:
    """One suspension recommendation naming how many ``records`` (``what_en``: singular, plural)."""
    if records:
        noun = what_en[0] if len(records) == 1 else what_en[1]
        yield ctx.finding(
            f"{ctx.facts.get('code')}：{what_zh} {len(records)} 起（{ctx.facts['lookback_start']} 起），应暂停集群登记",
            f"{ctx.facts.get('code')}: {len(records)} {noun} since {ctx.facts['lookback_start']}; "
            "cluster registration should be suspended",
            used={"records": records, "lookback_start": ctx.facts["lookback_start"], "status": ctx.facts["status"]},
        )


@rule(
    PACK,
    "DX-13.1",
    "DX Art.13(1)",
    ("supervision.address",),
    "住所有重大安全隐患的，暂停集群登记",
    "Suspend cluster registration where the premises have a major safety hazard",
    severity=Severity.WARN,
    action=Action.SUSPEND,
    parameters=("supervision_lookback_days",),
    quote="经有关部门界定集群登记住所有重大安全隐患的",
)
def safety_hazard(ctx: Context[facts.AddressSupervisionFacts]) -> Iterator[Finding]:
    """Only a hazard the reporting department determined as major (重大) counts; a general hazard, or one
    recorded without a determination, does not trigger a suspension."""
    major = [r for r in ctx.facts.get("safety_hazards") or [] if r.get("severity") == HazardSeverity.MAJOR]
    yield from _suspend_for(
        ctx,
        major,
        "经有关部门界定的重大安全隐患",
        ("major safety hazard determined by a department", "major safety hazards determined by a department"),
    )


@rule(
    PACK,
    "DX-13.3",
    "DX Art.13(3)",
    ("supervision.address",),
    "以虚假材料取得登记的，暂停集群登记",
    "Suspend cluster registration where registrations were obtained with false materials",
    severity=Severity.WARN,
    action=Action.SUSPEND,
    parameters=("supervision_lookback_days",),
    quote="提交虚假材料或者采取其他欺诈手段隐瞒重要事实取得主体登记的",
)
def false_materials(ctx: Context[facts.AddressSupervisionFacts]) -> Iterator[Finding]:
    yield from _suspend_for(
        ctx,
        ctx.facts.get("false_materials_recent") or [],
        "入驻经营主体提交虚假材料取得登记",
        ("registration obtained with false materials", "registrations obtained with false materials"),
    )


@rule(
    PACK,
    "DX-13.6",
    "DX Art.13(6)",
    ("address.file", "supervision.address"),
    "住所合法使用时间不足6个月的，暂停集群登记",
    "Suspend cluster registration where less than 6 months of lawful use remain",
    severity=Severity.WARN,
    action=Action.SUSPEND,
    thresholds={"min_months": LAWFUL_USE_MONTHS, "reading": "remaining time of the lease or entrustment"},
    quote="集群登记住所合法使用时间不足6个月的",
)
def lawful_use(ctx: Context[facts.AddressFilingFacts | facts.AddressSupervisionFacts]) -> Iterator[Finding]:
    """ "合法使用时间" is read as the lawful use still remaining (the lease or entrustment end), not the
    time already elapsed: read as elapsed, every new address would be suspended at once. Owned premises
    have no end date and never trigger. At filing it refuses (block); in supervision it recommends
    suspension (warn)."""
    f = ctx.facts
    lease_end = as_date(f.get("lease_end"))
    if f.get("tenure") == "owned" or lease_end is None:
        return
    filing = ctx.checkpoint == "address.file"
    start = date_of(cast(facts.AddressFilingFacts, f)["application_date"]) if filing else ctx.on
    needed = add_months(start, LAWFUL_USE_MONTHS)
    if lease_end < needed:
        used = {"tenure": f.get("tenure"), "lease_end": lease_end, "as_of": start, "required_until": needed}
        yield ctx.finding(
            f"住所合法使用期限至 {lease_end.isoformat()}，自 {start.isoformat()} 起不足{LAWFUL_USE_MONTHS}个月",
            f"lawful use of the premises ends on {lease_end.isoformat()}, less than {LAWFUL_USE_MONTHS} months "
            f"after {start.isoformat()}",
            used=used,
            severity=Severity.BLOCK if filing else Severity.WARN,
            action=Action.REFUSE if filing else Action.SUSPEND,
            field="leaseEnd" if filing else None,
        )


@rule(
    PACK,
    "DX-13.7",
    "DX Art.13(7), Art.4(2)",
    ("supervision.agency",),
    "托管机构已不具备申请条件的，暂停集群登记",
    "Suspend an agency that no longer meets the application conditions",
    severity=Severity.WARN,
    action=Action.SUSPEND,
    thresholds={"years": CREDIT_YEARS, "subjects": CREDIT_SUBJECTS, "kinds": CREDIT_KINDS},
    quote="托管机构未尽职履行托管义务或已不具备申请条件的",
)
def no_longer_eligible(ctx: Context[facts.AgencySupervisionFacts]) -> Iterator[Finding]:
    """The credit condition of Art.4(2), checked again over the 3 years before the evaluation date."""
    start = add_years(ctx.on, -CREDIT_YEARS)
    hits = listings_in_window(
        ctx.facts.get("credit_facts", ()), subjects=CREDIT_SUBJECTS, kinds=CREDIT_KINDS, start=start, end=ctx.on
    )
    if hits:
        zh, en = _credit_messages(hits, CREDIT_YEARS, ctx.on.isoformat())
        yield ctx.finding(
            f"{zh}，已不具备申请条件，应暂停集群登记",
            f"{en}; the agency no longer meets the conditions and should be suspended",
            used={"window": [start, ctx.on], "listings": hits, "status": ctx.facts["status"]},
        )


@rule(
    PACK,
    "DX-14",
    "DX Art.14",
    ("address.begin_exit",),
    "退出或更换住所提前30日通知入驻经营主体",
    "Hosted enterprises are told at least 30 days before an address exits",
    action=Action.REFUSE,
    thresholds={"min_days": EXIT_NOTICE_DAYS},
    quote="退出或更换集群登记住所，应提前30日通知集群登记经营主体，并协助完成对该住所不合规入驻经营主体的清理工作",
)
def exit_notice(ctx: Context[facts.AddressExitFacts]) -> Iterator[Finding]:
    f = ctx.facts
    if not f.get("occupied"):
        return
    notice_on, exit_on = date_of(f["notice_on"]), date_of(f["planned_exit_on"])
    days = (exit_on - notice_on).days
    if days < EXIT_NOTICE_DAYS:
        yield ctx.finding(
            f"退出日期 {exit_on.isoformat()} 距通知日仅 {days} 日，"
            f"应提前{EXIT_NOTICE_DAYS}日通知入驻的 {f['occupied']} 户经营主体",
            f"the exit on {exit_on.isoformat()} is only {days} days after the notice; the {f['occupied']} hosted "
            f"enterprises must be told at least {EXIT_NOTICE_DAYS} days ahead",
            used={"notice_on": notice_on, "planned_exit_on": exit_on, "days": days, "occupied": f["occupied"]},
            field="plannedExitOn",
        )
