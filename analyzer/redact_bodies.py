"""Secrets inside bodies and websocket frames: Kubernetes `Secret` data, TokenRequest tokens, kubeconfig
credentials, credential fields of JSON bodies, and the token shapes `analyzer.redact` knows.

JSON bodies are read as JSON: a whole document, or one document a line (a watch stream, `{"type":..,"object":..}`),
or a websocket frame carrying the same events; `kubectl.kubernetes.io/last-applied-configuration` (JSON inside a
string) too. The secrets found are then replaced where they stand in the text, quotes included, so that the rest
of the body keeps its bytes (formatting, key order, numbers); a text where that does not find them all (unusual
escapes) is written anew from what was read. YAML is read by lines: a kubeconfig's `token`, `client-key-data`,
`password` and a `Secret`'s `data`/`stringData` entries.
"""

from __future__ import annotations

import contextlib
import decimal
import re
from typing import Any

import msgspec

from analyzer.redact import (
    CREDENTIAL_FIELD,
    KUBECONFIG,
    SECRET_DATA,
    TOKEN_REQUEST,
    Replace,
    hide,
    redact_bearer,
    redact_token_shapes,
)

# Keys whose string value is a credential wherever they are in a JSON body (TokenRequest `status.token`,
# TokenReview `spec.token`, a kubeconfig's users, an OIDC token response, a login form sent as JSON).
CREDENTIAL_KEYS = frozenset(
    {"token", "access_token", "refresh_token", "id_token", "id-token", "refresh-token", "client_secret",
     "client-secret", "password", "client-key-data"}
)  # fmt: skip
# Objects whose credentials get a kind of their own (and whose `data` is secret: Secret, SecretList's items).
_OWNER_KINDS = {"TokenRequest": TOKEN_REQUEST, "Config": KUBECONFIG}
# A body is read as JSON only when it may hold one of these (cheap test first; `\"` inside JSON strings too).
_JSON_HINT = re.compile(r'\\?"(?:Secret|SecretList|TokenRequest|Config)\\?"|(?:token|password|secret|key-data)\\?"\s*:')
_DECODE = msgspec.json.Decoder(float_hook=decimal.Decimal)  # numbers kept as written when a body is rewritten
_ENCODE = msgspec.json.Encoder(decimal_format="number")

Found = list[tuple[str, str]]  # (kind, secret) in the order met


def redact_body(text: str, replace: Replace = hide) -> str:
    """`text` (a response or request body, or a websocket frame's payload) with its secrets replaced."""
    if _JSON_HINT.search(text):
        text = _redact_json(text, replace)
    if "kind:" in text:
        text = _redact_yaml(text, replace)
    return redact_token_shapes(redact_bearer(text, replace), replace)


def json_secrets(value: Any) -> Found:
    """The secrets in a decoded JSON value, with their kinds, in the order met."""
    found: Found = []

    def record(kind: str, secret: str) -> str:
        found.append((kind, secret))
        return secret

    redact_json_value(value, record)
    return found


def redact_json_value(value: Any, replace: Replace, owner: str = CREDENTIAL_FIELD, is_secret: bool = False) -> Any:
    """A decoded JSON value with its secrets replaced where they are (a new value; `value` is not changed).

    `owner` is the kind of credential its credential keys hold; `is_secret`: `value` is a Secret (an item of a
    SecretList carries no `kind` of its own)."""
    if isinstance(value, list):
        return [redact_json_value(item, replace, owner, is_secret) for item in value]
    if isinstance(value, str):
        nested = _nested_json(value)
        return value if nested is None else _in_string(value, nested, replace, owner)
    if not isinstance(value, dict):
        return value
    kind = value.get("kind")
    owner = _OWNER_KINDS.get(kind, owner) if isinstance(kind, str) else owner
    is_secret = is_secret or kind == "Secret"
    result: dict[str, Any] = {}
    for key, item in value.items():
        if key in CREDENTIAL_KEYS and isinstance(item, str):
            result[key] = replace(owner, item) if item else item
        elif is_secret and key in ("data", "stringData") and isinstance(item, dict):
            result[key] = {k: replace(SECRET_DATA, v) if isinstance(v, str) and v else v for k, v in item.items()}
        else:
            result[key] = redact_json_value(item, replace, owner, key == "items" and kind == "SecretList")
    return result


def _in_string(text: str, nested: Any, replace: Replace, owner: str) -> str:
    redacted = redact_json_value(nested, replace, owner)
    return text if redacted == nested else _ENCODE.encode(redacted).decode("utf-8")


def _nested_json(text: str) -> Any:
    """A JSON object inside a string (an annotation holding an applied object), or None."""
    if not text.startswith("{") or not _JSON_HINT.search(text):
        return None
    try:
        return _DECODE.decode(text)
    except (msgspec.DecodeError, RecursionError):
        return None


def _documents(text: str) -> list[tuple[int, int, Any]]:
    """The JSON documents of `text` with their spans: the whole text, or else each line that is one."""
    try:
        return [(0, len(text), _DECODE.decode(text))]
    except (msgspec.DecodeError, RecursionError):
        pass
    documents, start = [], 0
    for line in text.splitlines(keepends=True):
        if line.lstrip().startswith("{") and _JSON_HINT.search(line):
            with contextlib.suppress(msgspec.DecodeError, RecursionError):
                documents.append((start, start + len(line), _DECODE.decode(line)))
        start += len(line)
    return documents


def _redact_json(text: str, replace: Replace) -> str:
    documents = _documents(text)
    changed: dict[str, str] = {}

    def remember(kind: str, secret: str) -> str:
        new = replace(kind, secret)
        if new != secret:
            changed[secret] = new
        return new

    redacted = [(start, end, redact_json_value(value, remember)) for start, end, value in documents]
    if not changed:
        return text
    substituted = _substitute(text, changed)
    if [value for _, _, value in _documents(substituted)] == [value for _, _, value in redacted]:
        return substituted
    return _rewrite(text, redacted)


def _substitute(text: str, changed: dict[str, str]) -> str:
    """Each secret replaced where it stands as a JSON string, and as a JSON string inside a JSON string (the
    result is checked: the same string elsewhere, a version equal to a secret, makes the body written anew)."""
    for secret, new in changed.items():
        quoted, new_quoted = _quote(secret), _quote(new)
        text = text.replace(quoted, new_quoted).replace(_quote(quoted)[1:-1], _quote(new_quoted)[1:-1])
    return text


def _quote(text: str) -> str:
    return _ENCODE.encode(text).decode("utf-8")


def _rewrite(text: str, documents: list[tuple[int, int, Any]]) -> str:
    """`documents` (spans of `text`, redacted) encoded anew, what lies between them kept."""
    parts, position = [], 0
    for start, end, value in documents:
        ending = text[start:end][len(text[start:end].rstrip()) :]
        parts += [text[position:start], _ENCODE.encode(value).decode("utf-8"), ending]
        position = end
    return "".join([*parts, text[position:]])


# YAML, by lines: which document kind, a credential key's value, and a Secret's data blocks.
_YAML_KIND = re.compile(r"(?m)^kind:[ \t]*['\"]?(Secret|Config)['\"]?[ \t]*$")
_YAML_CREDENTIAL = re.compile(
    r"(?m)^([ \t]*(?:-[ \t]+)?(?:token|client-key-data|password|id-token|refresh-token|client-secret):[ \t]+)"
    r"(['\"]?)([^'\"\s#][^'\"\n]*?)\2[ \t]*$"
)
_YAML_DATA = re.compile(r"(?m)^([ \t]*)(?:data|stringData):[ \t]*\n((?:\1[ \t]+\S[^\n]*(?:\n|$))*)")
_YAML_ENTRY = re.compile(r"(?m)^([ \t]+[^\s:#][^:\n]*:[ \t]+)(['\"]?)([^'\"\s|>#][^'\"\n]*?)\2[ \t]*$")


def _redact_yaml(text: str, replace: Replace) -> str:
    kinds = set(_YAML_KIND.findall(text))
    if "Config" in kinds:
        text = _YAML_CREDENTIAL.sub(lambda m: m[1] + m[2] + replace(KUBECONFIG, m[3]) + m[2], text)
    if "Secret" in kinds:
        text = _YAML_DATA.sub(lambda m: m[0][: m.start(2) - m.start(0)] + _yaml_entries(m[2], replace), text)
    return text


def _yaml_entries(block: str, replace: Replace) -> str:
    return _YAML_ENTRY.sub(lambda m: m[1] + m[2] + replace(SECRET_DATA, m[3]) + m[2], block)
