"""Beijing small and micro enterprise entrepreneurship and innovation demonstration bases (seed 003, "SB").

Evaluated at the ``demonstration_base.evaluate`` checkpoint on the facts of an application
(:class:`domain.scoring.demonstration_base.DemonstrationBaseFacts`). A ``block`` finding is a condition
the base does not meet. In force from publication (Art.18); the seed carries no date.
"""

from __future__ import annotations

from collections.abc import Iterator

from domain import labels
from domain.rules import facts
from domain.rules.common import add_years, as_date, date_of
from domain.rules.framework import Context, Finding, Pack, register_pack, rule

PACK = register_pack(
    Pack(
        code="SB",
        title_zh="北京市小型微型企业创业创新示范基地管理办法",
        title_en="Beijing measures on small and micro enterprise entrepreneurship and innovation demonstration bases",
        source="seed 003 (SB)",
        note="In force from publication (Art.18); the seed carries no date.",
    )
)

CHECKPOINT = ("demonstration_base.evaluate",)
MIN_AGE_YEARS = 2
CLEAN_YEARS = 2
MIN_FLOOR_AREA_M2 = 5000
MIN_PUBLIC_AREA_M2 = 500
MIN_ENTERPRISES, MIN_CONCENTRATION = 60, 0.60
MIN_ENTERPRISES_HIGH_END, MIN_CONCENTRATION_HIGH_END = 40, 0.80
MIN_QUALIFIED_STAFF = 8
MIN_SATISFACTION = 0.90
SERVICE_FUNCTIONS = {
    "entrepreneurship_coaching": "创业辅导",
    "innovation_support": "创新支持",
    "information_services": "信息服务",
    "investment_financing": "投融资服务",
    "training": "人员培训",
    "management_consulting": "管理咨询",
    "professional_consulting": "专业咨询",
    "industry_chain": "产业链服务",
}
MIN_SERVICE_FUNCTIONS = 3
REAPPLICATION_BAN_YEARS = 2


def _unmet(ctx: Context[facts.DemonstrationBaseEvaluationFacts], zh: str, en: str, **used: object) -> Finding:
    return ctx.finding(f"不符合：{zh}", f"not met: {en}", used=used)


@rule(
    PACK,
    "SB-6.1",
    "SB Art.6(1)",
    CHECKPOINT,
    "独立法人、注册地在本市、成立两年以上、具有滚动孵化功能",
    "Independent legal person registered in Beijing, at least two years old, rolling incubation",
    thresholds={"min_age_years": MIN_AGE_YEARS},
    quote="一般应具有独立法人资格，且注册地在本市，成立时间两年以上，具有滚动孵化小型、微型企业成长的功能",
)
def operator(ctx: Context[facts.DemonstrationBaseEvaluationFacts]) -> Iterator[Finding]:
    f = ctx.facts
    deadline, established = date_of(f["application_deadline"]), date_of(f["established_on"])
    if not f["independent_legal_person"]:
        yield _unmet(ctx, "具有独立法人资格", "an independent legal person", independent_legal_person=False)
    if not f["registered_in_beijing"]:
        yield _unmet(ctx, "注册地在本市", "registered in Beijing", registered_in_beijing=False)
    if add_years(established, MIN_AGE_YEARS) > deadline:
        yield _unmet(
            ctx,
            f"成立时间两年以上（成立于 {established}，申请截止 {deadline}）",
            f"established at least two years before the deadline ({established}; deadline {deadline})",
            established_on=established,
            application_deadline=deadline,
        )
    if not f["rolling_incubation"]:
        yield _unmet(ctx, "具有滚动孵化功能", "rolling incubation of small and micro firms", rolling_incubation=False)


@rule(
    PACK,
    "SB-6.2",
    "SB Art.6(2)",
    CHECKPOINT,
    "申请截止前两年内无刑事及严重行政处罚、无严重失信",
    "No criminal or serious administrative penalty and no serious dishonesty in the two years before the deadline",
    thresholds={"years": CLEAN_YEARS},
    quote="单位或法定代表人诚信守法，在申请受理截止日期前两年内，未受到刑事及严重行政处罚，无司法、行政机关认定的严重失信行为",
)
def clean_record(ctx: Context[facts.DemonstrationBaseEvaluationFacts]) -> Iterator[Finding]:
    deadline = date_of(ctx.facts["application_deadline"])
    start = add_years(deadline, -CLEAN_YEARS)
    hits = [p for p in ctx.facts.get("penalties") or () if start <= date_of(p["on"]) <= deadline]
    if hits:
        yield _unmet(
            ctx,
            f"申请截止前两年内有处罚或严重失信记录 {len(hits)} 条",
            f"{len(hits)} penalties or serious-dishonesty findings in the two years before the deadline",
            penalties=hits,
            window=[start, deadline],
        )


@rule(
    PACK,
    "SB-6.3",
    "SB Art.6(3)",
    CHECKPOINT,
    "立项手续完备，符合本市产业政策",
    "Project approvals complete; fits the city's industrial policy",
    quote="基地建设立项手续完备，符合本市产业政策和发展规划，具有明确的发展方向、产业定位和完善的管理制度",
)
def approvals(ctx: Context[facts.DemonstrationBaseEvaluationFacts]) -> Iterator[Finding]:
    if not (ctx.facts["project_approvals_complete"] and ctx.facts["fits_industrial_policy"]):
        yield _unmet(
            ctx,
            "立项手续完备且符合本市产业政策和发展规划",
            "complete project approvals and a fit with the city's industrial policy",
            project_approvals_complete=ctx.facts["project_approvals_complete"],
            fits_industrial_policy=ctx.facts["fits_industrial_policy"],
        )


@rule(
    PACK,
    "SB-6.4",
    "SB Art.6(4)",
    CHECKPOINT,
    "建筑总面积不少于5000平方米，公共服务空间不少于500平方米",
    "At least 5,000 m² in all and 500 m² of public service space",
    thresholds={"floor_area_m2": MIN_FLOOR_AREA_M2, "public_area_m2": MIN_PUBLIC_AREA_M2},
    quote="基地建筑总面积不少于5000平方米，基地内软硬件基础设施和配套服务设施完善，公共服务空间不少于500平方米",
)
def areas(ctx: Context[facts.DemonstrationBaseEvaluationFacts]) -> Iterator[Finding]:
    total, public = float(ctx.facts["total_floor_area_m2"]), float(ctx.facts["public_service_area_m2"])
    if total < MIN_FLOOR_AREA_M2:
        yield _unmet(
            ctx,
            f"建筑总面积 {total:g} 平方米，少于5000",
            f"{total:g} m² in all, below 5,000",
            total_floor_area_m2=total,
        )
    if public < MIN_PUBLIC_AREA_M2:
        yield _unmet(
            ctx,
            f"公共服务空间 {public:g} 平方米，少于500",
            f"{public:g} m² of public service space, below 500",
            public_service_area_m2=public,
        )


@rule(
    PACK,
    "SB-6.5",
    "SB Art.6(5)",
    CHECKPOINT,
    "入驻小微企业不少于60家且两个主导产业集聚度不低于60%（高精尖制造业基地40家、80%）",
    "At least 60 resident small firms at 60% concentration (high-end manufacturing bases: 40 at 80%)",
    thresholds={
        "general": {"enterprises": MIN_ENTERPRISES, "concentration": MIN_CONCENTRATION},
        "high_end_manufacturing": {
            "enterprises": MIN_ENTERPRISES_HIGH_END,
            "concentration": MIN_CONCENTRATION_HIGH_END,
        },
    },
    quote="基地入驻本市小型、微型企业原则上不少于60家，且其中两个主导产业的企业集聚度不低于60%。对聚集新一代信息技术、"
    "医药健康、集成电路、智能网联汽车、智能制造等“高精尖”领域制造业企业的基地，入驻本市小型、微型企业原则上不少于40家，"
    "且其中两个主导产业的企业集聚度不低于80%",
)
def resident_enterprises(ctx: Context[facts.DemonstrationBaseEvaluationFacts]) -> Iterator[Finding]:
    f = ctx.facts
    high_end = bool(f["high_end_manufacturing"])
    need_n, need_c = (
        (MIN_ENTERPRISES_HIGH_END, MIN_CONCENTRATION_HIGH_END) if high_end else (MIN_ENTERPRISES, MIN_CONCENTRATION)
    )
    total, leading = int(f["resident_small_micro_enterprises"]), int(f["leading_industry_enterprises"])
    concentration = leading / total if total else 0.0
    used = {"high_end_manufacturing": high_end, "resident": total, "leading": leading, "concentration": concentration}
    if total < need_n:
        yield _unmet(ctx, f"入驻小微企业 {total} 家，少于{need_n}家", f"{total} resident firms, below {need_n}", **used)
    if concentration < need_c:
        yield _unmet(
            ctx,
            f"两个主导产业集聚度 {concentration:.1%}，低于{need_c:.0%}",
            f"concentration of the two leading industries {concentration:.1%}, below {need_c:.0%}",
            **used,
        )


@rule(
    PACK,
    "SB-6.6",
    "SB Art.6(6)",
    CHECKPOINT,
    "治理结构完善、运营管理规范",
    "Sound governance and operations",
    quote="运营主体治理结构完善、运营管理规范，有明确的战略规划、发展目标和实施方案",
)
def governance(ctx: Context[facts.DemonstrationBaseEvaluationFacts]) -> Iterator[Finding]:
    if not ctx.facts["governance_sound"]:
        yield _unmet(ctx, "治理结构完善、运营管理规范", "sound governance and operations", governance_sound=False)


@rule(
    PACK,
    "SB-6.7",
    "SB Art.6(7)",
    CHECKPOINT,
    "管理制度、服务流程、服务台账、收费标准健全",
    "Rules, service processes, service ledger and published fees",
    quote="具有健全的管理制度、完备的服务流程、明晰的服务台账以及明确的收费标准和服务质量监督保证措施",
)
def management(ctx: Context[facts.DemonstrationBaseEvaluationFacts]) -> Iterator[Finding]:
    if not ctx.facts["management_rules_complete"]:
        yield _unmet(
            ctx,
            "管理制度、服务流程、服务台账、收费标准和服务质量保证措施",
            "rules, service processes, service ledger, fee schedule and quality assurance",
            management_rules_complete=False,
        )


@rule(
    PACK,
    "SB-6.8",
    "SB Art.6(8)",
    CHECKPOINT,
    "本科及以上学历和中级及以上技术职称服务人员不少于8人",
    "At least 8 service staff with a bachelor's degree or an intermediate title (both, if so configured)",
    parameters=("sb_staff_counting",),
    thresholds={"min_staff": MIN_QUALIFIED_STAFF},
    quote="为小微企业服务的人员中，本科及以上学历和中级及以上技术职称人员不少于8人",
)
def staff(ctx: Context[facts.DemonstrationBaseEvaluationFacts]) -> Iterator[Finding]:
    counting = ctx.params["sb_staff_counting"]
    count = int(ctx.facts["staff_with_degree_and_title" if counting == "both" else "staff_with_degree_or_title"])
    if count < MIN_QUALIFIED_STAFF:
        yield _unmet(
            ctx,
            f"符合条件的服务人员 {count} 人（计数口径：{labels.zh(counting)}），少于8人",
            f"{count} qualified service staff (counting those with {labels.en(counting)}), below 8",
            counting=counting,
            qualified_staff=count,
        )


@rule(
    PACK,
    "SB-6.9",
    "SB Art.6(9)",
    CHECKPOINT,
    "入驻企业满意度不低于90%并提供公益性免费服务",
    "Resident satisfaction at least 90%, with some free services",
    thresholds={"min_satisfaction": MIN_SATISFACTION},
    quote="入驻小微企业用户满意度不低于90%，且为入驻企业提供一定的公益性免费服务",
)
def satisfaction(ctx: Context[facts.DemonstrationBaseEvaluationFacts]) -> Iterator[Finding]:
    rate = float(ctx.facts["satisfaction"])
    if rate < MIN_SATISFACTION:
        yield _unmet(ctx, f"满意度 {rate:.1%}，低于90%", f"satisfaction {rate:.1%}, below 90%", satisfaction=rate)
    if not ctx.facts["free_public_services"]:
        yield _unmet(ctx, "提供公益性免费服务", "some free public-interest services", free_public_services=False)


@rule(
    PACK,
    "SB-6.10",
    "SB Art.6(10)",
    CHECKPOINT,
    "建有企业服务站",
    "An enterprise service station",
    quote="建有企业服务站，配有固定的办公场所和服务设备、明确岗位设置的服务工作人员、完备的工作指南和制度流程",
)
def service_station(ctx: Context[facts.DemonstrationBaseEvaluationFacts]) -> Iterator[Finding]:
    if not ctx.facts["service_station"]:
        yield _unmet(ctx, "建有企业服务站", "an enterprise service station", service_station=False)


@rule(
    PACK,
    "SB-7",
    "SB Art.7",
    CHECKPOINT,
    "至少具备八项服务功能中的三项",
    "At least 3 of the 8 service functions",
    thresholds={"min_functions": MIN_SERVICE_FUNCTIONS, "functions": SERVICE_FUNCTIONS},
    quote="示范基地至少应具备以下服务功能中的三项……以上服务能力要求包括基地引入的第三方专业机构的服务",
)
def service_functions(ctx: Context[facts.DemonstrationBaseEvaluationFacts]) -> Iterator[Finding]:
    offered = sorted(set(ctx.facts.get("service_functions") or ()) & SERVICE_FUNCTIONS.keys())
    if len(offered) < MIN_SERVICE_FUNCTIONS:
        yield _unmet(
            ctx,
            f"具备服务功能 {len(offered)} 项（{'、'.join(SERVICE_FUNCTIONS[k] for k in offered) or '无'}），少于3项",
            f"{len(offered)} service functions ({', '.join(k.replace('_', ' ') for k in offered) or 'none'}), below 3",
            functions=offered,
        )


@rule(
    PACK,
    "SB-15",
    "SB Art.15",
    CHECKPOINT,
    "因故被撤销称号的两年内不得再次申请",
    "No new application within two years of a revocation for cause",
    thresholds={"years": REAPPLICATION_BAN_YEARS},
    quote="有下列情况之一的，撤销已授予的示范基地称号，两年内不得再次申请",
)
def reapplication_ban(ctx: Context[facts.DemonstrationBaseEvaluationFacts]) -> Iterator[Finding]:
    revoked = as_date(ctx.facts.get("revoked_for_cause_on"))
    deadline = date_of(ctx.facts["application_deadline"])
    if revoked is not None and add_years(revoked, REAPPLICATION_BAN_YEARS) > deadline:
        yield _unmet(
            ctx,
            f"{revoked} 被撤销称号，两年内不得再次申请",
            f"the title was revoked on {revoked}; no new application for two years",
            revoked_for_cause_on=revoked,
            application_deadline=deadline,
        )
