"""The simulator's Kubernetes API semantics, against a real server on 127.0.0.1 with plain HTTP clients.

resourceVersions from one counter, fieldSelector, limit/continue, the watch wire format (chunked,
newline-delimited JSON), MODIFIED while a watch is open, bookmarks only when asked, a clean close at
timeoutSeconds, one ERROR event with a 410 Status for a too-old resourceVersion, websocket frames, HTTP/2.
"""

from __future__ import annotations

import http.client
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

pytest.importorskip("hypercorn", reason="the simulator needs pip install -e '.[test]'")
pytest.importorskip("trustme", reason="the simulator needs pip install -e '.[test]'")

from samples.simulator.server import Simulator, SimulatorOptions
from samples.simulator.world import key

MICROSERVICES = "/api-gateway/kubernetes/calico3/apis/asm.alauda.io/v1beta3/namespaces/testhl/microservices"
ASM_CAL3 = key("microservices", "asm-cal3")


@pytest.fixture(scope="module")
def sim() -> Iterator[Simulator]:
    with Simulator(SimulatorOptions(latency=0, history_limit=4)) as running:
        yield running


def _get(sim: Simulator, target: str) -> tuple[int, Any]:
    connection = http.client.HTTPConnection("127.0.0.1", sim.http_port, timeout=10)
    connection.request("GET", target)
    response = connection.getresponse()
    body = json.loads(response.read())
    connection.close()
    return response.status, body


def _watch(sim: Simulator, query: str) -> tuple[http.client.HTTPResponse, list[dict[str, Any]], float]:
    """Open a watch, read every event until the server ends the stream; returns the seconds it lasted."""
    connection = http.client.HTTPConnection("127.0.0.1", sim.http_port, timeout=15)
    started = time.monotonic()
    connection.request("GET", f"{MICROSERVICES}?{query}")
    response = connection.getresponse()
    events = [json.loads(line) for line in iter(response.readline, b"")]
    return response, events, time.monotonic() - started


def _version(sim: Simulator) -> int:
    return int(_get(sim, MICROSERVICES)[1]["metadata"]["resourceVersion"])


def test_every_change_takes_the_next_value_of_one_counter(sim: Simulator) -> None:
    before = _version(sim)
    sim.modify(ASM_CAL3)
    sim.modify(key("configmaps", "asm-cal3-config"))  # another resource: the same counter
    status, obj = _get(sim, f"{MICROSERVICES}/asm-cal3")
    assert status == 200 and obj["metadata"]["resourceVersion"] == str(before + 1)
    assert _version(sim) == before + 2


@pytest.mark.parametrize("selector", ["metadata.name=asm-cal4", "metadata.name==asm-cal4"])
def test_field_selector_narrows_a_list_to_one_object(sim: Simulator, selector: str) -> None:
    status, body = _get(sim, f"{MICROSERVICES}?fieldSelector={selector}")
    assert status == 200 and [i["metadata"]["name"] for i in body["items"]] == ["asm-cal4"]


def test_bad_parameters_and_missing_objects_are_status_errors(sim: Simulator) -> None:
    status, body = _get(sim, f"{MICROSERVICES}?fieldSelector=spec.replicas=2")
    assert (status, body["kind"], body["code"]) == (400, "Status", 400)
    assert _get(sim, f"{MICROSERVICES}?watch=true&timeoutSeconds=1.5")[0] == 400
    status, body = _get(sim, f"{MICROSERVICES}/nope")
    assert (status, body["reason"]) == (404, "NotFound")


def test_limit_and_continue_page_one_snapshot(sim: Simulator) -> None:
    _, first = _get(sim, f"{MICROSERVICES}?limit=2")
    assert len(first["items"]) == 2 and first["metadata"]["continue"]
    _, second = _get(sim, f"{MICROSERVICES}?limit=2&continue={first['metadata']['continue']}")
    assert [i["metadata"]["name"] for i in second["items"]] == ["asm-cal5"]
    assert second["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    assert "continue" not in second["metadata"]
    assert _get(sim, f"{MICROSERVICES}?limit=2&continue=garbage")[0] == 400


@pytest.mark.parametrize("value", ["false", "0", "FALSE"])
def test_watch_false_is_a_list(sim: Simulator, value: str) -> None:
    assert _get(sim, f"{MICROSERVICES}?watch={value}")[1]["kind"] == "MicroServiceList"


def test_watch_streams_changes_and_closes_cleanly_at_timeout_seconds(sim: Simulator) -> None:
    start = _version(sim)
    timer = threading.Timer(0.3, sim.modify, args=(ASM_CAL3,))
    timer.start()
    response, events, lasted = _watch(sim, f"fieldSelector=metadata.name=asm-cal3&watch=true&timeoutSeconds=1"
                                           f"&resourceVersion={start}")  # fmt: skip
    timer.join()
    assert response.status == 200 and response.getheader("Content-Type") == "application/json"
    assert response.getheader("Transfer-Encoding") == "chunked"
    assert [e["type"] for e in events] == ["MODIFIED"]
    assert events[0]["object"]["metadata"]["resourceVersion"] == str(start + 1)
    assert 0.9 <= lasted < 2.0
    record = [r for r in sim.log.records() if r.verb == "watch"][-1]
    assert (record.end_reason, record.key) == ("timeout", "calico3/asm.alauda.io/v1beta3/testhl/microservices/asm-cal3")


def test_bookmarks_only_when_asked(sim: Simulator) -> None:
    version = _version(sim)
    _, events, _ = _watch(sim, f"watch=true&allowWatchBookmarks=true&timeoutSeconds=3&resourceVersion={version}")
    assert events == [{"type": "BOOKMARK", "object": {"kind": "MicroService", "apiVersion": "asm.alauda.io/v1beta3",
                                                     "metadata": {"resourceVersion": str(version)}}}]  # fmt: skip
    _, events, _ = _watch(sim, f"watch=true&timeoutSeconds=1&resourceVersion={version}")
    assert events == []


def test_watch_without_resource_version_starts_with_the_current_objects(sim: Simulator) -> None:
    _, events, _ = _watch(sim, "watch=1&timeoutSeconds=1")
    assert [(e["type"], e["object"]["metadata"]["name"]) for e in events] == [
        ("ADDED", "asm-cal3"), ("ADDED", "asm-cal4"), ("ADDED", "asm-cal5")]  # fmt: skip


def test_too_old_resource_version_is_one_error_event_in_a_200_stream(sim: Simulator) -> None:
    old = _version(sim)
    for _ in range(5):  # the history keeps 4 events
        sim.modify(key("configmaps", "leader-lock", namespace="kube-system"))
    response, events, lasted = _watch(sim, f"watch=true&timeoutSeconds=30&resourceVersion={old}")
    assert response.status == 200 and lasted < 1
    (event,) = events
    assert event["type"] == "ERROR"
    assert {k: event["object"][k] for k in ("kind", "status", "reason", "code")} == {
        "kind": "Status", "status": "Failure", "reason": "Expired", "code": 410}  # fmt: skip
    assert event["object"]["message"].startswith(f"too old resource version: {old} (")
    assert [r for r in sim.log.records() if r.verb == "watch"][-1].end_reason == "expired"


def test_websocket_watch_sends_one_text_frame_per_event(sim: Simulator) -> None:
    wsproto = pytest.importorskip("wsproto")
    from wsproto.events import AcceptConnection, CloseConnection, Request, TextMessage

    client = wsproto.WSConnection(wsproto.ConnectionType.CLIENT)
    with socket.create_connection(("127.0.0.1", sim.http_port), timeout=10) as sock:
        sock.sendall(client.send(Request(host="127.0.0.1", target=f"{MICROSERVICES}?watch=true&timeoutSeconds=1")))
        frames, accepted, closed = [], False, None
        while closed is None:
            client.receive_data(sock.recv(65536) or None)
            for event in client.events():
                if isinstance(event, AcceptConnection):
                    accepted = True
                elif isinstance(event, TextMessage):
                    frames.append(event.data)
                elif isinstance(event, CloseConnection):
                    closed = event.code
    assert accepted and closed == 1000
    assert [json.loads(f)["type"] for f in frames] == ["ADDED"] * 3 and all(f.endswith("\n") for f in frames)


def test_tls_listener_negotiates_http2(sim: Simulator) -> None:
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    context.set_alpn_protocols(["h2", "http/1.1"])
    with socket.create_connection(("127.0.0.1", sim.https_port), timeout=10) as raw, context.wrap_socket(raw) as tls:
        assert tls.selected_alpn_protocol() == "h2"
