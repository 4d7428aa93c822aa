"""`sanitize`: every kind of secret, planted where writers put it, is gone from the written bytes; placeholders
are stable within a run and recognised on the next; everything else of the document is kept; and the analysis of
every sample and corpus capture is the same before and after."""

from __future__ import annotations

import base64
import copy
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from analyzer.analysis.analyze import analyze
from analyzer.errors import InputError
from analyzer.har import load_bytes, load_capture
from analyzer.har.document import encode_document, read_document
from analyzer.redact import (
    AUTHORIZATION,
    COOKIE,
    CREDENTIAL_FIELD,
    CREDENTIAL_HEADER,
    KUBECONFIG,
    SECRET_DATA,
    TOKEN,
    TOKEN_REQUEST,
    URL_TOKEN,
    USERINFO,
    WEBSOCKET_BEARER,
)
from analyzer.sanitize import DROPPED_BODY, Options, Placeholders, is_placeholder, sanitize, summary_text
from analyzer.summary import Summary
from tests.conftest import CORPUS, require_shared
from tests.factories import make_entry, make_har

REPO = Path(__file__).resolve().parents[1]
SAMPLES = sorted(p for p in (REPO / "samples").rglob("*.har*") if p.is_file())
CORPUS_FILES = sorted(p.name for p in CORPUS.glob("*") if p.suffix != ".tsv") if CORPUS.exists() else []
KEY = b"fixed test key"
JWT = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJmYWtlIn0.ZmFrZS1zaWduYXR1cmU"


def _entry(**overrides: Any) -> dict[str, Any]:
    return make_entry(**overrides)


def _one(entry: dict[str, Any], options: Options | None = None) -> tuple[dict[str, Any], Counter[str]]:
    result = sanitize(make_har([entry]), options, key=KEY)
    return result.document["log"]["entries"][0], result.counts


# One row per kind: where it is planted, the secret, and the kind counted.
KINDS = [
    pytest.param({"request.headers": [{"name": "Authorization", "value": "Bearer fake-bearer"}]}, "fake-bearer",
                 AUTHORIZATION, id="authorization"),
    pytest.param({"request.headers": [{"name": "X-Vault-Token", "value": "fake-vault"}]}, "fake-vault",
                 CREDENTIAL_HEADER, id="credential-header"),
    pytest.param({"request.headers": [["Cookie", "a=fake-cookie-a; b=fake-cookie-b"]]}, "fake-cookie-b", COOKIE,
                 id="cookie-header-as-pair"),
    pytest.param({"response.headers": [{"name": "Set-Cookie", "value": "sid=fake-sid; Path=/; HttpOnly"}]}, "fake-sid",
                 COOKIE, id="set-cookie"),
    pytest.param({"request.cookies": [{"name": "sid", "value": "fake-cookie-list"}]}, "fake-cookie-list", COOKIE,
                 id="request-cookies"),
    pytest.param({"response.cookies": [{"name": "sid", "value": "fake-set-list", "httpOnly": True}]}, "fake-set-list",
                 COOKIE, id="response-cookies"),
    pytest.param({"request.headers": [{"name": "Sec-WebSocket-Protocol", "value":
                                       "base64url.bearer.authorization.k8s.io.ZmFrZS13cw, base64.binary.k8s.io"}]},
                 "ZmFrZS13cw", WEBSOCKET_BEARER, id="websocket-bearer"),
    pytest.param({"request.url": "https://fake-user:fake-pass@h/api/v1/pods"}, "fake-pass", USERINFO, id="userinfo"),
    pytest.param({"request.url": "https://h/cb?access%5Ftoken=fake-param"}, "fake-param", URL_TOKEN,
                 id="encoded-parameter-name"),
    pytest.param({"request.url": f"https://h/p/{JWT}/x"}, JWT, TOKEN, id="jwt-path-segment"),
    pytest.param({"response.headers": [{"name": "Location", "value": "https://h/cb#id_token=fake-fragment"}]},
                 "fake-fragment", URL_TOKEN, id="location-fragment"),
    pytest.param({"request.headers": [{"name": "Referer", "value": "https://h/p?code=fake-code"}]}, "fake-code",
                 URL_TOKEN, id="referer"),
    pytest.param({"response.redirectURL": "https://h/cb?token=fake-redirect"}, "fake-redirect", URL_TOKEN,
                 id="redirect-url"),
    pytest.param({"request.queryString": [{"name": "access_token", "value": "fake-query"}]}, "fake-query", URL_TOKEN,
                 id="query-string"),
    pytest.param({"_initiator": {"type": "script", "stack": {"callFrames": [
        {"url": "https://h/app.js?sig=fake-initiator", "lineNumber": 1}]}}}, "fake-initiator", URL_TOKEN,
                 id="initiator-stack"),
    pytest.param({"_initiator": "https://h/app.js?key=fake-chrome-har"}, "fake-chrome-har", URL_TOKEN,
                 id="chrome-har-initiator"),
    pytest.param({"request.postData": {"mimeType": "application/x-www-form-urlencoded",
                                       "text": "user=me&password=fake-form"}}, "fake-form", CREDENTIAL_FIELD,
                 id="form-text"),
    pytest.param({"request.postData": {"mimeType": "multipart/form-data", "params": [
        {"name": "password", "value": "fake-param-pw"}]}}, "fake-param-pw", CREDENTIAL_FIELD, id="form-params"),
    pytest.param({"response.content.text": json.dumps({"kind": "Secret", "data": {"k": "ZmFrZS1zZWNyZXQ="}})},
                 "ZmFrZS1zZWNyZXQ=", SECRET_DATA, id="secret-body"),
    pytest.param({"response.content.text": base64.b64encode(json.dumps(
        {"kind": "TokenRequest", "status": {"token": "fake-sa-token"}}).encode()).decode(),
        "response.content.encoding": "base64"}, "fake-sa-token", TOKEN_REQUEST, id="base64-token-request"),
    pytest.param({"response.content.text": "kind: Config\nusers:\n- user:\n    client-key-data: ZmFrZS1rZXk=\n"},
                 "ZmFrZS1rZXk=", KUBECONFIG, id="kubeconfig-yaml"),
    pytest.param({"_webSocketMessages": [{"type": "receive", "time": 1.5, "opcode": 1, "data": json.dumps(
        {"type": "ADDED", "object": {"kind": "Secret", "data": {"k": "ZmFrZS1mcmFtZQ=="}}})}]},
                 "ZmFrZS1mcmFtZQ==", SECRET_DATA, id="websocket-frame"),
    pytest.param({"comment": f"see {JWT}"}, JWT, TOKEN, id="any-other-string"),
]  # fmt: skip


@pytest.mark.parametrize(("overrides", "secret", "kind"), KINDS)
def test_each_kind_is_replaced_and_counted(overrides: dict[str, Any], secret: str, kind: str) -> None:
    entry, counts = _one(_entry(**overrides))
    text = json.dumps(entry)
    assert secret not in text
    if "base64" not in str(overrides):  # what is left is the placeholder (decoded: a base64 body)
        assert f"redacted-{kind.lower().replace(' ', '-')}-" in text or "cmVkYWN0ZWQt" in text
    assert counts[kind] >= 1
    again, counted = _one(entry)
    assert (again, +counted) == (entry, Counter())  # idempotent


def test_the_same_secret_gets_the_same_placeholder() -> None:
    url = "https://h/api/v1/pods?access_token=fake-same"
    entry, counts = _one(_entry(**{"request.url": url, "request.headers": [{"name": "Referer", "value": url}]}))
    assert entry["request"]["url"] == entry["request"]["headers"][0]["value"]
    assert counts == Counter({URL_TOKEN: 2})


def test_placeholders_differ_between_runs_and_keep_a_bearer_scheme() -> None:
    first, second = Placeholders(), Placeholders()
    assert first(TOKEN, "fake-x") != second(TOKEN, "fake-x")
    entry, _ = _one(_entry(**{"request.headers": [{"name": "Authorization", "value": "Bearer fake-b"}]}))
    assert entry["request"]["headers"][0]["value"].startswith("Bearer redacted-authorization-header-")


@pytest.mark.parametrize("secret", ["ZmFrZS1zZWNyZXQ=", "YWJj", "dXNlcjpwYXNz"])
def test_base64_secrets_keep_a_base64_placeholder(secret: str) -> None:
    placeholder = Placeholders(KEY)(SECRET_DATA, secret)
    assert base64.b64decode(placeholder, validate=True).decode().startswith("redacted-secret-data-value-")
    assert is_placeholder(placeholder)


def test_keep_header_leaves_it_alone() -> None:
    headers = [{"name": "x-api-key", "value": "fake-kept"}, {"name": "Cookie", "value": "a=fake-c"}]
    entry, counts = _one(_entry(**{"request.headers": headers, "request.cookies": [{"name": "a", "value": "fake-c"}]}),
                         Options(keep_headers=frozenset({"x-api-key", "cookie"})))  # fmt: skip
    assert (entry["request"]["headers"], entry["request"]["cookies"], +counts) == (
        headers, [{"name": "a", "value": "fake-c"}], Counter())  # fmt: skip


def test_drop_bodies_keeps_size_and_type_and_frames() -> None:
    frames = [{"type": "receive", "time": 1.5, "opcode": 1, "data": "{}"}]
    entry, _ = _one(_entry(**{"_webSocketMessages": frames}), Options(drop_bodies=True))
    assert entry["response"]["content"] == {"size": 2, "mimeType": "application/json", "comment": DROPPED_BODY}
    assert entry["_webSocketMessages"] == [{"type": "receive", "time": 1.5, "opcode": 1, "data": ""}]


def test_a_zip_sidecar_is_inlined() -> None:
    entry = _entry(**{"response.content": {"size": 5, "mimeType": "text/plain", "_file": "a.txt"}})
    result = sanitize(make_har([entry]), Options(read_member={"a.txt": b"hello"}.__getitem__), key=KEY)
    assert result.document["log"]["entries"][0]["response"]["content"] == {
        "size": 5, "mimeType": "text/plain", "text": "hello"}  # fmt: skip


def test_everything_else_is_kept() -> None:
    document = make_har([_entry(_connectionId="7", _priority="High", **{"response._transferSize": 300})])
    document["log"]["_custom"] = {"x": [1, 2.5, None, True]}
    original = copy.deepcopy(document)
    result = sanitize(document, key=KEY)
    assert (result.document, document, +result.counts) == (original, original, Counter())
    assert list(result.document["log"]["entries"][0]) == list(original["log"]["entries"][0])


def test_summary_text() -> None:
    counts = Counter({SECRET_DATA: 1, AUTHORIZATION: 12, COOKIE: 3, URL_TOKEN: 2})
    assert summary_text(counts) == "12 authorization headers, 3 cookies, 2 URL tokens, 1 Secret data value"
    assert summary_text(Counter()) == "nothing to replace"


# The analysis before and after.


def _projection(summary: Summary, *, has_bodies: bool = True) -> dict[str, Any]:
    """What sanitizing must not change: page loads and their verdicts, requests, connections, streams, watch
    chains (events and versions come from bodies) and findings with their evidence."""
    return {
        "loads": [(n.index, n.trigger, n.document, n.page_ref, n.requests,
                   [(v.mode, v.counts, v.reads, v.watches) for v in n.resources]) for n in summary.navigations],
        "requests": [(r.index, r.verb, r.status, r.navigation, r.connection, r.long_lived, r.ended_by)
                     for r in summary.requests],
        "connections": [(c.id, c.requests) for c in summary.connections],
        "streams": [(s.index, s.kind, s.ended_by, s.frames) for s in summary.streams],
        "watches": [[(w.index, w.resource_version, *((w.events, w.last_resource_version, w.expired) if has_bodies
                      else ())) for w in c.watches] for c in summary.watch_chains],
        "findings": sorted((f.id, f.evidence) for f in summary.findings) if has_bodies else None,
        "totals": (summary.summary.requests, summary.summary.kubernetes_requests, summary.summary.verbs,
                   summary.summary.long_lived),
    }  # fmt: skip


def _analysis(path: Path) -> dict[str, Any] | None:
    try:
        return _projection(analyze(load_capture(path)).summary)
    except InputError:  # not a capture the analysis reads: nothing to compare
        return None


def _assert_same_analysis(path: Path) -> None:
    try:
        document = read_document(path)
    except InputError:
        assert _analysis(path) is None or path.suffix == ".zip"  # what sanitize refuses, analysis refuses too
        return
    result = sanitize(document.value, Options(read_member=document.read_member))
    if not result.counts and document.read_member is None:  # nothing replaced: the same JSON, the same analysis
        assert result.document == document.value
        return
    before = _analysis(path)
    after = analyze(load_bytes(encode_document(result.document), path.name)).summary
    assert before is not None and _projection(after) == before, summary_text(result.counts)


@pytest.mark.parametrize("path", SAMPLES, ids=[str(p.relative_to(REPO / "samples")) for p in SAMPLES])
def test_every_sample_has_the_same_analysis(path: Path) -> None:
    _assert_same_analysis(path)


@pytest.mark.parametrize("name", CORPUS_FILES, ids=[n[:80] for n in CORPUS_FILES])
def test_every_corpus_file_has_the_same_analysis(name: str) -> None:
    _assert_same_analysis(require_shared(CORPUS / name))


def test_the_corpus_is_here() -> None:
    require_shared(CORPUS)  # the parametrized test above has no case at all without it


SAMPLE = REPO / "samples" / "devtools" / "websocket-watch.har"


def _planted() -> tuple[dict[str, Any], list[str]]:
    """The Chrome websocket sample with every kind of secret planted where it does not change what happened."""
    document = json.loads(SAMPLE.read_text(encoding="utf-8"))
    log = document["log"]
    page, (page_load, script, read, socket, *_) = log["pages"][0], log["entries"]
    page["title"] = page_load["request"]["url"] = page["title"] + "&access_token=fake-title-1"
    page_load["request"]["headers"] += [
        {"name": "Referer", "value": "https://h/cb#id_token=fake-fragment-2"},
        {"name": "Cookie", "value": "sid=fake-cookie-3"},
        {"name": "Proxy-Authorization", "value": "Basic ZmFrZS1iYXNpYy00"},
    ]
    page_load["request"]["cookies"] = [{"name": "sid", "value": "fake-cookie-3"}]
    page_load["response"]["headers"] += [
        {"name": "Set-Cookie", "value": "sid=fake-set-5; HttpOnly"},
        {"name": "Location", "value": f"https://fake-user:fake-pass-6@h/{JWT}"},
    ]
    page_load["response"]["cookies"] = [{"name": "sid", "value": "fake-set-5"}]
    page_load["response"]["redirectURL"] = "https://h/cb?access%5Ftoken=fake-redirect-7"
    script["_initiator"]["url"] += "&code=fake-initiator-8"
    read["request"]["headers"] += [
        {"name": "Authorization", "value": "Bearer sha256~ZmFrZS1vcGVuc2hpZnQtOS0xMjM0NQ"},
        {"name": "X-CSRF-Token", "value": "fake-csrf-10"},
    ]
    read["request"]["postData"] = {
        "mimeType": "application/x-www-form-urlencoded",
        "text": "password=fake-form-11",
        "params": [{"name": "password", "value": "fake-form-11"}],
    }
    body = json.loads(read["response"]["content"]["text"])
    body.setdefault("metadata", {})["annotations"] = {"token": "fake-field-12"}
    read["response"]["content"]["text"] = json.dumps(body)
    socket["request"]["headers"].append(
        {"name": "Sec-WebSocket-Protocol", "value": "base64url.bearer.authorization.k8s.io.ZmFrZS13cy0xMw"}
    )
    frame = json.loads(socket["_webSocketMessages"][0]["data"])
    frame["object"]["metadata"]["annotations"] = {
        "kubectl.kubernetes.io/last-applied-configuration": json.dumps(
            {"kind": "Secret", "data": {"k": "ZmFrZS1hcHBsaWVkLTE0"}}
        )
    }
    socket["_webSocketMessages"][0]["data"] = json.dumps(frame)
    socket["_webSocketMessages"].insert(
        0,
        {
            "type": "send",
            "time": socket["_webSocketMessages"][0]["time"],
            "opcode": 1,
            "data": json.dumps(
                {"kind": "Secret", "data": {"k": "ZmFrZS1zZW50LTE1"}, "stringData": {"p": "fake-plain-16"}}
            ),
        },
    )
    log["entries"].append(
        copy.deepcopy(script)
        | {
            "response": {
                **script["response"],
                "content": {
                    "size": 10,
                    "mimeType": "application/yaml",
                    "text": "kind: Config\nusers:\n- user:\n    token: fake-kube-17\n",
                },
            }
        }
    )
    secrets = [
        f"fake-{n}"
        for n in (
            "title-1",
            "fragment-2",
            "cookie-3",
            "set-5",
            "pass-6",
            "redirect-7",
            "initiator-8",
            "csrf-10",
            "form-11",
            "field-12",
            "plain-16",
            "kube-17",
        )
    ]
    return document, [*secrets, "ZmFrZS1iYXNpYy00", JWT, "sha256~ZmFrZS1vcGVuc2hpZnQtOS0xMjM0NQ", "ZmFrZS13cy0xMw",
                      "ZmFrZS1hcHBsaWVkLTE0", "ZmFrZS1zZW50LTE1"]  # fmt: skip


def test_planted_secrets_are_gone_and_the_analysis_is_the_same(tmp_path: Path) -> None:
    document, secrets = _planted()
    planted = tmp_path / "planted.har"
    planted.write_text(json.dumps(document), encoding="utf-8")
    assert [s for s in secrets if s in planted.read_text(encoding="utf-8")] == secrets
    result = sanitize(read_document(planted).value)
    data = encode_document(result.document)
    assert [s for s in secrets if s.encode() in data] == []
    assert _projection(analyze(load_bytes(data)).summary) == _projection(analyze(load_capture(planted)).summary)
    assert sum(result.counts.values()) >= len(secrets)


def test_dropped_bodies_change_only_what_bodies_told() -> None:
    document = read_document(SAMPLE)
    result = sanitize(document.value, Options(drop_bodies=True))
    after = analyze(load_bytes(encode_document(result.document))).summary
    assert _projection(after, has_bodies=False) == _projection(analyze(load_capture(SAMPLE)).summary, has_bodies=False)
    assert all(w.events is None for c in after.watch_chains for w in c.watches if w.index != 3)
