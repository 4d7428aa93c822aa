"""A shareable copy of a HAR document: every secret `analyzer.redact` knows replaced by a stable placeholder.

`sanitize(document)` walks the decoded document (`analyzer.har.document`) and returns a new one with the same
keys in the same order, every writer's own fields and every number kept. Each secret becomes
`redacted-<kind>-<12 hex>`: the first 12 hex digits of an HMAC-SHA256 of the secret under a key drawn for the
run, so that the same secret gets the same placeholder everywhere in one run (the analysis is unchanged: a
repeated URL is still repeated), while a short secret cannot be found again by hashing guesses. Placeholders
fit where they stand:

- in URLs, headers, cookies and text they are URL-safe (`[a-z0-9-]`), and a `Bearer `/`Basic ` scheme word stays;
- where the secret is standard base64 (a Secret's `data`, a kubeconfig's `client-key-data`, Basic credentials)
  the placeholder is the base64 of that text, so the field still decodes;
- a base64 body is decoded, sanitized and encoded again.

Placeholders (either form) and `REDACTED` are recognised and left alone: sanitizing twice changes nothing.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from analyzer import redact
from analyzer.redact import (
    AUTHORIZATION,
    COOKIE,
    CREDENTIAL_FIELD,
    KUBECONFIG,
    REDACTED,
    SECRET_DATA,
    SECRET_PARAMETERS,
    URL_TOKEN,
    Replace,
    redact_header,
    redact_token_shapes,
    redact_url,
)
from analyzer.redact_bodies import redact_body
from analyzer.wording import plural

# The order of the summary's kinds, each with its plural.
KINDS: dict[str, str] = {
    redact.AUTHORIZATION: "authorization headers",
    redact.COOKIE: "cookies",
    redact.CREDENTIAL_HEADER: "credential headers",
    redact.WEBSOCKET_BEARER: "websocket bearer tokens",
    redact.USERINFO: "URL credentials",
    redact.URL_TOKEN: "URL tokens",
    redact.TOKEN: "tokens",
    redact.SECRET_DATA: "Secret data values",
    redact.TOKEN_REQUEST: "TokenRequest tokens",
    redact.KUBECONFIG: "kubeconfig credentials",
    redact.CREDENTIAL_FIELD: "credential fields",
}
DROPPED_BODY = "response body dropped by har-analyzer sanitize --drop-bodies"
_PLACEHOLDER = re.compile(r"redacted-[a-z0-9-]+-[0-9a-f]{12}")
_BASE64 = re.compile(r"(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?")
# Where a base64 secret keeps a base64 placeholder (the field must still decode).
_BASE64_KINDS = frozenset({SECRET_DATA, KUBECONFIG, AUTHORIZATION})


def is_placeholder(text: str) -> bool:
    """What `sanitize` (or a view's REDACTED) put in a secret's place, plain or base64."""
    if text == REDACTED or _PLACEHOLDER.fullmatch(text):
        return True
    if not text.startswith("cmVkYWN0ZWQt"):  # base64 of `redacted-`
        return False
    try:
        return _PLACEHOLDER.fullmatch(base64.b64decode(text, validate=True).decode("ascii")) is not None
    except (binascii.Error, UnicodeDecodeError):
        return False


class Placeholders:
    """The `Replace` of one run: a secret's placeholder, and how many of each kind it replaced."""

    def __init__(self, key: bytes | None = None) -> None:
        self._key = key if key is not None else secrets.token_bytes(32)
        self.counts: Counter[str] = Counter()

    def __call__(self, kind: str, secret: str) -> str:
        if not secret or is_placeholder(secret):
            return secret
        self.counts[kind] += 1
        digest = hmac.new(self._key, secret.encode("utf-8", "surrogatepass"), "sha256").hexdigest()[:12]
        placeholder = f"redacted-{kind.lower().replace(' ', '-')}-{digest}"
        if kind in _BASE64_KINDS and len(secret) >= 4 and _BASE64.fullmatch(secret):
            return base64.b64encode(placeholder.encode("ascii")).decode("ascii")
        return placeholder


@dataclass(frozen=True)
class Options:
    keep_headers: frozenset[str] = frozenset()  # lower-case names left alone (cookie arrays follow Cookie/Set-Cookie)
    drop_bodies: bool = False  # response content text and websocket frame data removed
    read_member: Callable[[str], bytes] | None = None  # a zip capture's sidecar files (Playwright `_file`)


@dataclass
class Sanitized:
    document: Any
    counts: Counter[str] = field(default_factory=Counter)  # replacements by kind (KINDS)


def sanitize(document: Any, options: Options | None = None, *, key: bytes | None = None) -> Sanitized:
    """A copy of `document` (a decoded HAR) with its secrets replaced; `document` is not changed.

    Args:
        options: headers to keep, whether to drop bodies, how to read a zip capture's sidecars.
        key: the HMAC key (default: random for this call; tests pin it).
    """
    placeholders = Placeholders(key)
    walker = _Walker(placeholders, options or Options())
    return Sanitized(walker.document(document), placeholders.counts)


def summary_text(counts: Counter[str]) -> str:
    """`12 authorization headers, 3 cookies, 1 Secret data value`, or `nothing to replace`."""
    parts = [plural(counts[kind], kind, many) for kind, many in KINDS.items() if counts[kind]]
    return ", ".join(parts) or "nothing to replace"


Field = Callable[[Any], Any]


class _Walker:
    """One pass over a document: each field of HAR it knows goes through its rule, any other string loses its
    token-shaped values (JWT, `sha256~`) and any other object or list is walked the same way."""

    def __init__(self, replace: Replace, options: Options) -> None:
        self.replace = replace
        self.options = options
        self._entry_fields: dict[str, Field] = {"request": self.request, "response": self.response,
                                                "_initiator": self.urls, "_webSocketMessages": self.frames}  # fmt: skip
        self._request_fields: dict[str, Field] = {"url": self.url, "headers": self.headers,
                                                  "cookies": self.request_cookies, "queryString": self.query,
                                                  "postData": self.post_data}  # fmt: skip
        self._response_fields: dict[str, Field] = {"headers": self.headers, "cookies": self.response_cookies,
                                                   "redirectURL": self.url, "content": self.content}  # fmt: skip

    def document(self, value: Any) -> Any:
        return self._fields(value, {"log": self.log})

    def log(self, value: Any) -> Any:
        return self._fields(value, {"pages": self.pages, "entries": self.entries})

    def pages(self, value: Any) -> Any:
        return self._items(value, lambda page: self._fields(page, {"title": self.url}))

    def entries(self, value: Any) -> Any:
        return self._items(value, lambda entry: self._fields(entry, self._entry_fields))

    def request(self, value: Any) -> Any:
        return self._fields(value, self._request_fields)

    def response(self, value: Any) -> Any:
        return self._fields(value, self._response_fields)

    def other(self, value: Any) -> Any:
        if isinstance(value, str):
            return redact_token_shapes(value, self.replace)
        if isinstance(value, dict):
            return {k: self.other(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.other(v) for v in value]
        return value

    def url(self, value: Any) -> Any:
        return redact_url(value, self.replace) if isinstance(value, str) else self.other(value)

    def urls(self, value: Any) -> Any:
        """Every string in an initiator (its URL, its stack's script URLs; chrome-har writes a bare URL)."""
        if isinstance(value, dict):
            return {k: self.urls(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.urls(v) for v in value]
        return self.url(value)

    def headers(self, value: Any) -> Any:
        return self._items(value, self.header)

    def header(self, value: Any) -> Any:
        """`{name, value}`, or `[name, value]` as some writers have it."""
        if isinstance(value, dict) and isinstance(value.get("name"), str) and isinstance(value.get("value"), str):
            return {**value, "value": self.header_value(value["name"], value["value"])}
        if isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value):
            return [value[0], self.header_value(value[0], value[1])]
        return self.other(value)

    def header_value(self, name: str, value: str) -> str:
        lower = name.strip().lower()
        if lower in self.options.keep_headers:
            return value
        if lower in ("cookie", "cookie2", "set-cookie", "set-cookie2"):
            return _cookie_header(value, lower.startswith("set-"), self.replace)
        return redact_header(name, value, self.replace)

    def request_cookies(self, value: Any) -> Any:
        return value if "cookie" in self.options.keep_headers else self._items(value, self.cookie)

    def response_cookies(self, value: Any) -> Any:
        return value if "set-cookie" in self.options.keep_headers else self._items(value, self.cookie)

    def cookie(self, value: Any) -> Any:
        if isinstance(value, dict) and isinstance(value.get("value"), str):
            return {**self.other(value), "value": self.replace(COOKIE, value["value"])}
        return self.other(value)

    def query(self, value: Any) -> Any:
        return self._items(value, lambda param: self.param(param, URL_TOKEN))

    def param(self, value: Any, kind: str) -> Any:
        """A `{name, value}` of a query string or a form: the value goes when the name is a credential's."""
        if not (isinstance(value, dict) and isinstance(value.get("value"), str)):
            return self.other(value)
        name = value.get("name")
        is_secret = isinstance(name, str) and unquote(name).lower() in SECRET_PARAMETERS
        text = self.replace(kind, value["value"]) if is_secret else self.body_text(value["value"])
        return {**self.other(value), "value": text}

    def post_data(self, value: Any) -> Any:
        if not isinstance(value, dict):
            return self.other(value)
        form_fields = lambda kind, secret: self.replace(CREDENTIAL_FIELD if kind == URL_TOKEN else kind, secret)  # noqa: E731
        rules: dict[str, Field] = {
            "text": lambda text: redact_url(self.body_text(text), form_fields) if isinstance(text, str) else text,
            "params": lambda params: self._items(params, lambda p: self.param(p, CREDENTIAL_FIELD)),
        }
        return self._fields(value, rules)

    def content(self, value: Any) -> Any:
        if not isinstance(value, dict):
            return self.other(value)
        if self.options.drop_bodies:
            return _dropped(value)
        value = self._inline_sidecar(value)
        if value.get("encoding") == "base64" and isinstance(value.get("text"), str):
            return {**self.other(value), "text": self.base64_text(value["text"])}
        return self._fields(value, {"text": self.body_text})

    def _inline_sidecar(self, content: dict[str, Any]) -> dict[str, Any]:
        """Playwright's `attach` mode keeps bodies in files beside the HAR, in its zip: the plain HAR written
        here holds them in `text` (base64 when they are not UTF-8), as Playwright's `embed` mode does."""
        sidecar, read = content.get("_file"), self.options.read_member
        if not isinstance(sidecar, str) or read is None or "text" in content:
            return content
        try:
            data = read(sidecar)
        except KeyError:
            return content
        rest = {k: v for k, v in content.items() if k != "_file"}
        try:
            return {**rest, "text": data.decode("utf-8")}
        except UnicodeDecodeError:
            return {**rest, "text": base64.b64encode(data).decode("ascii"), "encoding": "base64"}

    def body_text(self, value: Any) -> Any:
        return redact_body(value, self.replace) if isinstance(value, str) else self.other(value)

    def base64_text(self, text: str) -> str:
        """A base64 body: decoded, sanitized, encoded again (binary or invalid base64 is left as it is)."""
        try:
            decoded = base64.b64decode(text, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return text
        sanitized = redact_body(decoded, self.replace)
        return text if sanitized == decoded else base64.b64encode(sanitized.encode("utf-8")).decode("ascii")

    def frames(self, value: Any) -> Any:
        return self._items(value, self.frame)

    def frame(self, value: Any) -> Any:
        """A websocket frame: text (opcode 1) sanitized as a body, binary (2) as a base64 one."""
        if not (isinstance(value, dict) and isinstance(value.get("data"), str)):
            return self.other(value)
        if self.options.drop_bodies:
            return {**self.other(value), "data": ""}
        data = value["data"]
        text = self.base64_text(data) if value.get("opcode") == 2 else redact_body(data, self.replace)
        return {**self.other(value), "data": text}

    def _fields(self, value: Any, rules: dict[str, Field]) -> Any:
        if not isinstance(value, dict):
            return self.other(value)
        return {k: rules.get(k, self.other)(v) for k, v in value.items()}

    def _items(self, value: Any, rule: Field) -> Any:
        return [rule(item) for item in value] if isinstance(value, list) else self.other(value)


def _dropped(content: dict[str, Any]) -> dict[str, Any]:
    """Content without its body (`size` and `mimeType` kept), saying so in `comment` as HAR allows."""
    kept = {k: v for k, v in content.items() if k not in ("text", "encoding", "_file")}
    return {**kept, "comment": DROPPED_BODY} if len(kept) < len(content) else content


_COOKIE_PAIR = re.compile(r"([^=;,\s][^=;]*=)([^;\n]*)")


def _cookie_header(value: str, is_set_cookie: bool, replace: Replace) -> str:
    """Each cookie's value replaced, names kept: `a=1; b=2`, or a Set-Cookie's first pair (its attributes kept;
    some writers join several Set-Cookie lines with newlines)."""
    if _COOKIE_PAIR.search(value) is None:  # no `name=value`: the whole value is the credential
        return replace(COOKIE, value.strip()) if value.strip() else value
    if not is_set_cookie:
        return _COOKIE_PAIR.sub(lambda m: m[1] + _cookie_value(m[2], replace), value)
    return "\n".join(_COOKIE_PAIR.sub(lambda m: m[1] + _cookie_value(m[2], replace), line, count=1)
                     for line in value.split("\n"))  # fmt: skip


def _cookie_value(value: str, replace: Replace) -> str:
    stripped = value.strip()
    return value.replace(stripped, replace(COOKIE, stripped)) if stripped else value
