"""The rule catalogue: every encoded rule, every parameter, and every numbered rule of the seeds that is
deliberately not encoded, rendered as ``docs/rules.md`` (``jiqun rules > docs/rules.md``).

A test renders it again and compares, so the document cannot drift from the code.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from domain.rules import wx
from domain.rules.common import SERVICE_QUALIFIERS
from domain.rules.framework import PACKS, REGISTRY, Rule


@dataclass(frozen=True)
class NotEncoded:
    ref: str
    what: str
    why: str


# Every numbered rule or threshold of rules-from-seeds §4–§5 about addresses, agencies, enterprises,
# scores or notices that no rule above encodes, and why.
NOT_ENCODED: tuple[NotEncoded, ...] = (
    NotEncoded("DX Art.4(3)", "Sound organisation, staff and working rules", "Qualitative; no stored fact to test."),
    NotEncoded(
        "DX Art.5(1)",
        "Premises inside Daxing's registration area",
        "Enforced by the address command, which files an address only in the agency's jurisdiction.",
    ),
    NotEncoded(
        "DX Art.5(2)(3)",
        "Fit with national, Beijing and Daxing industrial policy and plans",
        "No machine-readable plan in the seeds; addresses record their key industries instead.",
    ),
    NotEncoded(
        "DX Art.5(4)",
        "Physical or shared office space",
        "The model has no field for the kind of space; the filing materials carry it.",
    ),
    NotEncoded("DX Art.9(2)", "Cooperates with supervision", "Behaviour, not a stored fact."),
    NotEncoded(
        "DX Art.9(4)",
        "Alternative service address filed on e窗通",
        "Filed on the e窗通 platform, not in this registry.",
    ),
    NotEncoded(
        "DX Art.9(6)",
        "No activities the premises lack approval conditions for",
        "Needs a licensing authority's judgement; DX-9.5 reminds the filer.",
    ),
    NotEncoded(
        "DX Art.13(2)",
        "Illegal conduct or abnormal complaints a department decides to act on",
        "Requires a department's determination, which is not a stored fact.",
    ),
    NotEncoded(
        "DX Art.13(4)",
        "Hoarding names or mass applications for profit",
        "Name reservations and application volumes live in the registration system, not here.",
    ),
    NotEncoded("DX Art.13(5)", "Leaking or misusing hosted entities' information", "No stored fact records a leak."),
    NotEncoded(
        "DX Art.13(7)",
        "Agency fails its hosting duties",
        "Qualitative; the other half of Art.13(7) (no longer meeting the conditions) is DX-13.7.",
    ),
    NotEncoded("DX Art.13(8)", "Other violations with serious consequences", "Open clause."),
    NotEncoded(
        "DX Art.13 (lead-in)",
        "Serious cases suspected of crime: cancel the qualification and transfer to judicial organs",
        "A criminal determination; the disqualify command records the decision when it is taken.",
    ),
    NotEncoded(
        "TZ §五(一)2 actual-business (2)",
        "Enterprises at an actual-business address operate normally and pay tax",
        "'Normal operation' is not a stored fact; tax filing dates feed BJ-L508 instead.",
    ),
    NotEncoded(
        "TZ §五(一)2 actual-business (3)",
        "Foreign-invested enterprises comply with the Foreign Investment Law",
        "A legal-conformity judgement, not a stored fact.",
    ),
    NotEncoded(
        "TZ §五(三)8(1)",
        "Host unit failed its vetting, breached the cautious-intake list, issued an improper premises proof",
        "Requires a determination of breach; registrations on the list are flagged when they happen (TZ-5.2.6).",
    ),
    NotEncoded(
        "TZ §五(三)8(2)",
        "Host unit did not urge enterprises to publish their actual premises",
        "The registry does not know whether an enterprise published; the duty is flagged at registration "
        "(TZ-5.1.2-A1).",
    ),
    NotEncoded(
        "TZ §五(三)8(8)",
        "Management systems unsound and still problematic after being urged",
        "Qualitative.",
    ),
    NotEncoded(
        "TZ §五(三)9",
        "Handling of individual enterprises (illegal premises, uncontactable, false materials, complaints)",
        "Acts of the registrar and other departments; the registry records their results (abnormal list, "
        "findings, deregistration).",
    ),
    NotEncoded("WX Art.6(4)", "Other cases excluded by law", "Open clause."),
    NotEncoded(
        "WX Art.7", "Registration refused when unlawful or endangering public interest", "Registrar's judgement."
    ),
    NotEncoded(
        "WX Art.8(2)",
        "Premises, scale and rules suited to cluster registration",
        "Qualitative.",
    ),
    NotEncoded("WX Art.8(5)", "No other unsuitable circumstance", "Open clause."),
    NotEncoded(
        "WX Art.9(1)(2)(4)(5)",
        "Filing materials: information form, proof of status, model agreement, commitment letter",
        "Paper materials kept by the registration authority; the registry records the filing.",
    ),
    NotEncoded(
        "WX Art.25",
        "Information-form copy to the same-level regulator within 5 working days",
        "Paperwork between authorities; no record of it reaches the registry.",
    ),
    NotEncoded(
        "WX Art.26(2)",
        "Service not provided as the measures require",
        "Open in general; its measurable parts are encoded (WX-13.3 quarterly contact, WX-15 quarterly report).",
    ),
    NotEncoded(
        "WX Art.26(5)",
        "Did not help correct wrong annual-report data",
        "No stored fact records such a request or its outcome.",
    ),
    NotEncoded("WX Art.26(6)", "Did not cooperate with supervision", "Behaviour, not a stored fact."),
    NotEncoded(
        "WX Art.26 (lead-in)",
        "Serious or criminal cases transferred to other departments",
        "A transfer decision, outside the registry.",
    ),
    NotEncoded(
        "WX Art.27 ¶2",
        "Four causes for the abnormal list",
        "Listing is the registrar's act (list_abnormal, whose reasons are these four); the rules read the "
        "listing (TZ-5.3.8.3, WX-26.3, BJ-L508).",
    ),
    NotEncoded(
        "SB Art.13–14",
        "Yearly performance evaluation and star rating (fail / average / good)",
        "The registry records applications, not designated bases or their yearly participation, so neither "
        "'未按要求参加的，视同为绩效评价结果不合格' nor the revocation of Art.14 has a fact to read; the "
        "grades themselves have no formula in the seed.",
    ),
    NotEncoded(
        "WX Art.19",
        "Hosted entities change address, deregister, file 歇业 or sign a new agreement when their agreement "
        "lapses, the agency ends service or moves",
        "The registry stores no service agreements (their expiry, revocation or voidness starts case (1)); the "
        "agency ending service is WX-12's refusal, which counts moving, deregistering and 歇业 as done; an "
        "agency's move is not a command here (see WX Art.11).",
    ),
    NotEncoded(
        "WX Art.11",
        "An agency that moves files a change of domicile (same district) or declares its premises again "
        "(across districts)",
        "An agency's jurisdiction is fixed when it registers; a move across districts is a new registration at "
        "the new authority (register_agency, which runs the Art.8–9 checks again), and a domicile change is "
        "the registrar's, not held here.",
    ),
    NotEncoded(
        "DX Art.14 (更换)",
        "Changing the cluster address; helping clear non-compliant entities",
        "A change is the exit of the old address (DX-14 checks its 30-day notice) and the filing of a new one "
        "(DX Art.4–7 rules); helping clear entities is conduct the seed gives no measurable form.",
    ),
    NotEncoded(
        "DX Art.8; TZ §五(一)4",
        "The agency's or host unit's ledger and real-time data entry",
        "'实时' sets no period after which data count as stale, so a staleness check would invent the "
        "threshold; the ledger itself is the registry's change log.",
    ),
    NotEncoded(
        "SB Art.11–12",
        "Public notice on the bureau's website before the title is awarded, then an announcement",
        "The designation is the bureau's procedure; the registry evaluates applications "
        "(demonstration_base.evaluate) but holds neither the notice period nor the award.",
    ),
    NotEncoded(
        "SB Art.15(1)–(3)",
        "Revocation of the title for false materials, criminal or serious administrative penalties, serious dishonesty",
        "Revocation is the bureau's decision on facts the registry does not hold for bases; the 2-year ban "
        "that follows it is encoded on the recorded revocation date.",
    ),
    NotEncoded(
        "SB Art.17",
        "Major changes reported within 30 working days",
        "The registry keeps no record of a base's changes.",
    ),
    NotEncoded(
        "BJ L726, L748",
        "Open-innovation platforms (≥ 1,000 m² R&D space, ≥ 10 projects) may be recognised as cluster addresses",
        "An encouragement with no checkpoint; the registry holds no R&D-platform data.",
    ),
    NotEncoded(
        "BJ L508 (Haidian)",
        "Standardised domicile database and domicile negative list",
        "The negative list is not in the seeds, and Haidian is not a jiqun jurisdiction.",
    ),
    NotEncoded(
        "BJ L1048, L1404; TZ §三(二)",
        "Beijing catalogue of prohibited and restricted new industries",
        "Not in the seeds; the Tongzhou cautious-intake list built on it is a parameter (TZ-5.2.6).",
    ),
    NotEncoded(
        "BJ L3040; L3895–3897",
        "Definition of illegal construction; no business use of illegal buildings",
        "Background for the lawful-and-safe attestation that DX-5.1, TZ-3.1 and WX-5 check.",
    ),
    NotEncoded("BJ L2521", "Support for individual businesses", "A support policy; nothing to check."),
    NotEncoded(
        "BJ L1220, L1228; BJ L1–141, L1062–1190",
        "Daxing and Tongzhou industry roles; future and high-end industry taxonomies",
        "Taxonomies, not rules; key industries an address attracts are recorded (domain.key_industries).",
    ),
    NotEncoded(
        "BJ 行政执法公示办法 Art.13",
        "Enforcement decisions published within 7 / 20 working days; inspection results monthly or quarterly",
        "The registry does not hold enforcement decisions or inspection results; its own notices are created "
        "by the lifecycle commands at the moment of the change.",
    ),
    NotEncoded(
        "BJ 行政执法公示办法 Art.11, 17",
        "Yearly inspection plan in Q1; statistical report by 31 January",
        "Not held by the registry.",
    ),
    NotEncoded(
        "BJ 行政执法公示办法 Art.18",
        "Withdrawal within 3 working days of a changed decision",
        "The decision that starts the 3 days is outside the registry; withdraw_notice records the withdrawal "
        "with its reason.",
    ),
    NotEncoded(
        "BJ 行政执法全过程记录办法 Art.12; 重大行政执法决定法制审核办法 Art.14",
        "Audio-visual records ≥ 6 months; legal review ≤ 5 working days",
        "Internal enforcement records, not held.",
    ),
    NotEncoded(
        "BJ L3491, L2114, L394",
        "Random-inspection publicity ≤ 20 working days; ≥ 90% coverage; once-a-year checks",
        "Inspection planning, not held.",
    ),
    NotEncoded("BJ L3599, L3603", "Website replies ≤ 3 working days; '1+16' websites", "Website service levels."),
    NotEncoded(
        "BJ L2407–2459, L3682",
        "Publicity of 5 working days for other designations and projects",
        "Analogues only; they set the default of notice_objection_working_days.",
    ),
    NotEncoded("BJ L4209–4223", "Investment-project platform deadlines and blacklist", "A pattern, not a rule here."),
)


def _in_force(rule: Rule) -> str:
    if rule.in_force_from is None and rule.in_force_to is None:
        return "no start or end date (see the pack)"
    start = rule.in_force_from.isoformat() if rule.in_force_from else "…"
    end = rule.in_force_to.isoformat() if rule.in_force_to else "…"
    return f"{start} to {end}"


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _rule_block(rule: Rule) -> list[str]:
    lines = [
        f"### {rule.id}",
        "",
        f"{rule.title_zh} — {rule.title_en}",
        "",
        f"- Article: {rule.article}",
        f"- In force: {_in_force(rule)}",
        f"- Checkpoints: {', '.join(f'`{c}`' for c in rule.checkpoints)}",
        f"- Severity: {rule.severity}; recommended action: {rule.action or '—'}",
    ]
    if rule.thresholds:
        thresholds = "; ".join(f"{k} = {_value(v)}" for k, v in rule.thresholds.items())
        lines.append(f"- Thresholds (from the text): {thresholds}")
    if rule.parameters:
        lines.append("- Parameters: " + ", ".join(f"`{p}`" for p in rule.parameters))
    if rule.evaluate.__doc__:
        lines.append("- Reading: " + " ".join(rule.evaluate.__doc__.split()))
    if rule.quote:
        lines += ["", f"> {rule.quote}"]
    return [*lines, ""]


_INTRO = """\
# Rule catalogue

Generated from the code by `jiqun rules > docs/rules.md`; do not edit by hand (a test fails when this
file and the code disagree).

Each rule has a stable id, the pack (seed document) it belongs to, the dates it is in force, the article
it cites, bilingual titles and messages, and evaluates to **findings**: `block` (the command refuses and
names the rule and article in both languages), `warn` (the command goes ahead; the finding is recorded
against the subject) or `info` (recorded for the record). A finding carries the facts it rests on and a
recommended action.

A rule that is not in force on the evaluation date is not evaluated; its pack adds one `info` finding
(`<pack>-IN-FORCE`) naming the skipped rules and the document's dates. Wuxi's measures are in force from
2024-07-19 to 2026-07-18 (WX Art.32).

**Checkpoints.** `agency.register`, `address.file`, `enterprise.register`, `address.begin_exit` and
`agency.terminate` are evaluated by the commands of the same name. `supervision.address`,
`supervision.agency` and `supervision.enterprise` are evaluated by a supervision run
(`run_supervision`), `score.wx_rating` by the Wuxi rating and `demonstration_base.evaluate` by the
demonstration-base evaluation.

**Supervision records recommendations; it changes no status.** A run stores what each rule recommends
(interview, suspend, cancel, stop service, remove, ...) as rule findings of the run; a regulator then
acts through the lifecycle commands (suspend_address, suspend_agency, disqualify_agency, ...), each of
which publishes its notice. Keeping the decision with a person matches the seeds, which make most of
these consequences discretionary (可, 视情况) and leave the determination to a department. Tongzhou's
escalation reads the previous run: interview first, then, if the trigger is still there after the
rectification period, suspension, then cancellation.
"""


def render_markdown(parameters: Sequence[tuple[str, Any, str, str]], parameters_version: str) -> str:
    """The catalogue as Markdown; ``parameters`` is ``Parameters.documented()``."""
    lines = [_INTRO, "## Packs", "", "| Pack | Document | In force | Rules |", "|---|---|---|---|"]
    for pack in PACKS.values():
        count = sum(1 for r in REGISTRY.values() if r.pack == pack.code)
        dates = (
            f"{pack.in_force_from} to {pack.in_force_to} ({pack.validity_article})"
            if pack.in_force_from or pack.in_force_to
            else pack.note or "—"
        )
        lines.append(f"| {pack.code} | {pack.title_zh} — {pack.title_en} | {dates} | {count} |")
    lines.append("")
    for pack in PACKS.values():
        lines += [f"## {pack.code}: {pack.title_en}", ""]
        for rule in sorted((r for r in REGISTRY.values() if r.pack == pack.code), key=lambda r: _sort_key(r.id)):
            lines += _rule_block(rule)
    lines += [
        "## WX Art.6(2): how unsuitable activities are recognised",
        "",
        "An enterprise falls in a category when its GB/T 4754-2017 code starts with one of the prefixes, or when "
        "an item of its business scope names the activity. Scope items that only offer services about an "
        "activity are not the activity and are skipped: items containing "
        + "、".join(SERVICE_QUALIFIERS)
        + ". A scope with a `许可项目：` section counts as having licensed items (WX-6.1).",
        "",
        "| Category | Code prefixes | Scope keywords |",
        "|---|---|---|",
    ]
    for c in wx.UNSUITABLE:
        lines.append(f"| {c.name_zh} ({c.name_en}) | {' '.join(c.code_prefixes)} | {'、'.join(c.keywords)} |")
    lines += [
        "",
        f"## Parameters (version {parameters_version})",
        "",
        "What the seeds leave open, with the default and the reason for it (`domain/parameters.py`).",
        "",
        "| Parameter | Default | Left open by | Reason |",
        "|---|---|---|---|",
    ]
    for name, default, source, reason in parameters:
        lines.append(f"| `{name}` | `{_value(default)}` | {source} | {reason} |")
    lines += [
        "",
        "## Not encoded",
        "",
        "Numbered rules and thresholds of the seeds (rules-from-seeds §4–§5) about addresses, agencies, "
        "enterprises, scores or notices that no rule encodes, and why.",
        "",
        "| Reference | Rule | Why not encoded |",
        "|---|---|---|",
    ]
    lines += [f"| {n.ref} | {n.what} | {n.why} |" for n in NOT_ENCODED]
    return "\n".join(lines) + "\n"


def _sort_key(rule_id: str) -> tuple[Any, ...]:
    parts = rule_id.split("-", 1)[1].replace("-", ".").split(".")
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)
