"""A mutation whose change was committed never answers as if it failed.

After the commit a mutation reads its object back to build the payload. If the database goes away in
between (a restart, a broken connection), that read fails although the change is saved; masked as an
ordinary error, the answer would invite a client to repeat a write that already happened. This field
extension on every mutation notices that case (the request committed a write while the field ran) and
answers ``SAVED_RESULT_UNAVAILABLE`` instead: the change is saved, read it again rather than repeat it.
"""

from __future__ import annotations

from typing import Any

from strawberry.extensions import FieldExtension
from strawberry.types import Info

from domain.db import is_database_unavailable
from schema.errors import ApiError


class SavedResultUnavailable(ApiError):
    code = "SAVED_RESULT_UNAVAILABLE"

    def __init__(self) -> None:
        super().__init__(
            "the change was saved, but reading it back failed because the database became unavailable; "
            "query it again instead of repeating the mutation",
            messageZh="变更已保存，但数据库暂时不可用，未能读取结果；请重新查询，不要重复提交",
            committed=True,
        )


class SavedResultGuard(FieldExtension):
    async def resolve_async(self, next_: Any, source: Any, info: Info, **kwargs: Any) -> Any:
        committed = info.context.writes
        try:
            return await next_(source, info, **kwargs)
        except Exception as exc:
            if info.context.writes > committed and is_database_unavailable(exc):
                raise SavedResultUnavailable() from exc
            raise
