"""Wuxi (无锡市) measures for cluster registration of business entities, trial (seed 002, "WX").

In force 2024-07-19 to 2026-07-18 (Art.32): outside those dates no Wuxi rule is evaluated, and the
evaluation says so. The seed is in traditional characters; quotes below keep them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

from domain import labels
from domain.rules import facts
from domain.rules.common import (
    IndustryCategory,
    add_years,
    as_date,
    date_of,
    describe_listings,
    has_permit_items,
    listings_in_window,
    match_categories,
    share,
)
from domain.rules.framework import Action, Context, Finding, Pack, Severity, register_pack, rule

IN_FORCE_FROM = dt.date(2024, 7, 19)
PACK = register_pack(
    Pack(
        code="WX",
        title_zh="无锡市经营主体集群注册登记管理办法（试行）",
        title_en="Wuxi measures for cluster registration of business entities (trial)",
        source="seed 002 (WX)",
        in_force_from=IN_FORCE_FROM,
        in_force_to=dt.date(2026, 7, 18),
        validity_article="WX Art.32",
    )
)

ACCEPTED_KINDS = (
    "park_operator",
    "incubator",
    "maker_space",
    "business_secretary",
    "bookkeeping_agency",
    "accounting_firm",
    "law_firm",
    "tax_agent_firm",
    "platform_enterprise",
)
LEASE_YEARS = 2
CREDIT_YEARS = 2
CREDIT_SUBJECTS = ("agency", "investor", "legal_representative")
CREDIT_KINDS = ("abnormal_list", "serious_dishonest", "dishonest_debtor", "major_illegal_case")
INITIAL_SCORE = 100
STATIC_POINTS = 30
DYNAMIC_POINTS = 70
GRADE_BANDS = (("A", 75), ("B", 50), ("C", 25))
LOWEST_GRADE = "D"
KIND_GROUPS = ("individual_business", "enterprise")

# Food, beverage and tea wholesale and retail (tobacco left out: it is a licensed item anyway) and catering.
FOOD_CODES = (
    *("5121", "5122", "5123", "5124", "5125", "5126", "5127", "5129"),
    *("5221", "5222", "5223", "5224", "5225", "5226", "5229"),
    "62",
)
# WX Art.6(2), decided from the GB/T 4754-2017 code and from the business scope. The code prefixes are
# jiqun's mapping of the named activities; where GB/T 4754 has no matching class the keywords decide alone.
UNSUITABLE = (
    IndustryCategory(
        "production_processing",
        "生产加工",
        "production and processing",
        tuple(f"{d}" for d in range(13, 44)),
        ("生产", "加工", "制造", "组装", "装配"),
    ),
    IndustryCategory(
        "food_business",
        "食品经营",
        "food business",
        FOOD_CODES,
        ("食品", "餐饮"),
    ),
    IndustryCategory(
        "warehousing_logistics",
        "仓储物流",
        "warehousing and logistics",
        ("59", "543", "602"),
        ("仓储", "物流", "货物运输", "货运", "快递", "装卸", "搬运"),
    ),
    IndustryCategory(
        "recycling",
        "再生资源回收和处理",
        "recycling and processing of renewable resources",
        ("42", "5191"),
        ("再生资源", "废旧", "废品", "回收"),
    ),
    IndustryCategory(
        "after_school_care",
        "中小学生校外托管（幼儿园外托管）",
        "after-school care for pupils (and after-kindergarten care)",
        ("802",),
        ("校外托管", "课后托管", "学生托管", "托管班", "午托", "晚托", "幼儿托管", "托育"),
    ),
    IndustryCategory("homestay", "民宿经营", "homestays", ("613",), ("民宿",)),
    IndustryCategory(
        "entertainment_venue",
        "娱乐场所",
        "entertainment venues",
        ("901", "902"),
        ("娱乐场所", "歌舞", "卡拉OK", "KTV", "游艺", "网吧"),
    ),
)


@rule(
    PACK,
    "WX-5",
    "WX Art.5",
    ("address.file",),
    "不得作为集群注册登记住所的场所",
    "Premises that cannot be cluster-registration domiciles",
    action=Action.REFUSE,
    quote="下列場所不得作為集群注冊登記的住所:(一)違法建築;(二)納入政府征收范圍的建築;(三)住宅;"
    "(四)經鑒定存在安全隱患的建築;(五)法律、法規規定禁止用于經營活動的其它建築",
)
def excluded_premises(ctx: Context[facts.AddressFilingFacts]) -> Iterator[Finding]:
    if ctx.facts["residential"]:
        yield ctx.finding(
            "住宅不得作为集群注册登记的住所（第五条第三项）",
            "a residence cannot be a cluster-registration domicile (Art.5(3))",
            used={"residential": True},
            field="residential",
        )
    if not ctx.facts["lawful_and_safe"]:
        yield ctx.finding(
            "违法建筑、纳入政府征收范围的建筑、经鉴定存在安全隐患的建筑等不得作为集群注册登记的住所（第五条）",
            "illegal buildings, buildings due for expropriation or with certified safety hazards cannot be "
            "cluster-registration domiciles (Art.5(1)(2)(4)(5))",
            used={"lawful_and_safe": False},
            field="lawfulAndSafe",
        )


@rule(
    PACK,
    "WX-6.1",
    "WX Art.6(1)",
    ("enterprise.register",),
    "经营范围包含许可审批事项的不适用集群注册",
    "Scopes with licensed items are not eligible",
    action=Action.REFUSE,
    quote="經營范圍包含許可審批事項的",
)
def permit_items(ctx: Context[facts.EnterpriseRegistrationFacts]) -> Iterator[Finding]:
    scope = ctx.facts.get("business_scope") or ""
    if has_permit_items(bool(ctx.facts.get("permit_items")), scope):
        yield ctx.finding(
            "经营范围包含许可审批事项，不适用集群注册登记",
            "the business scope contains licensed items, which cluster registration does not allow",
            used={"permit_items": bool(ctx.facts.get("permit_items")), "scope_has_permit_section": "许可项目" in scope},
            field="permitItems",
        )


@rule(
    PACK,
    "WX-6.2",
    "WX Art.6(2)",
    ("enterprise.register",),
    "从事不适宜经营活动的不适用集群注册",
    "Unsuitable activities are not eligible",
    action=Action.REFUSE,
    thresholds={c.key: {"codes": c.code_prefixes, "keywords": c.keywords} for c in UNSUITABLE},
    quote="從事生產加工、食品經營、倉儲物流、再生資源回收和處理、中小學生校外托管(幼兒園外托管)、民宿經營、"
    "娛樂場所等不適宜的經營活動的",
)
def unsuitable_activities(ctx: Context[facts.EnterpriseRegistrationFacts]) -> Iterator[Finding]:
    scope = ctx.facts.get("business_scope") or ""
    matches = match_categories(ctx.facts["industry_code"], scope, UNSUITABLE, skip_service_items=True)
    if matches:
        names_zh = "、".join(m["name_zh"] for m in matches)
        names_en = ", ".join(c.name_en for c in UNSUITABLE if c.key in {m["category"] for m in matches})
        yield ctx.finding(
            f"从事{names_zh}等不适宜的经营活动，不适用集群注册登记",
            f"{names_en}: unsuitable activities for cluster registration",
            used={"industry_code": ctx.facts["industry_code"], "matches": matches},
            field="industryCode" if any(m["code_prefix"] for m in matches) else "businessScope",
        )


@rule(
    PACK,
    "WX-6.3",
    "WX Art.6(3)",
    ("enterprise.register",),
    "分支机构已有固定场所的不适用集群注册",
    "Not eligible when a branch already has fixed premises",
    action=Action.REFUSE,
    quote="設有分支機構且該分支機構已有固定住所或者經營場所,足以證明從事相關經營活動需要固定住所或者經營場所的",
)
def branch_premises(ctx: Context[facts.EnterpriseRegistrationFacts]) -> Iterator[Finding]:
    if ctx.facts.get("has_branch_with_fixed_premises"):
        yield ctx.finding(
            "设有分支机构且已有固定住所或经营场所，表明经营需要固定场所，不适用集群注册登记",
            "a branch with fixed premises shows the business needs fixed premises; cluster registration does not apply",
            used={"has_branch_with_fixed_premises": True},
            field="hasBranchWithFixedPremises",
        )


@rule(
    PACK,
    "WX-8.1",
    "WX Art.8(1), Art.30",
    ("agency.register",),
    "托管机构类型",
    "Kinds of organisation that may host",
    action=Action.REFUSE,
    thresholds={"kinds": ACCEPTED_KINDS},
    quote="在無錫市注冊登記的產(創)業園區、孵化器、眾創空間的運營企業;在無錫市注冊登記的商務秘書企業、"
    "代理記賬企業、會計師事務所、律師事務所、稅務師事務所等機構",
)
def accepted_kind(ctx: Context[facts.AgencyRegistrationFacts]) -> Iterator[Finding]:
    kind = ctx.facts["kind"]
    if kind not in ACCEPTED_KINDS:
        yield ctx.finding(
            f"机构类型“{labels.zh(kind)}”不在第八条第一项及第三十条列举的托管机构类型之内",
            f"an agency of kind “{labels.en(kind)}” is not among the hosting agencies Art.8(1) and Art.30 list",
            used={"kind": kind, "accepted": ACCEPTED_KINDS},
            field="kind",
        )


@rule(
    PACK,
    "WX-30",
    "WX Art.30",
    ("agency.register",),
    "互联网交易平台型企业参照执行",
    "Internet trading platforms host online-only operators",
    severity=Severity.INFO,
    quote="具備商業活動自營、交易鏈條閉環、政企協作聯動、合規保障有力等條件的互聯網交易平臺型企業,"
    "為僅通過網絡開展經營活動的平臺內經營者提供集群注冊登記服務,參照本辦法執行",
)
def platform(ctx: Context[facts.AgencyRegistrationFacts]) -> Iterator[Finding]:
    if ctx.facts["kind"] == "platform_enterprise":
        yield ctx.finding(
            "互联网交易平台型企业仅可为仅通过网络开展经营活动的平台内经营者提供集群注册登记服务，"
            "须具备商业活动自营、交易链条闭环、政企协作联动、合规保障有力等条件",
            "a trading platform may host only operators who trade solely online on it, and must meet the Art.30 "
            "conditions",
            used={"kind": "platform_enterprise"},
        )


@rule(
    PACK,
    "WX-8.3",
    "WX Art.8(3)",
    ("agency.register", "address.file"),
    "租赁或受托管理合同期限自申请之日起不少于两年",
    "A lease or entrustment contract runs at least two years from the application",
    action=Action.REFUSE,
    thresholds={"min_years": LEASE_YEARS},
    quote="房屋租賃合同或受托管理合同期限自申請之日起不少于兩年",
)
def contract_term(ctx: Context[facts.PremisesFacts]) -> Iterator[Finding]:
    tenure = ctx.facts.get("tenure")
    if tenure not in ("leased", "entrusted"):
        return
    applied, lease_end = date_of(ctx.facts["application_date"]), as_date(ctx.facts.get("lease_end"))
    needed = add_years(applied, LEASE_YEARS)
    used = {"tenure": tenure, "lease_end": lease_end, "application_date": applied, "required_until": needed}
    if lease_end is None:
        yield ctx.finding(
            "租赁或受托管理的房屋须提供合同期限届满日",
            "leased or entrusted premises: give the contract end date",
            used=used,
            field="leaseEnd",
        )
    elif lease_end < needed:
        yield ctx.finding(
            f"合同期限至 {lease_end.isoformat()}，自申请之日起不足两年（须至少至 {needed.isoformat()}）",
            f"the contract ends on {lease_end.isoformat()}, less than two years after the application "
            f"(it must run to {needed.isoformat()})",
            used=used,
            field="leaseEnd",
        )


@rule(
    PACK,
    "WX-8.4",
    "WX Art.8(4)",
    ("agency.register",),
    "托管机构、投资人、法定代表人近两年无不良信用记录",
    "No bad credit record of the agency, its investors or legal representative in two years",
    action=Action.REFUSE,
    thresholds={"years": CREDIT_YEARS, "subjects": CREDIT_SUBJECTS, "kinds": CREDIT_KINDS},
    quote="托管機構及其投資人、法定代表人(執行事務合伙人、負責人)近兩年無被列入經營異常名錄、嚴重違法失信企業名單和"
    "被列為失信被執行人、重大違法案件當事人等不良信用記錄",
)
def clean_credit(ctx: Context[facts.AgencyRegistrationFacts]) -> Iterator[Finding]:
    applied = date_of(ctx.facts["application_date"])
    start = add_years(applied, -CREDIT_YEARS)
    hits = listings_in_window(
        ctx.facts.get("credit_facts", ()), subjects=CREDIT_SUBJECTS, kinds=CREDIT_KINDS, start=start, end=applied
    )
    if hits:
        listed, listed_en = describe_listings(hits)
        yield ctx.finding(
            f"近两年内存在不良信用记录：{listed}",
            f"bad credit records within the last two years: {listed_en}",
            used={"window": [start, applied], "listings": hits},
            field="creditFacts",
        )


@rule(
    PACK,
    "WX-9.3",
    "WX Art.9(3)",
    ("agency.register", "address.file"),
    "租赁或受托管理场地须有产权人同意",
    "Leased or entrusted premises need the owner's consent",
    action=Action.REFUSE,
    quote="場地為租賃或受托管理的,需提交房屋產權人同意該場所從事集群注冊登記的證明",
)
def owner_consent(ctx: Context[facts.PremisesFacts]) -> Iterator[Finding]:
    tenure = ctx.facts.get("tenure")
    if tenure in ("leased", "entrusted") and ctx.facts.get("owner_consent") is not True:
        yield ctx.finding(
            "场地为租赁或受托管理的，需提交房屋产权人同意该场所从事集群注册登记的证明",
            "leased or entrusted premises need the owner's written consent to cluster registration",
            used={"tenure": tenure, "owner_consent": ctx.facts.get("owner_consent")},
            field="ownerConsent",
        )


@rule(
    PACK,
    "WX-12",
    "WX Art.12",
    ("agency.terminate",),
    "全部经营主体完成变更、注销或歇业备案后方可终止托管服务",
    "Service ends only after every hosted entity has moved, closed or suspended business",
    action=Action.REFUSE,
    quote="在全部集群注冊登記經營主體完成相應登記后,方可終止住所托管服務",
)
def all_moved_before_termination(ctx: Context[facts.AgencyTerminationFacts]) -> Iterator[Finding]:
    remaining = int(ctx.facts["hosted_enterprises_remaining"])
    if remaining:
        yield ctx.finding(
            f"仍有 {remaining} 户集群注册登记经营主体未完成住所变更登记、注销登记或歇业备案，不得终止住所托管服务",
            f"{remaining} hosted entities have not yet moved, deregistered or filed a business suspension; the "
            "service cannot end",
            used={"remaining": remaining},
            field="agencyId",
        )


def _art26(
    ctx: Context[facts.AgencySupervisionFacts], zh: str, en: str, used: dict[str, Any], deduction: int
) -> Finding:
    """An Art.26 circumstance: the regulator may stop the service (视情况), and the rating loses a point
    per non-compliant entity (Art.26 lead-in)."""
    return ctx.finding(
        f"{zh}；监管机关可视情况停止其从事集群注册登记服务，扣信用分 {deduction} 分",
        f"{en}; the regulator may stop its cluster-registration service; {deduction} credit points deducted",
        used={**used, "deduction": deduction, "discretionary": True},
    )


@rule(
    PACK,
    "WX-26.1",
    "WX Art.26(1), Art.8(4)",
    ("supervision.agency",),
    "隐瞒不良信用记录",
    "Concealed bad credit records",
    severity=Severity.WARN,
    action=Action.STOP_SERVICE,
    parameters=("wx_agency_circumstance_deduction",),
    quote="托管機構及法定代表人(執行事務合伙人、負責人)隱瞞違法違規不良信用記錄等有關情況的",
)
def concealed_credit(ctx: Context[facts.AgencySupervisionFacts]) -> Iterator[Finding]:
    """A listing in the two years before registration that is stored now was not declared then: a
    declared one would have refused the registration under WX-8.4. Agencies registered before the
    measures came into force were not checked, so they are left out. The concealment is one act, the
    declaration at registration: it counts in the window (the rating year, the run's look-back) that
    holds the registration date and not again in every later year."""
    registered = as_date(ctx.facts.get("registered_on"))
    window_start = as_date(ctx.facts.get("window_start"))
    if registered is None or registered < IN_FORCE_FROM:
        return
    if window_start is not None and registered < window_start:
        return
    start = add_years(registered, -CREDIT_YEARS)
    hits = listings_in_window(
        ctx.facts.get("credit_facts", ()), subjects=CREDIT_SUBJECTS, kinds=CREDIT_KINDS, start=start, end=registered
    )
    if hits:
        yield _art26(
            ctx,
            f"登记前两年内的不良信用记录未在申报时如实说明（{len(hits)} 条）",
            f"{len(hits)} bad credit records of the two years before registration were not declared",
            {"registered_on": registered, "listings": hits},
            int(ctx.params["wx_agency_circumstance_deduction"]),
        )


@rule(
    PACK,
    "WX-26.3",
    "WX Art.26(3)",
    ("supervision.agency",),
    "无法取得联系的经营主体超过一定比例",
    "Uncontactable entities above a set share",
    severity=Severity.WARN,
    action=Action.STOP_SERVICE,
    parameters=("wx_uncontactable_share_max",),
    quote="未按本辦法對集群注冊登記經營主體進行管理,導致集群注冊登記經營主體無法取得聯系超過總數一定比例的",
)
def uncontactable_share(ctx: Context[facts.AgencySupervisionFacts]) -> Iterator[Finding]:
    hosted, ids = int(ctx.facts.get("hosted") or 0), list(ctx.facts.get("uncontactable") or [])
    limit = float(ctx.params["wx_uncontactable_share_max"])
    rate = share(len(ids), hosted)
    if rate is not None and rate > limit:
        yield _art26(
            ctx,
            f"{len(ids)}/{hosted} 户无法取得联系（{rate:.1%}，超过 {limit:.0%}）",
            f"{len(ids)} of {hosted} hosted entities cannot be contacted ({rate:.1%}, above {limit:.0%})",
            {"hosted": hosted, "uncontactable": ids, "share": rate, "limit": limit},
            len(ids),
        )


@rule(
    PACK,
    "WX-26.4",
    "WX Art.26(4)",
    ("supervision.agency",),
    "年报率分别低于全市年报率",
    "Annual-report rate below the city-wide rate (individual businesses and enterprises separately)",
    severity=Severity.WARN,
    action=Action.STOP_SERVICE,
    parameters=("wx_citywide_annual_report_rates",),
    quote="托管的集群注冊登記經營主體(個體戶、企業)當年年報率分別低于全市年報率的",
)
def annual_report_rate(ctx: Context[facts.AgencySupervisionFacts]) -> Iterator[Finding]:
    """The city-wide rate is the published figure the parameter gives for the year, with its source.
    Without it no comparison is made and an info finding says the rate is missing: the registry's own
    rate covers only cluster-registered entities, a different population from “全市”."""
    by_kind: Mapping[str, facts.AnnualReportStats | dict[str, Any]] = ctx.facts.get("annual_report_by_kind") or {}
    citywide = ctx.facts.get("citywide_annual_report_rates") or {}
    if citywide.get("source") is None and any((by_kind.get(g) or {}).get("rate") is not None for g in KIND_GROUPS):
        year = citywide.get("year")
        yield ctx.finding(
            f"未提供 {year} 年度全市年报率（须注明发布来源和日期），未作比较",
            f"the city-wide {year} annual-report rate has not been given (with where and when it was "
            "published), so no comparison was made",
            used={"citywide": citywide},
            severity=Severity.INFO,
            action=None,
        )
        return
    for group in KIND_GROUPS:
        own, city = by_kind.get(group) or {}, citywide.get(group)
        rate = own.get("rate")
        if rate is None or city is None or rate >= city:
            continue
        label = labels.zh(group)
        yield _art26(
            ctx,
            f"托管的{label} {own['year']} 年度年报率 {rate:.1%}，低于全市 {city:.1%}",
            f"hosted {'individual businesses' if group == 'individual_business' else 'enterprises'} filed "
            f"{own['year']} annual reports at {rate:.1%}, below the "
            f"city-wide {city:.1%}",
            {
                "group": group,
                "own": own,
                "citywide": city,
                "citywide_source": citywide.get("source"),
                "published_in": citywide.get("published_in"),
            },
            len(own.get("missing") or ()),
        )


@rule(
    PACK,
    "WX-26.7",
    "WX Art.26(7)",
    ("supervision.agency",),
    "为经营主体提供虚假材料取得登记",
    "Helped entities register with false materials",
    severity=Severity.WARN,
    action=Action.STOP_SERVICE,
    quote="經核實認定,存在為集群注冊登記經營主體提供虛假材料或者采取其他欺詐手段隱瞞重要事實取得經營主體登記等違法行為的",
)
def false_materials(ctx: Context[facts.AgencySupervisionFacts]) -> Iterator[Finding]:
    """Art.26(7) is about the agency supplying the false materials: only findings that record its
    involvement count, not a hosted enterprise's own fraud (that is Art.26(3)'s and DX Art.13(3)'s)."""
    records = [r for r in ctx.facts.get("false_materials") or [] if r.get("agency_involved")]
    entities = sorted({r["enterprise_id"] for r in records})
    if entities:
        noun = "entity" if len(entities) == 1 else "entities"
        yield _art26(
            ctx,
            f"经核实，机构为 {len(entities)} 户经营主体提供虚假材料取得登记",
            f"verified: the agency supplied false materials for {len(entities)} hosted {noun} to register",
            {"records": records, "window_start": ctx.facts.get("window_start")},
            len(entities),
        )


@rule(
    PACK,
    "WX-13.3",
    "WX Art.13(3), Art.26(2)",
    ("supervision.agency",),
    "每季度至少联系一次经营主体并留存记录",
    "Contact each hosted entity at least once a quarter, on record",
    severity=Severity.WARN,
    action=Action.RECTIFY,
    parameters=("wx_agency_circumstance_deduction",),
    quote="托管機構每季度至少聯系一次集群注冊登記經營主體,并以臺賬方式保留聯系記錄",
)
def quarterly_contact(ctx: Context[facts.AgencySupervisionFacts]) -> Iterator[Finding]:
    """Quarters wholly in the evaluated period, for enterprises hosted the whole quarter; quarters that
    began before the measures came into force are not counted."""
    gaps = [g for g in ctx.facts.get("contact_gaps") or () if date_of(g["quarter_start"]) >= IN_FORCE_FROM]
    if gaps:
        entities = sorted({g["enterprise_id"] for g in gaps})
        yield _art26(
            ctx,
            f"{len(entities)} 户经营主体有季度无联系记录（共 {len(gaps)} 个季度），未按本办法开展服务",
            f"{len(entities)} hosted entities lack a recorded contact in {len(gaps)} quarters in all: the service "
            "was not provided as the measures require",
            {"gaps": gaps},
            int(ctx.params["wx_agency_circumstance_deduction"]),
        )


@rule(
    PACK,
    "WX-15",
    "WX Art.15, Art.26(2)",
    ("supervision.agency",),
    "每季度结束后10个工作日内书面报送季度报告",
    "A written quarterly report within 10 working days after each quarter",
    severity=Severity.WARN,
    action=Action.RECTIFY,
    parameters=("wx_agency_circumstance_deduction",),
    thresholds={"working_days": 10},
    quote="每季度結束后10個工作日內,向屬地登記機關和市場監管部門書面報送履行托管義務情況、集群注冊登記經營主體聯絡情況",
)
def quarterly_report(ctx: Context[facts.AgencySupervisionFacts]) -> Iterator[Finding]:
    """Due dates count Chinese working days; a report counts in the period its due date falls in, and
    quarters that ended before the measures came into force are not counted."""
    late = [
        q
        for q in ctx.facts.get("quarterly_reports") or []
        if date_of(q["quarter_end"]) >= IN_FORCE_FROM
        and (q.get("submitted_on") is None or date_of(q["submitted_on"]) > date_of(q["due_on"]))
    ]
    if late:
        quarters = "、".join(f"{q['year']}Q{q['quarter']}" for q in late)
        yield _art26(
            ctx,
            f"季度报告缺报或逾期：{quarters}",
            f"quarterly reports missing or late: {quarters.replace('、', ', ')}",
            {"late_or_missing": late},
            int(ctx.params["wx_agency_circumstance_deduction"]),
        )


def grade_for(score: float) -> str:
    """WX Art.22: A ≥ 75, B ≥ 50, C ≥ 25, otherwise D."""
    return next((grade for grade, floor in GRADE_BANDS if score >= floor), LOWEST_GRADE)


@rule(
    PACK,
    "WX-22",
    "WX Art.21, 22, 24",
    ("score.wx_rating",),
    "年度信用评级（100分；30静态+70动态；A≥75、B≥50、C≥25、其余D）",
    "Yearly credit rating (100 points; 30 static + 70 dynamic; A ≥ 75, B ≥ 50, C ≥ 25, else D)",
    severity=Severity.INFO,
    thresholds={"initial": INITIAL_SCORE, "static": STATIC_POINTS, "dynamic": DYNAMIC_POINTS, "bands": GRADE_BANDS},
    quote="托管機構年度初始信用分為100分,一個年度內得分不低于75分的,為信用評級A級;得分不低于50分的,為信用評級B級;"
    "不低于25分的,為信用評級C級;其余為信用等級D級",
)
def rating(ctx: Context[facts.WuxiRatingFacts]) -> Iterator[Finding]:
    f = ctx.facts
    yield ctx.finding(
        f"{f['year']} 年度信用分 {f['score']:.2f}，评级 {f['grade']}",
        f"{f['year']} credit score {f['score']:.2f}: grade {f['grade']}",
        used={"year": f["year"], "score": f["score"], "grade": f["grade"]},
    )


@rule(
    PACK,
    "WX-23.A",
    "WX Art.23",
    ("score.wx_rating",),
    "A级享有信用正向激励",
    "Grade A earns priority in loans, policy push and governance",
    severity=Severity.INFO,
    quote="托管機構年度信用評級為A級的,在金融貸款、政策推送、參與治理等信用正向激勵方面享有優先待遇",
)
def grade_a(ctx: Context[facts.WuxiRatingFacts]) -> Iterator[Finding]:
    if ctx.facts["grade"] == "A":
        yield ctx.finding(
            "信用评级A级：在金融贷款、政策推送、参与治理等方面享有优先待遇",
            "grade A: priority in financial loans, policy push and participation in governance",
            used={"year": ctx.facts["year"], "grade": "A"},
        )


@rule(
    PACK,
    "WX-23.C",
    "WX Art.23",
    ("score.wx_rating",),
    "C级以下约谈",
    "Grade C or below: interview",
    severity=Severity.WARN,
    action=Action.INTERVIEW,
    quote="托管機構年度信用評級為C級以下的,屬地監管部門應當對其進行約談",
)
def grade_c_or_below(ctx: Context[facts.WuxiRatingFacts]) -> Iterator[Finding]:
    if ctx.facts["grade"] in ("C", "D"):
        yield ctx.finding(
            f"{ctx.facts['year']} 年度信用评级为 {ctx.facts['grade']} 级，属地监管部门应当约谈",
            f"grade {ctx.facts['grade']} for {ctx.facts['year']}: the local regulator must interview the agency",
            used={"year": ctx.facts["year"], "grade": ctx.facts["grade"]},
        )


@rule(
    PACK,
    "WX-23.D",
    "WX Art.23",
    ("score.wx_rating",),
    "连续两年D级取消托管机构资格",
    "Grade D two years running: disqualification",
    severity=Severity.WARN,
    action=Action.DISQUALIFY,
    quote="連續兩年信用評級為D級的,取消托管機構的資格",
)
def grade_d_twice(ctx: Context[facts.WuxiRatingFacts]) -> Iterator[Finding]:
    if ctx.facts["grade"] == "D" and ctx.facts.get("previous_grade") == "D":
        year = int(ctx.facts["year"])
        yield ctx.finding(
            f"{year - 1}、{year} 年度连续两年信用评级为D级，应取消托管机构资格",
            f"grade D in {year - 1} and {year}: the agency's qualification should be cancelled",
            used={"year": year, "grade": "D", "previous_grade": "D"},
        )
