"""The open-data publisher: Frictionless data packages of the address directory and the notices."""
