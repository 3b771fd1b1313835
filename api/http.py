"""GraphQL over HTTP (https://graphql.github.io/graphql-over-http/draft/), with the API's protections.

* POST with ``application/json`` (UTF-8), and GET with the parameters in the query string. A mutation
  over GET is 405 with ``Allow: POST``. Other methods are 405, other request media types 415, a body
  over ``JIQUN_MAX_BODY_BYTES`` 413, a body that has not arrived within ``JIQUN_BODY_TIMEOUT_S`` 408 (and
  the connection closes), a request that is not a well-formed GraphQL-over-HTTP request (bad JSON, no
  ``query``, ``variables`` not an object, a batch, a string that is not text: a lone surrogate or NUL) 400.
* Responses in ``application/graphql-response+json`` (the default, and when preferred) or
  ``application/json``, as the ``Accept`` header asks; 406 when it accepts neither. With
  graphql-response+json a document that does not parse or validate, whose operation cannot be
  chosen, or whose variables do not coerce gets 400 and no ``data``; with application/json the same
  response comes with 200. Executed operations get 200, field errors or not.
* The caller: ``Authorization: Bearer <key>`` (401 for a bad key). Rate limits per key, or per client
  address without a key, with ``X-RateLimit-*`` headers on every response and 429 beyond them.
* A time limit per request (``JIQUN_REQUEST_TIMEOUT_S``, 504 beyond it); every response names its
  request id in ``X-Request-Id`` and, for GraphQL responses, ``extensions.requestId``.
* Anonymous GET responses without errors carry ``Cache-Control: public, max-age`` and an ``ETag``
  (answering ``If-None-Match`` with 304), so a CDN can serve them; everything else is ``no-store``.
* A browser asking for HTML without a query gets GraphiQL.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError, get_operation_ast
from graphql import OperationType as AstOperationType
from sqlalchemy.exc import DBAPIError
from starlette.requests import ClientDisconnect, Request
from starlette.responses import HTMLResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from api.auth import AuthenticationFailed, Caller, build_context, identify, request_id
from api.graphiql import graphiql_html
from api.json_text import encode_json
from api.limits import Decision, LocalLimiter, RedisLimiter
from api.response_cache import CACHED_ROLES, ResponseCache, Stamp, cache_key, reads_the_feed
from domain import feed
from domain.ids import is_decimal
from domain.unit_of_work import china_today
from schema.error_codes import OPERATION_RESOLUTION_FAILURE
from schema.masking import DATABASE_UNAVAILABLE, public_error
from schema.parsing import PARSED_DOCUMENTS
from schema.text_values import first_problem

log = logging.getLogger("jiqun.http")

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
OPERATIONS = {
    "GET": frozenset({OperationType.QUERY}),
    "POST": frozenset({OperationType.QUERY, OperationType.MUTATION}),
}


class HttpError(Exception):
    """A request refused before any GraphQL work, with its status, code and extra headers."""

    def __init__(self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = dict(headers or {})


@dataclass(frozen=True)
class Params:
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


def _media_params(value: str) -> tuple[str, dict[str, str]]:
    media, *rest = (part.strip() for part in value.split(";"))
    params = {}
    for p in rest:
        name, _, val = p.partition("=")
        params[name.strip().lower()] = val.strip().strip('"').lower()
    return media.lower(), params


def negotiate(accept: str | None) -> str | None:
    """The response media type for an Accept header, or ``None`` when none it lists is supported.

    No header means graphql-response+json (the spec's default since 2025); ``*/*`` and
    ``application/*`` get application/json, which every client reads."""
    if accept is None or not accept.strip():
        return GRAPHQL_RESPONSE
    ranked: list[tuple[float, int, str]] = []
    for index, item in enumerate(accept.split(",")):
        media, params = _media_params(item)
        try:
            q = float(params.get("q", "1"))
        except ValueError:
            q = 0.0
        if q <= 0 or params.get("charset", "utf-8") not in ("utf-8", "utf8"):
            continue
        chosen = {GRAPHQL_RESPONSE: GRAPHQL_RESPONSE, JSON: JSON, "application/*": JSON, "*/*": JSON}.get(media)
        if chosen is not None:
            ranked.append((-q, index, chosen))
    return min(ranked)[2] if ranked else None


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "") and "query" not in request.query_params


def _parse_json(raw: str | bytes, what: str) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise HttpError(400, "BAD_REQUEST", f"{what} is not valid JSON") from None
    except RecursionError:  # arrays or objects nested thousands deep
        raise HttpError(400, "BAD_REQUEST", f"{what} is nested too deeply") from None


def _params(data: Any) -> Params:
    if isinstance(data, list):
        raise HttpError(400, "BAD_REQUEST", "batched requests are not supported; send one operation per request")
    if not isinstance(data, dict):
        raise HttpError(400, "BAD_REQUEST", "the request body must be a JSON object")
    query, variables, name, extensions = (
        data.get("query"),
        data.get("variables"),
        data.get("operationName"),
        data.get("extensions"),
    )
    if not isinstance(query, str):
        raise HttpError(400, "BAD_REQUEST", "the request has no query (a string holding the GraphQL document)")
    if variables is not None and not isinstance(variables, dict):
        raise HttpError(400, "BAD_REQUEST", "variables must be a JSON object")
    if name is not None and not isinstance(name, str):
        raise HttpError(400, "BAD_REQUEST", "operationName must be a string")
    if extensions is not None and not isinstance(extensions, dict):
        raise HttpError(400, "BAD_REQUEST", "extensions must be a JSON object")
    _check_text(data)
    return Params(query, variables, name or None, extensions)


def _check_text(data: Any) -> None:
    """Refuse strings that are not text (schema/text_values.py): lone surrogates, which the JSON of a body
    may escape, and NUL."""
    found = first_problem(data)
    if found is not None:
        where, problem = found
        raise HttpError(400, "BAD_REQUEST", f"invalid text{where}: {problem}")


def _get_params(request: Request) -> Params:
    q = request.query_params
    data: dict[str, Any] = {"query": q.get("query"), "operationName": q.get("operationName") or None}
    for name in ("variables", "extensions"):
        if q.get(name):
            data[name] = _parse_json(q[name], name)
    return _params(data)


async def _body(request: Request, limit: int, timeout_s: float) -> bytes:
    """The request body, at most ``limit`` bytes, arriving within ``timeout_s``: a client that trickles its
    body would otherwise hold a connection (and a request slot) as long as it likes."""
    declared = request.headers.get("content-length")
    if declared is not None and is_decimal(declared) and int(declared) > limit:
        raise HttpError(413, "PAYLOAD_TOO_LARGE", f"the request body exceeds {limit} bytes")
    chunks, size = [], 0
    try:
        async with asyncio.timeout(timeout_s):
            async for chunk in request.stream():
                size += len(chunk)
                if size > limit:
                    raise HttpError(413, "PAYLOAD_TOO_LARGE", f"the request body exceeds {limit} bytes")
                chunks.append(chunk)
    except ClientDisconnect:
        raise HttpError(400, "BAD_REQUEST", "the client disconnected before sending the whole body") from None
    except TimeoutError:
        raise HttpError(
            408, "REQUEST_TIMEOUT", f"the request body did not arrive within {timeout_s:g}s", {"Connection": "close"}
        ) from None
    return b"".join(chunks)


async def _post_params(request: Request, limit: int, timeout_s: float) -> Params:
    content_type = request.headers.get("content-type")
    accepted = "send application/json (UTF-8)"
    if content_type is None:
        raise HttpError(415, "UNSUPPORTED_MEDIA_TYPE", f"the request has no Content-Type header; {accepted}")
    if not content_type.strip():
        raise HttpError(415, "UNSUPPORTED_MEDIA_TYPE", f"the Content-Type header is empty; {accepted}")
    media, params = _media_params(content_type)
    if not media:
        raise HttpError(415, "UNSUPPORTED_MEDIA_TYPE", f"the Content-Type header names no media type; {accepted}")
    if media != JSON:
        raise HttpError(415, "UNSUPPORTED_MEDIA_TYPE", f"{media} is not supported; {accepted}")
    charset = params.get("charset", "utf-8")
    if charset not in ("utf-8", "utf8"):
        raise HttpError(415, "UNSUPPORTED_MEDIA_TYPE", f"charset {charset} is not supported; send the JSON in UTF-8")
    return _params(_parse_json(await _body(request, limit, timeout_s), "the request body"))


def is_request_error(result: ExecutionResult) -> bool:
    """Whether the operation never executed: parse, validation, operation choice, variable coercion."""
    if isinstance(result, PreExecutionError):
        return True
    return result.data is None and bool(result.errors) and all(e.path is None for e in result.errors or ())


def _error_body(message: str, code: str, rid: str) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code, "requestId": rid}}]}


class GraphQLHTTP:
    """The ASGI endpoint serving ``/graphql`` over HTTP."""

    def __init__(self, schema: Any, services: Any, limiter: LocalLimiter | RedisLimiter) -> None:
        self.schema = schema
        self.services = services
        self.settings = services.settings
        self.limiter = limiter
        self.cache = ResponseCache(self.settings.response_cache_entries, self.settings.response_cache_mb * 2**20)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await self.handle(request)
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        rid = request_id(request.headers.get("x-request-id"))
        headers = {"X-Request-Id": rid, "Vary": "Accept, Authorization"}
        media = negotiate(request.headers.get("accept"))
        try:
            if request.method not in OPERATIONS:
                raise HttpError(405, "METHOD_NOT_ALLOWED", "use GET or POST", {"Allow": "GET, POST"})
            if request.method == "GET" and _wants_html(request):
                return HTMLResponse(graphiql_html(), headers=headers)
            if media is None:
                raise HttpError(406, "NOT_ACCEPTABLE", f"responses are {GRAPHQL_RESPONSE} or {JSON}")
            caller = await self._caller(request, headers)
            if request.method == "POST":
                params = await _post_params(request, self.settings.max_body_bytes, self.settings.body_timeout_s)
            else:
                params = _get_params(request)
            return await self._execute(request, caller, params, media, rid, headers)
        except HttpError as exc:
            return Response(
                encode_json(_error_body(exc.message, exc.code, rid)),
                status_code=exc.status,
                media_type=f"{media or JSON}; charset=utf-8",
                headers={**headers, **exc.headers, "Cache-Control": "no-store"},
            )

    async def _caller(self, request: Request, headers: dict[str, str]) -> Caller:
        client = request.client.host if request.client else "unknown"
        try:
            caller = await identify(self.services, request.headers.get("authorization"))
        except (DBAPIError, OSError) as exc:  # the key cannot be checked while the database is away
            log.warning("API key check failed, database unavailable: %s", exc)
            raise HttpError(503, "SERVICE_UNAVAILABLE", DATABASE_UNAVAILABLE, {"Retry-After": "1"}) from None
        except AuthenticationFailed as exc:
            self._limit(await self.limiter.hit(f"ip:{client}", self.settings.rate_limit_anonymous_per_minute), headers)
            raise HttpError(
                401, "UNAUTHENTICATED", str(exc), {"WWW-Authenticate": 'Bearer error="invalid_token"'}
            ) from None
        if caller.anonymous:
            decision = await self.limiter.hit(f"ip:{client}", self.settings.rate_limit_anonymous_per_minute)
        else:
            decision = await self.limiter.hit(f"key:{caller.actor.id}", self.settings.rate_limit_key_per_minute)
        self._limit(decision, headers)
        return caller

    @staticmethod
    def _limit(decision: Decision, headers: dict[str, str]) -> None:
        headers.update(decision.headers())
        if not decision.allowed:
            raise HttpError(429, "RATE_LIMITED", f"rate limit of {decision.limit} requests per minute reached")

    async def _stamp(self) -> Stamp | None:
        """The registry's state now (api/response_cache.py); ``None`` when the database cannot say, and the
        request then runs without the cache."""
        try:
            async with self.services.read_sessionmaker() as session:
                return Stamp(await feed.head_seq(session), china_today())
        except (DBAPIError, OSError):
            return None

    def _storable(self, params: Params) -> bool:
        """Whether the answer may be kept: a query (never a mutation) that reads no change-feed field."""
        document = PARSED_DOCUMENTS.remembered(params.query, self.settings.max_query_tokens)
        operation = get_operation_ast(document, params.operation_name) if document is not None else None
        return (
            document is not None
            and operation is not None
            and operation.operation == AstOperationType.QUERY
            and not reads_the_feed(document)
        )

    async def _execute(
        self, request: Request, caller: Caller, params: Params, media: str, rid: str, headers: dict[str, str]
    ) -> Response:
        key: str | None = None
        stamp: Stamp | None = None
        if self.cache.enabled and caller.actor.role in CACHED_ROLES:
            key = cache_key(caller.actor.role, params.query, params.operation_name, params.variables)
            stamp = await self._stamp()
        if key is not None and stamp is not None:
            etag = stamp.etag(key)
            if request.method == "GET" and _matches(request, etag):
                return Response(status_code=304, headers={**headers, **self._caching(caller), "ETag": etag})
            fresh = "no-cache" in request.headers.get("cache-control", "").lower()
            answer = None if fresh else self.cache.get(key, stamp)
            if answer is not None:
                result = ExecutionResult(data=answer.data, errors=None, extensions=answer.extensions)
                return self._response(request, caller, result, media, rid, headers, etag)
        result = await self._run(request, caller, params, rid)
        if key is None or stamp is None or result.errors or not isinstance(result.data, dict):
            return self._response(request, caller, result, media, rid, headers)
        if not self._storable(params):
            return self._response(request, caller, result, media, rid, headers)
        response = self._response(request, caller, result, media, rid, headers, stamp.etag(key))
        extensions = {k: v for k, v in (result.extensions or {}).items() if k != "requestId"}
        self.cache.put(key, stamp, result.data, extensions, size=len(response.body))
        return response

    async def _run(self, request: Request, caller: Caller, params: Params, rid: str) -> ExecutionResult:
        context = build_context(self.services, caller, rid, request=request)
        try:
            async with asyncio.timeout(self.settings.request_timeout_s):
                result = await self.schema.execute(
                    params.query,
                    variable_values=params.variables,
                    context_value=context,
                    operation_name=params.operation_name,
                    allowed_operation_types=OPERATIONS[request.method],
                    operation_extensions=params.extensions,
                )
        except InvalidOperationTypeError as exc:
            if request.method == "GET" and exc.operation_type == OperationType.MUTATION:
                raise HttpError(405, "METHOD_NOT_ALLOWED", "mutations need POST", {"Allow": "POST"}) from None
            reason = exc.as_http_error_reason(request.method)
            result = PreExecutionError(data=None, errors=[GraphQLError(reason, extensions={"code": "BAD_REQUEST"})])
        except CannotGetOperationTypeError as exc:
            error = GraphQLError(exc.as_http_error_reason(), extensions={"code": OPERATION_RESOLUTION_FAILURE})
            result = PreExecutionError(data=None, errors=[error])
        except MissingQueryError:
            raise HttpError(400, "BAD_REQUEST", "the query is empty") from None
        except TimeoutError:
            log.warning("request %s exceeded %ss", rid, self.settings.request_timeout_s)
            raise HttpError(
                504, "TIMEOUT", f"the request took longer than {self.settings.request_timeout_s:g}s"
            ) from None
        finally:
            await _close(context, rid)
        return result

    def _caching(self, caller: Caller) -> dict[str, str]:
        """How a client may keep a GET answer: shared caches may keep the public one for a while; a key
        holder's answer is revalidated with its ETag each time."""
        if caller.anonymous:
            return {"Cache-Control": f"public, max-age={self.settings.cache_max_age_s}"}
        return {"Cache-Control": "private, no-cache"}

    def _response(
        self,
        request: Request,
        caller: Caller,
        result: ExecutionResult,
        media: str,
        rid: str,
        headers: dict[str, str],
        etag: str | None = None,
    ) -> Response:
        request_error = is_request_error(result)
        cacheable = request.method == "GET" and caller.anonymous and not result.errors
        body: dict[str, Any] = {}
        if not request_error:
            body["data"] = result.data
        if result.errors:
            # Errors raised around execution (in an extension) bypass the schema's masking; mask them here.
            body["errors"] = [public_error(e, rid).formatted for e in result.errors]
        # A cacheable body must be the same for every request (its id stays in X-Request-Id).
        extensions = {k: v for k, v in (result.extensions or {}).items() if k != "requestId"}
        body["extensions"] = extensions if cacheable else {**extensions, "requestId": rid}
        encoded = encode_json(body)
        status = 400 if request_error and media == GRAPHQL_RESPONSE else 200
        if request.method == "GET" and etag is not None and not result.errors:
            headers.update(self._caching(caller))
            headers["ETag"] = etag
        elif cacheable:  # the response cache is off: the ETag is the body's own
            headers.update(self._caching(caller))
            headers["ETag"] = '"' + hashlib.sha256(encoded).hexdigest()[:32] + '"'
        else:
            headers["Cache-Control"] = "no-store"
            return Response(encoded, status_code=status, media_type=f"{media}; charset=utf-8", headers=headers)
        if _matches(request, headers["ETag"]):
            return Response(status_code=304, headers=headers)
        return Response(encoded, status_code=status, media_type=f"{media}; charset=utf-8", headers=headers)


def _matches(request: Request, etag: str) -> bool:
    """Whether the request's ``If-None-Match`` names ``etag``."""
    return etag in (t.strip() for t in request.headers.get("if-none-match", "").split(","))


async def _close(context: Any, rid: str) -> None:
    try:
        await context.close()
    except Exception:  # a connection broken by a cancelled statement is discarded by the pool
        log.warning("request %s: closing its read session failed", rid, exc_info=True)
