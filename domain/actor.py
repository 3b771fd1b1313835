"""Who is acting: the API key's role and scope, or the system itself (CLI, demo, supervision)."""

from __future__ import annotations

from dataclasses import dataclass

from domain.enums import Role


@dataclass(frozen=True)
class Actor:
    id: str
    role: Role
    jurisdiction_code: str | None = None
    agency_id: int | None = None

    @property
    def is_system(self) -> bool:
        return self.role in (Role.SYSTEM, Role.ADMIN)


SYSTEM = Actor("system", Role.SYSTEM)
ANONYMOUS = Actor("anonymous", Role.ANONYMOUS)
