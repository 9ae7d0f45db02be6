"""A node that cannot apply the stored behaviors/origins says so: `edge nodes` on any node lists
it `behind` at the last revision it applied in full, with the reason, and its /readyz says
`degraded` with it; once it can apply them, it reads `ok` and `ready` again.

A fleet trial met the opposite: a node logged "stored behaviors/origins cannot be applied here
(keeping the previous ones)" (a relative origin root that does not exist beside its manifest)
and kept serving the previous behaviors, while `edge nodes` listed it `ok` at the store's
revision: the fleet had split without anything showing it."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from edge.cli.main import cli

from .control_helpers import SITE, TOKEN, ControlServer, manifest_text
from .fleet_helpers import get_json, wait_for

pytestmark = pytest.mark.timeout(120)

ROUTING = {"origins": {"pages": {"root": "pages", "index": "index.html"},  # beside each node's manifest
                       "site": {"root": str(SITE), "index": "index.html"}},
           "behaviors": [{"path": "/p/*", "origin": "pages"}, {"path": "*", "origin": "site"}]}


def node(tmp_path, name: str, url: str) -> ControlServer:
    directory = tmp_path / name
    directory.mkdir()
    (directory / "m.toml").write_text(manifest_text())
    return ControlServer(directory / "m.toml", directory / "state", store=url, node_name=name).start()


def entries(server: ControlServer) -> dict[str, dict]:
    return {n["name"]: n for n in get_json(server.admin, "/v1/nodes")["nodes"]}


def test_a_node_that_cannot_apply_the_stored_behaviors_reads_behind_with_the_reason(pg_url, tmp_path):
    fra1, ams1 = node(tmp_path, "fra1", pg_url), node(tmp_path, "ams1", pg_url)
    try:
        (tmp_path / "fra1" / "pages" / "p").mkdir(parents=True)
        (tmp_path / "fra1" / "pages" / "p" / "x.txt").write_text("fra1's page")
        wait_for(lambda: {n["health"] for n in entries(fra1).values()} == {"ok"}, what="both nodes ok")
        before = get_json(ams1.admin, "/v1/status")["revision"]
        assert ams1.edge.get("/p/x.txt").status_code == 404  # the site origin: no such file

        r = fra1.admin.put("/v1/config", json=ROUTING)  # fra1 has pages/ beside its manifest; ams1 does not
        assert r.status_code == 200, r.text
        revision = get_json(fra1.admin, "/v1/status")["revision"]
        assert fra1.edge.get("/p/x.txt").text == "fra1's page"

        def ams1_behind() -> dict | None:
            entry = entries(fra1)["ams1"]
            return entry if entry["health"] == "behind" and entry["reason"] else None

        entry = wait_for(ams1_behind, what="ams1 behind with its reason")
        assert entry["applied_revision"] == before < revision, entry
        assert entry["reason"].startswith("stored behaviors/origins cannot be applied here (keeping the previous "
                                          "ones): [origins.pages]: root "), entry
        assert "pages is not a directory" in entry["reason"] and "\n" not in entry["reason"]
        assert [w["not_applied"] for w in entry["workers"]] == [entry["reason"]]
        own = entries(ams1)["ams1"]  # the node's own admin API says the same
        assert (own["health"], own["reason"], own["applied_revision"]) == ("behind", entry["reason"], before)
        assert entries(fra1)["fra1"]["health"] == "ok" and entries(fra1)["fra1"]["reason"] is None
        assert ams1.edge.get("/p/x.txt").status_code == 404  # what the registry says: the previous behaviors

        ready = ams1.admin.get("/readyz")
        assert ready.status_code == 200 and ready.json()["status"] == "degraded", ready.text
        assert ready.json()["not_applied"] == entry["reason"] and ready.json()["applied_revision"] == before
        assert fra1.admin.get("/readyz").json()["status"] == "ready"

        listed = CliRunner().invoke(cli, ["nodes", "--server", fra1.admin_url, "--token", TOKEN])
        assert listed.exit_code == 0, listed.output
        lines = listed.output.splitlines()
        row = next(line.split() for line in lines if line.startswith("ams1 "))  # NAME ADDRESS RELEASE REVISION ...
        assert row[3] == str(before) and row[6] == "behind" and row[7] == "1", lines
        assert f"ams1 at {entry['address']}: stored behaviors/origins cannot be applied here" in listed.output

        # what the stored origin names appears beside ams1's manifest: the next change applies it
        (tmp_path / "ams1" / "pages" / "p").mkdir(parents=True)
        (tmp_path / "ams1" / "pages" / "p" / "x.txt").write_text("ams1's page")
        assert fra1.admin.post("/v1/invalidations", json={"paths": ["/p/*"]}).status_code == 201
        wait_for(lambda: entries(fra1)["ams1"]["health"] == "ok", what="ams1 ok again")
        assert entries(fra1)["ams1"]["reason"] is None
        assert ams1.edge.get("/p/x.txt").text == "ams1's page"
        assert ams1.admin.get("/readyz").json()["status"] == "ready"
    finally:
        fra1.stop()
        ams1.stop()
