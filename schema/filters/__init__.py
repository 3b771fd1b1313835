"""Filters and orderings of the list queries, as SQL the database can answer with its indexes."""
