"""Beijing city-wide rules for hosted enterprises and agencies (seed 004, "BJ"; cited by line number).

They apply in every Beijing district alongside the district's own pack. Removal (除名) and credit repair
(信用修复) are the registrar's decisions; supervision only recommends them.
"""

from __future__ import annotations

from collections.abc import Iterator

from domain.rules import facts
from domain.rules.common import add_years, as_date, date_of
from domain.rules.framework import Action, Context, Finding, Pack, Severity, register_pack, rule

PACK = register_pack(
    Pack(
        code="BJ",
        title_zh="北京市相关政策文件（种子 004）",
        title_en="Beijing city-wide policy documents (seed 004)",
        source="seed 004 (BJ)",
        note="About 40 documents, each in force from its own date; none of the encoded lines sets an end.",
    )
)

REMOVAL_ABNORMAL_YEARS = 2
REMOVAL_NO_TAX_YEARS = 2
AUTO_EXIT_YEARS = 5
APPLY_EXIT_YEARS = 3


@rule(
    PACK,
    "BJ-L508",
    "BJ L508 §二(二)五是; L1561 §二(二)4(5)二是",
    ("supervision.enterprise",),
    "经营异常满两年且近两年未申报纳税的，可除名",
    "Abnormal for two years with no tax filing in two years: may be removed",
    severity=Severity.WARN,
    action=Action.REMOVE,
    thresholds={"abnormal_years": REMOVAL_ABNORMAL_YEARS, "no_tax_years": REMOVAL_NO_TAX_YEARS},
    quote="对被列入经营异常名录或者被标记为经营异常状态满两年，且近两年未申报纳税的市场主体，商事登记机关可对其作出除名决定，"
    "被除名的市场主体应当依法完成清算并办理注销登记",
)
def removal(ctx: Context[facts.EnterpriseSupervisionFacts]) -> Iterator[Finding]:
    f = ctx.facts
    since, last_tax = as_date(f.get("abnormal_since")), as_date(f.get("last_tax_filing_on"))
    if f.get("status") != "abnormal" or since is None or add_years(since, REMOVAL_ABNORMAL_YEARS) > ctx.on:
        return
    tax_window_start = add_years(ctx.on, -REMOVAL_NO_TAX_YEARS)
    if last_tax is not None and last_tax >= tax_window_start:
        return
    yield ctx.finding(
        f"自 {since} 列入经营异常名录满两年，且 {tax_window_start} 以来未申报纳税，登记机关可作出除名决定，"
        "被除名后应依法清算并注销",
        f"on the abnormal list since {since} (two years or more) with no tax filing since {tax_window_start}: the "
        "registrar may remove it; it must then liquidate and deregister",
        used={"abnormal_since": since, "last_tax_filing_on": last_tax, "tax_window_start": tax_window_start},
    )


@rule(
    PACK,
    "BJ-L2533.IB",
    "BJ L2533 (一标四维 16)",
    ("supervision.enterprise",),
    "个体工商户补报年报后自动取消经营异常标记",
    "An individual business that files its missing report loses the abnormal mark automatically",
    severity=Severity.WARN,
    action=Action.CLEAR_ABNORMAL,
    quote="对已补报年度报告的个体工商户，自动取消经营异常标记",
)
def individual_business_cleared(ctx: Context[facts.EnterpriseSupervisionFacts]) -> Iterator[Finding]:
    """The mark is cleared by filing the report it was set for: every year missing when the mark was set
    must be filed since. A later year's report does not stand in for the missing one."""
    f = ctx.facts
    missing = sorted(f.get("missing_report_years") or [])
    filed = set(f.get("reports_filed_since_abnormal") or [])
    if (
        f.get("kind") == "individual_business"
        and f.get("status") == "abnormal"
        and f.get("abnormal_reason") == "no_annual_report"
        and missing
        and filed.issuperset(missing)
    ):
        years_zh = "、".join(str(y) for y in missing)
        years_en = ", ".join(str(y) for y in missing)
        yield ctx.finding(
            f"个体工商户已补报所缺的 {years_zh} 年度报告，经营异常标记应自动取消",
            f"the individual business has filed the annual report it was marked for ({years_en}): the abnormal "
            "mark is to be cleared",
            used={"abnormal_since": f.get("abnormal_since"), "missing_years": missing, "reports_filed": sorted(filed)},
        )


@rule(
    PACK,
    "BJ-L2533.5",
    "BJ L2533 (一标四维 16)",
    ("supervision.agency",),
    "因未年报、无法联系列入严重违法失信名单满五年且已改正的，自动移出",
    "Five years on the serious-dishonesty list for no report or no contact, corrected: removed automatically",
    severity=Severity.INFO,
    action=Action.CREDIT_REPAIR,
    thresholds={"years": AUTO_EXIT_YEARS},
    quote="对因未年报、通过地址无法联系等原因被列入严重违法失信企业名单满五年且主动改正的企业，无需申请即可自动移出相关名单",
)
def automatic_exit(ctx: Context[facts.AgencySupervisionFacts]) -> Iterator[Finding]:
    for fact in ctx.facts.get("credit_facts") or ():
        listed = date_of(fact["listed_on"])
        if (
            fact["subject"] == "agency"
            and fact["kind"] == "serious_dishonest"
            and fact.get("removed_on") is None
            and add_years(listed, AUTO_EXIT_YEARS) <= ctx.on
        ):
            yield ctx.finding(
                f"自 {listed} 列入严重违法失信名单满五年；如因未年报、无法联系列入且已改正，应自动移出",
                f"on the serious-dishonesty list since {listed} (five years or more): if listed for a missing "
                "report or no contact and corrected, it leaves the list without applying",
                used={"listed_on": listed, "kind": "serious_dishonest"},
            )


@rule(
    PACK,
    "BJ-L2533.3",
    "BJ L2533 (一标四维 16)",
    ("supervision.agency",),
    "因列入经营异常名录满三年被列入严重违法失信名单的，改正后可申请移出",
    "Listed as seriously dishonest after three abnormal years: may apply for removal once corrected",
    severity=Severity.INFO,
    action=Action.CREDIT_REPAIR,
    thresholds={"years": APPLY_EXIT_YEARS},
    quote="对因列入经营异常名录满三年被列入严重违法失信企业名单的企业，可在主动纠正违法行为后申请移出相关名单",
)
def exit_on_application(ctx: Context[facts.AgencySupervisionFacts]) -> Iterator[Finding]:
    """Only an actual serious listing can be left: the agency must be on the serious-dishonesty list now,
    listed on or after the day its abnormal listing reached three years (the cause the line names).
    Three abnormal years alone are not a serious listing. Hosted enterprises are not evaluated: the
    registry records serious listings only as an agency's credit facts, so there is nothing to read."""
    listings = ctx.facts.get("credit_facts") or ()
    own = [c for c in listings if c["subject"] == "agency"]
    for serious in own:
        if serious["kind"] != "serious_dishonest" or serious.get("removed_on") is not None:
            continue
        listed = date_of(serious["listed_on"])
        for abnormal in own:
            since = date_of(abnormal["listed_on"])
            removed = as_date(abnormal.get("removed_on"))
            if (
                abnormal["kind"] == "abnormal_list"
                and add_years(since, APPLY_EXIT_YEARS) <= listed
                and (removed is None or removed >= listed)
            ):
                yield ctx.finding(
                    f"自 {since} 列入经营异常名录满三年，于 {listed} 被列入严重违法失信名单；"
                    "主动纠正违法行为后可申请移出",
                    f"on the abnormal list since {since} and, three years on, on the serious-dishonesty list since "
                    f"{listed}: once corrected, it may apply to leave the serious-dishonesty list",
                    used={"abnormal_since": since, "serious_listed_on": listed},
                )
                break
