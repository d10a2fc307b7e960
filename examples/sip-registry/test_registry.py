"""registry.py, tested without a server:  python3 -m pytest examples/sip-registry

Expiry is tested on a fake clock: the script reads time through its module-level
`clock`, which the fixture replaces.
"""
import json
from pathlib import Path

import pytest

from siphon.testing import HttpTestHarness, LogLine

SCRIPT = Path(__file__).with_name("registry.py")
FRA = {"uri": "sips:gw-fra-1.example.net:5061", "region": "eu-central", "transport": "tls", "capacity": 120}
AMS = {"uri": "sip:gw-ams-1.example.net", "region": "eu-west", "transport": "udp"}


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def harness(monkeypatch, clock):
    monkeypatch.setenv("TRUNK_TTL_SECONDS", "30")
    harness = HttpTestHarness(SCRIPT)
    harness.module.clock = clock
    with harness:
        yield harness


def register(harness, trunk_id, fields):
    return harness.put(f"/trunks/{trunk_id}", body=json.dumps(fields), headers={"content-type": "application/json"})


def listed(harness, query=""):
    response = harness.get(f"/trunks{query}")
    assert response.status == 200
    return [trunk["id"] for trunk in json.loads(response.body)["trunks"]]


def test_startup_logs_the_ttl(harness):
    assert LogLine("INFO", "registry", "sip trunk registry ready; trunks expire 30 s after their last heartbeat") in harness.logs


@pytest.mark.parametrize("value", ["soon", "0", "-5"])
def test_startup_refuses_a_bad_ttl(monkeypatch, value):
    monkeypatch.setenv("TRUNK_TTL_SECONDS", value)
    with pytest.raises(RuntimeError, match="TRUNK_TTL_SECONDS must be"):
        HttpTestHarness(SCRIPT).start()


def test_register_is_201_with_location_then_200(harness, clock):
    first = register(harness, "gw-fra-1", FRA)
    assert first.status == 201
    assert first.headers["location"] == "/trunks/gw-fra-1"
    assert first.headers["content-type"] == "application/json"
    body = json.loads(first.body)
    assert {k: body[k] for k in FRA} == FRA
    assert body["id"] == "gw-fra-1" and body["expires_in"] == 30.0

    clock.now += 10
    again = register(harness, "gw-fra-1", {**FRA, "capacity": 200})
    assert again.status == 200
    assert "location" not in again.headers
    assert json.loads(again.body)["capacity"] == 200
    assert json.loads(again.body)["registered_at"] == body["registered_at"]
    assert LogLine("INFO", "registry", "registered trunk gw-fra-1: sips:gw-fra-1.example.net:5061 (eu-central, tls)") in harness.logs


def test_get_one_trunk(harness):
    register(harness, "gw-ams-1", AMS)
    response = harness.get("/trunks/gw-ams-1")
    assert response.status == 200
    assert json.loads(response.body)["capacity"] is None
    assert harness.get("/trunks/nope").status == 404


def test_discover_filters_by_region_and_transport(harness):
    register(harness, "gw-fra-1", FRA)
    register(harness, "gw-fra-2", {**FRA, "transport": "TCP"})
    register(harness, "gw-ams-1", AMS)
    assert listed(harness) == ["gw-ams-1", "gw-fra-1", "gw-fra-2"]
    assert listed(harness, "?region=eu-central") == ["gw-fra-1", "gw-fra-2"]
    assert listed(harness, "?region=eu-central&transport=tcp") == ["gw-fra-2"]
    assert listed(harness, "?transport=udp") == ["gw-ams-1"]
    assert listed(harness, "?region=us-east") == []
    response = harness.get("/trunks?transport=carrier-pigeon")
    assert response.status == 400


def test_heartbeat_keeps_a_trunk_alive_and_silence_expires_it(harness, clock):
    register(harness, "gw-fra-1", FRA)
    register(harness, "gw-ams-1", AMS)
    clock.now += 20
    assert harness.patch("/trunks/gw-fra-1").status == 204
    clock.now += 15  # gw-ams-1 silent for 35 s > 30 s; gw-fra-1 heard 15 s ago
    assert listed(harness) == ["gw-fra-1"]
    assert json.loads(harness.get("/trunks/gw-fra-1").body)["expires_in"] == 15.0
    assert harness.get("/trunks/gw-ams-1").status == 404
    assert LogLine("INFO", "registry", "trunk gw-ams-1 expired (no heartbeat for 30 s)") in harness.logs

    heartbeat = harness.patch("/trunks/gw-ams-1")
    assert heartbeat.status == 404
    assert "expired" in json.loads(heartbeat.body)["error"]
    assert register(harness, "gw-ams-1", AMS).status == 201  # registers anew


def test_deregister(harness):
    register(harness, "gw-fra-1", FRA)
    deleted = harness.delete("/trunks/gw-fra-1")
    assert deleted.status == 204
    assert deleted.body == b""
    assert harness.delete("/trunks/gw-fra-1").status == 404
    assert harness.patch("/trunks/gw-fra-1").status == 404
    assert listed(harness) == []


@pytest.mark.parametrize("body, status, error", [
    ("not json", 400, "body is not JSON"),
    ("[]", 400, "body must be a JSON object"),
    (json.dumps({**FRA, "uri": "http://gw"}), 422, "uri must be a sip: or sips: URI"),
    (json.dumps({**FRA, "region": " "}), 422, "region is required"),
    (json.dumps({**FRA, "transport": "sctp"}), 422, "transport must be one of udp, tcp, tls, ws, wss"),
    (json.dumps({**FRA, "capacity": 0}), 422, "capacity must be a positive integer"),
    (json.dumps({**FRA, "capacity": True}), 422, "capacity must be a positive integer"),
])
def test_register_rejects_bad_bodies(harness, body, status, error):
    response = harness.put("/trunks/gw-1", body=body)
    assert response.status == status
    assert json.loads(response.body)["error"].startswith(error)
    assert listed(harness) == []


def test_ids_are_checked(harness):
    assert register(harness, "-bad", FRA).status == 400
    assert register(harness, "x" * 65, FRA).status == 400


def test_routing(harness):
    assert harness.post("/trunks").status == 405
    response = harness.post("/trunks/gw-1")
    assert response.status == 405
    assert response.headers["allow"] == "DELETE, GET, HEAD, PATCH, PUT"
