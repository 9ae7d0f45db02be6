"""Upstream: where requests go after the hooks (HTTP origins and the built-in static origin)."""
