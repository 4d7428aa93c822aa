"""Every kind of secret docs/security.md lists, planted in one capture, is absent from every output of every command
with default options (and from `sanitize`'s HAR); `--show-secrets` shows the URL ones."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from analyzer.cli import cli
from tests.factories import document, make_har, request

GATEWAY = "console.example.com/api-gateway/kubernetes/calico3"
PODS = f"https://{GATEWAY}/api/v1/namespaces/testhl/pods"
JWT = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJzZWNyZXQtand0In0.c2lnbmF0dXJlLWp3dA"
OPENSHIFT = "sha256~c2VjcmV0LW9wZW5zaGlmdC10b2tlbi0xMjM0NQ"
WS_TOKEN = "c2VjcmV0LXdlYnNvY2tldC1iZWFyZXI"
SECRET_VALUE = "secret-data-value-3"

# Each planted secret: what must never be printed, and where it sits.
PLANTED = {
    "userinfo": "pa55-userinfo-1",
    "fragment": "fragment-token-2",
    "percent-encoded name": "encoded-name-4",
    "jwt in a parameter": JWT,
    "openshift token": OPENSHIFT,
    "websocket bearer": WS_TOKEN,
    "x-vault-token": "vault-5",
    "x-auth-request-access-token": "auth-request-6",
    "cookie2": "cookie2-7",
    "set-cookie2": "set-cookie2-8",
    "authorization": "bearer-9",
    "location fragment": "location-10",
    "secret data": base64.b64encode(SECRET_VALUE.encode()).decode(),
}


LOCATION = f"https://{GATEWAY}/cb#access_token={PLANTED['location fragment']}"
PROTOCOLS = f"base64url.bearer.authorization.k8s.io.{WS_TOKEN}, base64.binary.k8s.io"


def _capture(tmp_path: Path) -> Path:
    headers = [
        {"name": "Authorization", "value": f"Bearer {PLANTED['authorization']}"},
        {"name": "X-Vault-Token", "value": PLANTED["x-vault-token"]},
        {"name": "X-Auth-Request-Access-Token", "value": PLANTED["x-auth-request-access-token"]},
        {"name": "Cookie2", "value": f"sid={PLANTED['cookie2']}"},
        {"name": "Referer", "value": f"https://{GATEWAY}/console#id_token={PLANTED['fragment']}"},
    ]
    secret = {"kind": "Secret", "apiVersion": "v1", "metadata": {"name": "db", "resourceVersion": "7"},
              "data": {"password": PLANTED["secret data"]}}  # fmt: skip
    poll = f"{PODS}/web?state={JWT}&access%5Ftoken={PLANTED['percent-encoded name']}"
    polled: dict[str, Any] = {
        "request.headers": headers,
        "pageref": "page_1",
        "response.headers": [{"name": "Set-Cookie2", "value": f"s={PLANTED['set-cookie2']}"}],
    }
    secret_read: dict[str, Any] = {
        "response.content.text": json.dumps(secret),
        "pageref": "page_1",
        "response.headers": [{"name": "Location", "value": LOCATION}],
    }
    socket: dict[str, Any] = {
        "_resourceType": "websocket",
        "pageref": "page_1",
        "request.headers": [{"name": "Sec-WebSocket-Protocol", "value": PROTOCOLS}],
    }
    entries = [
        document(f"https://user:{PLANTED['userinfo']}@{GATEWAY}/console#access_token={PLANTED['fragment']}", 0.0,
                 **{"request.headers": headers, "pageref": "page_1"}),
        *(request(poll, 1.0 + 5 * i, **polled) for i in range(4)),
        request(f"{PODS}/web/secrets/{OPENSHIFT}", 2.0, pageref="page_1"),
        request(f"https://{GATEWAY}/api/v1/namespaces/testhl/secrets/db", 3.0, **secret_read),
        request(f"wss://{GATEWAY}/api/v1/namespaces/testhl/pods?watch=true", 4.0, 30_000.0, **socket),
    ]  # fmt: skip
    title = f"console#access_token={PLANTED['fragment']}"
    har = make_har(entries, pages=[{"id": "page_1", "title": title, "startedDateTime": "2026-11-01T10:00:00.000Z",
                                    "pageTimings": {}}])  # fmt: skip
    path = tmp_path / "planted.har"
    path.write_text(json.dumps(har), encoding="utf-8")
    return path


COMMANDS = [
    ["analyze"], ["analyze", "--format", "json"], ["analyze", "--format", "markdown"],
    ["requests"], ["requests", "--format", "csv"], ["requests", "--format", "json"], ["requests", "--format", "jsonl"],
    ["navigations"], ["navigations", "--format", "json"], ["connections", "--format", "json"],
    ["streams", "--format", "json"], ["check", "--format", "json"], ["check", "--format", "junit"],
    ["check", "--format", "markdown"], ["diff", "{capture}"], ["diff", "{capture}", "--format", "json"],
]  # fmt: skip


def _leaks(data: bytes) -> list[str]:
    return [kind for kind, secret in PLANTED.items() if secret.encode() in data or SECRET_VALUE.encode() in data]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: "-".join(c).replace("{capture}", "x").replace("--", ""))
def test_no_planted_secret_in_any_output(tmp_path: Path, command: list[str]) -> None:
    capture = _capture(tmp_path)
    name, *rest = command
    result = CliRunner().invoke(cli, [name, str(capture), *(a.replace("{capture}", str(capture)) for a in rest)])
    assert result.exit_code in (0, 1), result.output
    assert result.stdout and _leaks(result.stdout.encode()) == [] and _leaks(result.stderr.encode()) == []


def test_no_planted_secret_in_a_report_or_a_sanitized_copy(tmp_path: Path) -> None:
    capture = _capture(tmp_path)
    result = CliRunner().invoke(cli, ["report", str(capture), "-o", str(tmp_path / "out")])
    assert result.exit_code in (0, 1), result.output
    for path in (tmp_path / "out").iterdir():
        assert _leaks(path.read_bytes()) == [], path.name
    result = CliRunner().invoke(cli, ["sanitize", str(capture), "-o", str(tmp_path / "safe.har")])
    assert result.exit_code == 0, result.output
    assert _leaks((tmp_path / "safe.har").read_bytes()) == [] and _leaks(result.stderr.encode()) == []


def test_show_secrets_shows_them(tmp_path: Path) -> None:
    capture = _capture(tmp_path)
    result = CliRunner().invoke(cli, ["requests", str(capture), "--format", "csv", "--show-secrets"])
    assert result.exit_code == 0, result.output
    assert {"userinfo", "fragment", "percent-encoded name", "jwt in a parameter", "openshift token"} <= {
        kind for kind, secret in PLANTED.items() if secret in result.stdout
    }


def test_no_planted_secret_in_a_fleet_dataset_nor_what_query_and_trend_show(tmp_path: Path) -> None:
    (tmp_path / "captures").mkdir()
    capture = _capture(tmp_path / "captures")
    fleet = tmp_path / "fleet"
    result = CliRunner().invoke(cli, ["batch", str(capture), "-o", str(fleet), "--requests", "--workers", "1"])
    assert result.exit_code == 0, result.output
    for path in fleet.rglob("*.parquet"):
        assert _leaks(path.read_bytes()) == [], path
    for table in ("captures", "loads", "resources", "streams", "findings", "requests"):
        for fmt in ("table", "csv", "json"):
            result = CliRunner().invoke(cli, ["query", str(fleet), f"SELECT * FROM {table}", "--format", fmt])
            assert result.exit_code == 0 and result.stdout and _leaks(result.stdout.encode()) == [], (table, fmt)
    result = CliRunner().invoke(cli, ["trend", str(fleet), "--all", "-o", str(tmp_path / "trend")])
    assert result.exit_code == 0 and "/console" in result.stdout and _leaks(result.stdout.encode()) == []
    for path in (tmp_path / "trend").iterdir():
        assert _leaks(path.read_bytes()) == [], path.name
