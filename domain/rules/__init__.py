"""Rule packs: the seeds' rules as cited, dated code. See :mod:`domain.rules.framework`.

Importing the package registers every pack: Daxing (DX), Tongzhou (TZ), Wuxi (WX), the Beijing
demonstration bases (SB) and the Beijing city-wide rules (BJ).
"""

from domain.rules import bj, dx, sb, tz, wx
from domain.rules.framework import PACKS, REGISTRY, Action, Finding, Severity, evaluate

__all__ = ["PACKS", "REGISTRY", "Action", "Finding", "Severity", "bj", "dx", "evaluate", "sb", "tz", "wx"]
