"""Rule packs: the seeds' rules as cited, dated code. See :mod:`domain.rules.framework`."""

from domain.rules.framework import Finding, Severity, evaluate

__all__ = ["Finding", "Severity", "evaluate"]
