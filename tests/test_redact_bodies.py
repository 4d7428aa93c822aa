"""Secrets in bodies and websocket frames, found by what they are (table-driven): Secret data in objects, lists,
watch streams and applied-configuration annotations, TokenRequest tokens, kubeconfig credentials (JSON and
YAML), credential fields, and token shapes in any text. The rest of a body keeps its bytes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from analyzer.redact import CREDENTIAL_FIELD, KUBECONFIG, SECRET_DATA, TOKEN, TOKEN_REQUEST
from analyzer.redact_bodies import json_secrets, redact_body

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2lnbmF0dXJl"
SECRET = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "resourceVersion": "1234"},
          "type": "Opaque", "data": {"password": "ZmFrZS1kYi1wdw==", "user": "MTIzNA=="},
          "stringData": {"note": 'fake "quoted"\nline'}}  # fmt: skip
LIST = {"kind": "SecretList", "apiVersion": "v1", "metadata": {"resourceVersion": "99"},
        "items": [{"metadata": {"name": "a"}, "data": {"k": "ZmFrZS1saXN0"}}]}  # fmt: skip
APPLIED_JSON = json.dumps({"kind": "Secret", "data": {"k": "ZmFrZS1hcHBseQ=="}})
APPLIED = {"kind": "Secret", "data": {"k": "ZmFrZS1hcHBseQ=="},
           "metadata": {"annotations": {"kubectl.kubernetes.io/last-applied-configuration": APPLIED_JSON}}}  # fmt: skip
TOKEN_REQUEST_BODY = {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
                      "status": {"token": "fake-sa-token", "expirationTimestamp": "2030-01-01T00:00:00Z"}}  # fmt: skip
KUBECONFIG_JSON = {"kind": "Config", "users": [{"name": "u", "user": {
    "token": "fake-kube-token", "client-key-data": "ZmFrZS1rZXk=",
    "client-certificate-data": "Y2VydA=="}}]}  # fmt: skip
KUBECONFIG_YAML = """apiVersion: v1
kind: Config
users:
- name: u
  user:
    token: fake-kube-token
    client-certificate-data: Y2VydA==
    client-key-data: ZmFrZS1rZXk=
    password: "fake-pw"
"""
SECRET_YAML = """apiVersion: v1
kind: Secret
metadata:
  name: db
data:
  password: ZmFrZS1kYi1wdw==
  user: MTIzNA==
type: Opaque
"""


def _events(*objects: Any) -> str:
    return "".join(json.dumps({"type": "ADDED", "object": o}) + "\n" for o in objects)


SECRETS = [
    pytest.param(SECRET, [(SECRET_DATA, "ZmFrZS1kYi1wdw=="), (SECRET_DATA, "MTIzNA=="),
                          (SECRET_DATA, 'fake "quoted"\nline')], id="secret-data-and-stringData"),
    pytest.param(LIST, [(SECRET_DATA, "ZmFrZS1saXN0")], id="secret-list-items"),
    pytest.param(APPLIED, [(SECRET_DATA, "ZmFrZS1hcHBseQ=="), (SECRET_DATA, "ZmFrZS1hcHBseQ==")],
                 id="last-applied-annotation"),
    pytest.param({"type": "MODIFIED", "object": SECRET}, [(SECRET_DATA, "ZmFrZS1kYi1wdw=="), (SECRET_DATA, "MTIzNA=="),
                 (SECRET_DATA, 'fake "quoted"\nline')], id="watch-event"),
    pytest.param(TOKEN_REQUEST_BODY, [(TOKEN_REQUEST, "fake-sa-token")], id="token-request"),
    pytest.param(KUBECONFIG_JSON, [(KUBECONFIG, "fake-kube-token"), (KUBECONFIG, "ZmFrZS1rZXk=")], id="kubeconfig"),
    pytest.param({"access_token": "fake-oidc", "token_type": "Bearer", "password": ""},
                 [(CREDENTIAL_FIELD, "fake-oidc")], id="credential-fields-empty-kept"),
    pytest.param({"kind": "ConfigMap", "data": {"key": "not-a-secret"}}, [], id="configmap-data-is-not-secret"),
    pytest.param({"data": {"token": "fake-nested"}}, [(CREDENTIAL_FIELD, "fake-nested")], id="token-under-data"),
]  # fmt: skip


@pytest.mark.parametrize(("value", "expected"), SECRETS)
def test_json_secrets(value: object, expected: list[tuple[str, str]]) -> None:
    assert json_secrets(value) == expected


BODIES = [
    pytest.param(json.dumps(SECRET, indent=2), ["ZmFrZS1kYi1wdw==", "MTIzNA==", "fake \\\"quoted\\\"\\nline"],
                 id="secret"),
    pytest.param(json.dumps(LIST), ["ZmFrZS1saXN0"], id="secret-list"),
    pytest.param(json.dumps(APPLIED), ["ZmFrZS1hcHBseQ=="], id="last-applied"),
    pytest.param(_events(SECRET, TOKEN_REQUEST_BODY), ["ZmFrZS1kYi1wdw==", "fake-sa-token"], id="watch-stream"),
    pytest.param(json.dumps(TOKEN_REQUEST_BODY), ["fake-sa-token"], id="token-request"),
    pytest.param(json.dumps(KUBECONFIG_JSON), ["fake-kube-token", "ZmFrZS1rZXk="], id="kubeconfig-json"),
    pytest.param(KUBECONFIG_YAML, ["fake-kube-token", "ZmFrZS1rZXk=", "fake-pw"], id="kubeconfig-yaml"),
    pytest.param(SECRET_YAML, ["ZmFrZS1kYi1wdw==", "MTIzNA=="], id="secret-yaml"),
    pytest.param(f"<p>token {JWT} in a page</p>", [JWT], id="jwt-in-html"),
    pytest.param("curl -H 'Authorization: Bearer fake-bearer-1'", ["fake-bearer-1"], id="bearer-in-text"),
    pytest.param("oc login --token=sha256~ZmFrZS1vcGVuc2hpZnQtdG9rZW4x", ["sha256~ZmFrZS1vcGVuc2hpZnQtdG9rZW4x"],
                 id="openshift-token-in-text"),
]  # fmt: skip


@pytest.mark.parametrize(("body", "secrets"), BODIES)
def test_body_secrets_are_replaced(body: str, secrets: list[str]) -> None:
    redacted = redact_body(body)
    assert [s for s in secrets if s in redacted] == []
    assert redact_body(redacted) == redacted  # idempotent


def test_the_rest_of_a_body_keeps_its_bytes() -> None:
    body = json.dumps(SECRET, indent=3) + "\n"
    expected = body.replace('"ZmFrZS1kYi1wdw=="', '"REDACTED"').replace('"MTIzNA=="', '"REDACTED"')
    expected = expected.replace(json.dumps(SECRET["stringData"]["note"]), '"REDACTED"')  # type: ignore[index]
    assert redact_body(body) == expected


def test_a_watch_stream_keeps_its_events_and_versions() -> None:
    body = _events(SECRET, {"kind": "Pod", "metadata": {"resourceVersion": "1235"}})
    events = [json.loads(line) for line in redact_body(body).splitlines()]
    assert [(e["type"], e["object"]["metadata"]["resourceVersion"]) for e in events] == [
        ("ADDED", "1234"),
        ("ADDED", "1235"),
    ]
    assert events[0]["object"]["data"] == {"password": "REDACTED", "user": "REDACTED"}


def test_a_secret_value_equal_to_a_version_does_not_touch_the_version() -> None:
    body = json.dumps({"kind": "Secret", "metadata": {"resourceVersion": "1234"}, "data": {"n": "1234"}})
    assert json.loads(redact_body(body)) == {"kind": "Secret", "metadata": {"resourceVersion": "1234"},
                                             "data": {"n": "REDACTED"}}  # fmt: skip


def test_unusual_escapes_are_written_anew() -> None:
    body = '{"kind":"Secret","data":{"k":"ZmFr\\u005aS1r"}}'  # `\u005a` is `Z`: the literal is not in the text
    assert json.loads(redact_body(body)) == {"kind": "Secret", "data": {"k": "REDACTED"}}


def test_kinds_reach_the_replacement() -> None:
    seen: list[tuple[str, str]] = []

    def record(kind: str, secret: str) -> str:
        seen.append((kind, secret))
        return "X"

    redact_body(f"{json.dumps(TOKEN_REQUEST_BODY)}\n{JWT}", record)
    assert seen == [(TOKEN_REQUEST, "fake-sa-token"), (TOKEN, JWT)]
