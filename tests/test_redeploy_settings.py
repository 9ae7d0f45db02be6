"""A function deleted and deployed anew with the same bytes gets the same version number and
sha256, but may carry other settings. Another control plane over the same store (a second
worker, a fleet node) that syncs once after both must serve the new settings, not keep the
version it loaded before under that number."""

from __future__ import annotations

from .control_helpers import generated, manifest_text


def _plane(tmp_path):
    from edge.control import routing
    from edge.control.plane import ControlPlane
    from edge.control.registry import Registry
    from edge.control.store import Store
    from edge.runtime import Runtime

    if not (tmp_path / "m.toml").exists():
        (tmp_path / "m.toml").write_text(manifest_text())
    runtime = Runtime(None, tmp_path / "artifacts")
    plane = ControlPlane(Store(tmp_path / "store"), runtime, Registry(runtime),
                         routing.load_manifest(str(tmp_path / "m.toml"), set()))
    plane.sync()
    return plane


def _env(published) -> dict[str, str]:
    assert dict(published.spec.env) == dict(published.functions["viewer"].config.env)
    return dict(published.spec.env)


SITE = {"site": {"root": "."}}


def _route(plane, routed: bool) -> None:
    """A behavior runs f:live (so every plane keeps f's version 1 loaded), or none does."""
    fn = [{"path": "/f", "origin": "site", "viewer_request": "f:live"}] if routed else []
    plane.replace_routing({"behaviors": [*fn, {"path": "*", "origin": "site"}], "origins": SITE})


def _redeployed(tmp_path):
    """A deploys f (env X=1), routed, and B loads it; A deletes f and deploys the same bytes
    (env X=2), routed again. B has not synced meanwhile."""
    a, b = _plane(tmp_path), _plane(tmp_path)
    first = a.deploy("f", generated("ok"), {"env": {"X": "1"}}, alias="live")
    _route(a, True)
    b.sync()
    loaded = b.registry.loaded("f", 1)
    assert loaded is not None and _env(loaded) == {"X": "1"}
    assert b.target("f", "1") is loaded
    _route(a, False)  # a referenced function cannot be deleted
    a.delete_function("f")
    again = a.deploy("f", generated("ok"), {"env": {"X": "2"}}, alias="live")
    _route(a, True)
    assert (again.row.version, again.row.sha256) == (first.row.version, first.row.sha256)
    assert _env(a.registry.loaded("f", 1)) == {"X": "2"}
    return a, b, loaded


def _join_upgrades() -> None:
    """Wait for optimized code to be swapped in (a swap replaces the loaded object itself)."""
    import threading

    for thread in threading.enumerate():
        if thread.name.startswith("edge-optimize"):
            thread.join(60)


def _close(*planes) -> None:
    for plane in planes:
        plane.close()
        plane.registry.close()


def test_a_sibling_loads_the_redeployed_settings_at_its_next_sync(tmp_path):
    a, b, old = _redeployed(tmp_path)
    try:
        b.sync()  # once: it missed the moment between the delete and the deploy
        _join_upgrades()
        now = b.registry.loaded("f", 1)
        assert now is not None and now is not old
        assert _env(now) == {"X": "2"}
        assert b.target("f", "live") is now and b.target("f", None) is now
        b.sync()  # nothing changed: the version stays
        assert b.registry.loaded("f", 1) is now
        assert a.registry.loaded("f", 1).settings == now.settings  # the deploy's own, checked once
    finally:
        _close(a, b)


def test_target_does_not_return_the_version_loaded_before(tmp_path):
    a, b, old = _redeployed(tmp_path)
    try:
        now = b.target("f", "1")  # before any sync
        assert now is not old and _env(now) == {"X": "2"}
        _join_upgrades()
        now = b.registry.loaded("f", 1)
        assert now is not None and _env(now) == {"X": "2"}
        b.sync()
        assert b.registry.loaded("f", 1) is now
    finally:
        _close(a, b)


def test_the_same_settings_again_keep_the_loaded_version(tmp_path):
    a, b = _plane(tmp_path), _plane(tmp_path)
    try:
        a.deploy("f", generated("ok"), {"env": {"X": "1"}}, alias="live")
        _join_upgrades()
        deployed = a.registry.loaded("f", 1)
        _route(a, True)
        assert a.registry.loaded("f", 1) is deployed  # the deploy's own version matches its row
        b.sync()
        _join_upgrades()
        loaded = b.registry.loaded("f", 1)
        assert loaded is not None
        _route(a, False)
        a.delete_function("f")
        a.deploy("f", generated("ok"), {"env": {"X": "1"}}, alias="live")
        _route(a, True)
        b.sync()
        assert b.registry.loaded("f", 1) is loaded  # nothing it serves differs
    finally:
        _close(a, b)
