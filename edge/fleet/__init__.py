"""A fleet of edge nodes sharing one control plane in PostgreSQL (docs/fleet.md).

The door is `edge.control.store.open_store("postgresql://...")`, which opens `PgStore`
(pgstore.py): metadata and module bytes in PostgreSQL, bytes cached on each node
(pgblobs.py), schema migrations as plain SQL files (migrate.py, migrations/), changes
announced by LISTEN/NOTIFY (listen.py), a registry of nodes with heartbeats, and each
node's last known state on its own disk, to start from while the database cannot be reached
(lastknown.py).
"""
