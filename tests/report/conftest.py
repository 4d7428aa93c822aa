"""Report fixtures: the command run through a group like the real one, a hostile capture, sample reports."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.factories import document, make_har, request

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
GATEWAY = "https://console.example.com/api-gateway/kubernetes/calico3"
# Secrets planted in the hostile capture; none may appear in any output unless --show-secrets.
SECRETS = ("SECRET-QUERY-1", "SECRET-BEARER-2", "SECRET-COOKIE-3", "SECRET-FORWARDED-4", "SECRET-SETCOOKIE-5",
           "SECRET-TITLE-6")  # fmt: skip
# Script the hostile capture carries in its URL, headers and page title: each would set window.__pwned.
PAYLOAD = "<script>window.__pwned=1</script>"
# The same inside a Kubernetes object name (no `/`, which would end the path segment).
NAME_PAYLOAD = "<img src=x onerror=window.__pwned=3>"


def invoke(args: list[str], **kwargs: Any) -> Result:
    """`har-analyzer report ARGS` through a group that turns core errors into exit code 2, as `cli` does
    (the command is registered in `analyzer.cli` by the lead; until then it is tested on its own)."""
    from analyzer.cli import _Group
    from analyzer.report import report

    group = _Group(name="har-analyzer", commands={"report": report},
                   context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})  # fmt: skip
    return CliRunner().invoke(group, ["report", *args], **kwargs)


def hostile_har() -> dict[str, Any]:
    """Script in a URL, a header and the page title; credentials in headers, a query and the title."""
    headers = [
        {"name": "Authorization", "value": "Bearer SECRET-BEARER-2"},
        {"name": "Cookie", "value": "session=SECRET-COOKIE-3"},
        {"name": "X-Forwarded-Authorization", "value": "Bearer SECRET-FORWARDED-4"},
        {"name": "X-Evil", "value": PAYLOAD + '"><img src=x onerror="window.__pwned=2">'},
    ]
    watch = (f"{GATEWAY}/api/v1/namespaces/testhl/pods?watch=true&timeoutSeconds=30&labelSelector=app%3D{PAYLOAD}"
             f"&access_token=SECRET-QUERY-1")  # fmt: skip
    read_fields: dict[str, Any] = {
        "request.headers": headers,
        "response.headers": [{"name": "Set-Cookie", "value": "sid=SECRET-SETCOOKIE-5"}],
    }
    entries = [
        document(
            f"https://console.example.com/console/{PAYLOAD}?token=SECRET-QUERY-1",
            0.0,
            **{"request.headers": headers, "pageref": "page_1"},
        ),
        request(
            f"{GATEWAY}/api/v1/namespaces/testhl/pods/{NAME_PAYLOAD}",
            0.5,
            **read_fields,
        ),
        request(watch, 0.6, 20_000.0, **{"request.headers": headers}),
        request(f"https://console.example.com/static/{PAYLOAD}.js", 0.7),
    ]
    title = f"{PAYLOAD} console?access_token=SECRET-TITLE-6"
    return make_har(entries, pages=[{"id": "page_1", "title": title, "startedDateTime": "2026-11-01T10:00:00.000Z",
                                     "pageTimings": {}}])  # fmt: skip


@pytest.fixture
def hostile_capture(tmp_path: Path) -> Path:
    path = tmp_path / "hostile.har"
    path.write_text(json.dumps(hostile_har()), encoding="utf-8")
    return path
