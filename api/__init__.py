"""The jiqun service: settings, the Starlette app, authentication, HTTP routes, the CLI and the broker."""
