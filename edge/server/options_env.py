"""The environment variable that carries `edge serve`'s options to every worker process (JSON
of ServerOptions; edge/server/app.py's app_from_env reads it). A module of its own so that
the main process, which only sets it, does not import the app and its request path."""

from __future__ import annotations

OPTIONS_ENV = "EDGE_SERVER_OPTIONS"
