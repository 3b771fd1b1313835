"""Hand-written Table Schemas (Table Schema v2) of the published resources, shipped as package data."""
