"""A mypy plugin: ``.get`` with a literal key that a ``TypedDict`` does not declare is an error.

mypy checks ``facts["key"]`` against the ``TypedDict`` but lets ``facts.get("key")`` through for any key,
typing the result ``object``, so an optional fact read under a misspelt name would still pass. The rule
facts (domain/rules/facts.py) are ``TypedDict``s; this plugin, named in pyproject.toml, refuses such a key
with mypy's own ``typeddict-item`` error and leaves the typing of the result to mypy's default callback.
"""

from __future__ import annotations

from collections.abc import Callable

from mypy.plugin import MethodContext, Plugin
from mypy.plugins.common import try_getting_str_literals
from mypy.plugins.default import typed_dict_get_callback
from mypy.types import Type, TypedDictType, get_proper_type


def _checked_get(ctx: MethodContext) -> Type:
    mapping = get_proper_type(ctx.type)
    if isinstance(mapping, TypedDictType) and ctx.args and len(ctx.args[0]) == 1:
        key_expr = ctx.args[0][0]
        for key in try_getting_str_literals(key_expr, ctx.arg_types[0][0]) or ():
            if key not in mapping.items:
                ctx.api.msg.typeddict_key_not_found(mapping, key, key_expr)
    return typed_dict_get_callback(ctx)


class TypedDictGetPlugin(Plugin):
    def get_method_hook(self, fullname: str) -> Callable[[MethodContext], Type] | None:
        return _checked_get if fullname == "typing.Mapping.get" else None


def plugin(version: str) -> type[Plugin]:
    return TypedDictGetPlugin
