"""Use cases. Each runs inside a :class:`~domain.unit_of_work.UnitOfWork`: it validates, consults the
rule packs, changes state, records change-log entries, and leaves the commit to the caller, so that a
refusal at any point writes nothing."""

from domain.commands.addresses import (
    approve_address,
    begin_address_exit,
    cancel_address,
    complete_address_exit,
    file_address,
    publish_address,
    reinstate_address,
    suspend_address,
)
from domain.commands.agencies import (
    begin_agency_termination,
    disqualify_agency,
    record_contact_log,
    record_credit_fact,
    record_quarterly_report,
    register_agency,
    reinstate_agency,
    suspend_agency,
    terminate_agency,
)
from domain.commands.enterprises import (
    deregister_enterprise,
    file_business_suspension,
    list_abnormal,
    move_out_enterprise,
    record_annual_report,
    record_finding,
    record_tax_filing,
    register_enterprise,
    remove_abnormal,
    resume_business,
)
from domain.commands.notices import create_notice, withdraw_notice
from domain.commands.scores import (
    evaluate_demonstration_base,
    rate_wuxi_agencies,
    rate_wuxi_agency,
    tongzhou_indicators,
)
from domain.commands.supervision import run_supervision

__all__ = [
    "approve_address",
    "begin_address_exit",
    "begin_agency_termination",
    "cancel_address",
    "complete_address_exit",
    "create_notice",
    "deregister_enterprise",
    "disqualify_agency",
    "evaluate_demonstration_base",
    "file_address",
    "file_business_suspension",
    "list_abnormal",
    "move_out_enterprise",
    "publish_address",
    "rate_wuxi_agencies",
    "rate_wuxi_agency",
    "record_annual_report",
    "record_contact_log",
    "record_credit_fact",
    "record_finding",
    "record_quarterly_report",
    "record_tax_filing",
    "register_agency",
    "register_enterprise",
    "reinstate_address",
    "reinstate_agency",
    "remove_abnormal",
    "resume_business",
    "run_supervision",
    "suspend_address",
    "suspend_agency",
    "terminate_agency",
    "tongzhou_indicators",
    "withdraw_notice",
]  # fmt: skip
