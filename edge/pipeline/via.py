"""This edge node's identity in `Via` headers: added to what it sends, and how a loop back
through it is recognised (the front door answers 508)."""

from __future__ import annotations

import secrets

NODE_ID = secrets.token_hex(16)
VIA = f"1.1 {NODE_ID}.edge (edge)"
VIA_WIRE = (b"via", VIA.encode("latin-1"))
