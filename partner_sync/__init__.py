"""The reference partner client: keeps a local SQLite mirror of the public registry up to date through the
public GraphQL API alone (``snapshot``, the ``changes`` query, the ``changes`` subscription), as any
partner system could. ``jiqun sync`` runs it."""
