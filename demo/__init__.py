"""Deterministic demo data for Daxing, Tongzhou and Wuxi, written through the domain commands (or a bulk
path that writes the same rows and change-log entries). Entry points: :mod:`demo.generate`."""
