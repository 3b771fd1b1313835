"""Named parameters for what the seeds leave open, in one versioned configuration.

Each has a documented default and the reason for it; none is a silent guess in code. The rule packs
and the lifecycle commands read them from :data:`PARAMETERS`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Parameters:
    version: str = "2026.1"
    # Objection period of a lifecycle notice, in working days. The seeds set none for address notices
    # (rules-from-seeds §9.10); 5 working days follows the Beijing publicity pattern (BJ L2407, L3682).
    notice_objection_working_days: int = 5
    # Dates the State Council schedule makes working days (True) or holidays (False), for years the
    # calendar library does not know yet.
    working_day_overrides: dict[dt.date, bool] = field(default_factory=dict)


PARAMETERS = Parameters()
