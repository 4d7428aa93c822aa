"""A hostile capture (script and secrets in URLs, headers and the page title) and where the samples are, for
the tests of every output that shows capture text."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.factories import document, make_har, request

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "samples"
GATEWAY = "https://console.example.com/api-gateway/kubernetes/calico3"
# Secrets planted in the hostile capture; none may appear in any output unless --show-secrets.
SECRETS = ("SECRET-QUERY-1", "SECRET-BEARER-2", "SECRET-COOKIE-3", "SECRET-FORWARDED-4", "SECRET-SETCOOKIE-5",
           "SECRET-TITLE-6")  # fmt: skip
# Script the hostile capture carries in its URL, headers and page title: each would set window.__pwned.
PAYLOAD = "<script>window.__pwned=1</script>"
# The same inside a Kubernetes object name (no `/`, which would end the path segment).
NAME_PAYLOAD = "<img src=x onerror=window.__pwned=3>"


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
