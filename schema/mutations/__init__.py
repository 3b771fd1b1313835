"""The write API: one mutation per domain command, with payloads carrying ``userErrors``."""

from __future__ import annotations

import strawberry

from schema.mutations.addresses import AddressMutations
from schema.mutations.admin import AdminMutations
from schema.mutations.agencies import AgencyMutations
from schema.mutations.enterprises import EnterpriseMutations
from schema.mutations.notices import NoticeMutations
from schema.mutations.saved import SavedResultGuard
from schema.mutations.scores import ScoreMutations
from schema.mutations.supervision import SupervisionMutations

MUTATION_MIXINS: tuple[type, ...] = (
    AgencyMutations,
    AddressMutations,
    EnterpriseMutations,
    NoticeMutations,
    SupervisionMutations,
    ScoreMutations,
    AdminMutations,
)


def _guarded(mutation: type) -> type:
    """Every mutation answers SAVED_RESULT_UNAVAILABLE, not a failure, once its write has committed."""
    for f in mutation.__strawberry_definition__.fields:  # type: ignore[attr-defined]
        f.extensions.append(SavedResultGuard())
    return mutation


Mutation = _guarded(
    strawberry.type(
        type("Mutation", MUTATION_MIXINS, {}),
        description="The write API. Every mutation runs one domain command in one transaction.",
    )
)
