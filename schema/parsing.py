"""Parsing GraphQL documents without holding the event loop, and once per query text.

Parsing costs about a microsecond per character here: a 100 KB document of 5,000 tokens takes 20-40 ms,
and every other request on the process would wait for it. Long documents are parsed in a worker thread
(the interpreter switches threads every few milliseconds, so the event loop keeps answering), and
documents are remembered by their text, because clients send the same few documents again and again.
A parsed document is never changed by validation or execution, so one parse serves every request.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from graphql import DocumentNode, GraphQLError, parse

from schema.error_codes import MAX_TOKENS_EXCEEDED, PARSE_FAILED, with_code

MAX_ENTRIES = 1_024
MAX_REMEMBERED_CHARS = 20_000
# Below this length a parse takes well under a millisecond, less than handing it to a thread costs.
PARSE_IN_THREAD_CHARS = 1_000
# graphql-transport-ws closes the connection with the parser's message as the close reason, which holds
# at most 123 bytes; a longer one makes the close itself fail and the client sees no reason at all.
MAX_CLOSE_REASON_BYTES = 123


def _fit_close_reason(error: GraphQLError) -> GraphQLError:
    encoded = error.message.encode()
    if len(encoded) > MAX_CLOSE_REASON_BYTES:
        error.message = encoded[: MAX_CLOSE_REASON_BYTES - 3].decode(errors="ignore") + "…"
    return error


class ParsedDocuments:
    """Documents parsed before, by query text and token limit; least recently used first out."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_chars: int = MAX_REMEMBERED_CHARS) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._documents: OrderedDict[tuple[str, int], DocumentNode] = OrderedDict()

    def remembered(self, query: str, max_tokens: int) -> DocumentNode | None:
        """The document of ``query`` if it was parsed before and is still remembered."""
        return self._documents.get((query, max_tokens))

    async def parse(self, query: str, max_tokens: int) -> DocumentNode:
        """The document of ``query``; a ``GraphQLError`` (with its code) when it is not a valid document."""
        key = (query, max_tokens)
        document = self._documents.get(key)
        if document is not None:
            self._documents.move_to_end(key)
            return document
        try:
            if len(query) < PARSE_IN_THREAD_CHARS:
                document = parse(query, max_tokens=max_tokens)
            else:
                document = await asyncio.to_thread(parse, query, max_tokens=max_tokens)
        except GraphQLError as error:
            too_long = f"more than {max_tokens} tokens" in error.message
            raise _fit_close_reason(with_code(error, MAX_TOKENS_EXCEEDED if too_long else PARSE_FAILED)) from None
        if len(query) <= self.max_chars:
            self._documents[key] = document
            if len(self._documents) > self.max_entries:
                self._documents.popitem(last=False)
        return document


PARSED_DOCUMENTS = ParsedDocuments()
