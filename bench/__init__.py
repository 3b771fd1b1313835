"""Benchmarks of the API, the change feed and the publisher; ``python -m bench.run`` runs them all."""
