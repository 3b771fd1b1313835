"""The GraphQL schema: Strawberry types, queries, mutations and subscriptions over the domain."""
