"""How a rule finding is stored: one shape for the commands, supervision runs, ratings and bulk loaders,
so a finding reads the same whichever path recorded it."""

from __future__ import annotations

from domain.model import RuleFindingRecord
from domain.rules.framework import Finding


def finding_record(
    f: Finding,
    *,
    jurisdiction_code: str,
    subject_kind: str,
    subject_id: int,
    run_id: int | None = None,
    subject_status: str | None = None,
) -> RuleFindingRecord:
    """A finding as a ``rule_findings`` row; ``subject_status`` notes the subject's status when found."""
    facts = dict(f.facts)
    if subject_status is not None:
        facts["subject_status"] = subject_status
    return RuleFindingRecord(
        run_id=run_id,
        jurisdiction_code=jurisdiction_code,
        subject_kind=subject_kind,
        subject_id=subject_id,
        rule_id=f.rule,
        article=f.article[:64],
        severity=str(f.severity),
        action=f.action,
        message_zh=f.message_zh[:500],
        message_en=f.message_en[:500],
        facts=facts,
    )
