"""Jinja templates of the landing pages and the per-release README."""
