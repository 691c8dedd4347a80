"""The FHIR exporter as an installed plugin: found through the entry point, real files out."""

import json
from datetime import datetime, timedelta, timezone

import pytest

from painboard.config import Settings
from painboard.models import freeze_clock
from painboard.services import Painboard

NOW = datetime(2026, 11, 28, 14, 0, tzinfo=timezone.utc)


@pytest.fixture
def pb(tmp_path, monkeypatch):
    monkeypatch.delenv("PAINBOARD_LOAD_PLUGINS", raising=False)
    freeze_clock(NOW)
    yield Painboard(Settings.load(db=tmp_path / "p.db", plugins_dir=tmp_path / "none"))
    freeze_clock(None)


def test_registered_through_the_entry_point(pb):
    info = next(p for p in pb.plugin_list() if p.name == "fhir")
    assert info.source == "entry point" and info.error is None
    assert info.registers == {"exporters": ["fhir"]}
    assert info.version == "0.1.0"


def test_bundle_of_observations(pb, tmp_path):
    pb.log_pain(intensity=7, occurred_at=NOW - timedelta(hours=3), sites=["left hip"], note="stairs")
    pb.log_pain(intensity=0, occurred_at=NOW - timedelta(hours=1))
    r = pb.export("fhir", tmp_path / "b.json")
    assert r.count == 2
    assert (tmp_path / "b.json").stat().st_mode & 0o777 == 0o600
    b = json.loads((tmp_path / "b.json").read_text())
    assert b["resourceType"] == "Bundle" and b["type"] == "collection"
    obs = [e["resource"] for e in b["entry"]]
    assert [o["valueInteger"] for o in obs] == [7, 0]
    assert all(o["code"]["coding"][0]["code"] == "72514-3" for o in obs)
    assert all(o["status"] == "final" for o in obs)
    assert obs[0]["bodySite"] == {"text": "left hip"} and obs[0]["note"] == [{"text": "stairs"}]
    assert obs[0]["identifier"][0]["value"] != obs[1]["identifier"][0]["value"]
    assert obs[0]["effectiveDateTime"] == (NOW - timedelta(hours=3)).isoformat()
    assert len({e["fullUrl"] for e in b["entry"]}) == 2
