"""Field and label selector parsing, ported from apimachinery `fields.ParseSelector` and `labels.Parse`.

Only validity and `RequiresExactMatch` matter here: together they decide whether kube-apiserver's
`DecodeParameters` succeeds and whether a list/watch takes its Name from `metadata.name`.

Field selector (`pkg/fields/selector.go`)::

    selector := term ("," term)*        terms split on unescaped ",", then SORTED; empty terms skipped
    term     := field ("!=" | "==" | "=") value    first operator position wins, "!=" then "==" then "="
    value    := escapes "\\,"  "\\="  "\\\\"; an unescaped "," or "=", another escape,
                or a trailing "\\" is an error

Label selector (`pkg/labels/selector.go`)::

    selector    := requirement ("," requirement)*
    requirement := ["!"] KEY [ ("in" | "notin") "(" VALUE ("," VALUE)* ")" | ("=" | "==" | "!=") VALUE
                              | (">" | "<") INTEGER ]
    KEY         := [DNS-1123 subdomain (<= 253) "/"] name (<= 63, [A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)
    VALUE       := "" or <= 63 characters of the same alphabet
"""

from __future__ import annotations

import functools
import re
from typing import NamedTuple

from analyzer.k8s.query import go_int64


class SelectorError(ValueError):
    """A selector that apimachinery rejects; the message is one line."""


# ---------------------------------------------------------------------------------------------- fields

FIELD_ESCAPABLE = frozenset({"\\", ",", "="})


class FieldTerm(NamedTuple):
    field: str
    operator: str  # "!=" or "=" ("==" is stored as "=")
    value: str  # unescaped


class FieldSelector(NamedTuple):
    terms: tuple[FieldTerm, ...]  # in sorted raw-term order, as apimachinery keeps them

    def requires_exact_match(self, field: str) -> str | None:
        """The value of the first `field=value` term, as `Selector.RequiresExactMatch`; else None."""
        for term in self.terms:
            if term.field == field and term.operator == "=":
                return term.value
        return None


def _split_terms(selector: str) -> list[str]:
    if "\\" not in selector:
        return selector.split(",")
    terms: list[str] = []
    start = 0
    in_slash = False
    for index, char in enumerate(selector):
        if in_slash:
            in_slash = False
        elif char == "\\":
            in_slash = True
        elif char == ",":
            terms.append(selector[start:index])
            start = index + 1
    terms.append(selector[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    """Split at the first position where "!=", "==" or "=" starts (tried in that order at each position).

    Every operator contains "=", so the earliest one is "!=" just before the first "=", else "==" or "="
    at the first "=" (equivalent to Go's scan of every position, and a lot faster in Python).
    """
    equals = term.find("=")
    if equals < 0:
        return None
    if equals > 0 and term[equals - 1] == "!":
        return term[: equals - 1], "!=", term[equals + 1 :]
    operator = "==" if term.startswith("==", equals) else "="
    return term[:equals], operator, term[equals + len(operator) :]


def unescape_field_value(value: str) -> str:
    """`fields.UnescapeValue`: resolve `\\,` `\\=` `\\\\`; raise SelectorError for any other escape
    and for a bare `,` or `=`."""
    if "\\" not in value and "," not in value and "=" not in value:
        return value
    out: list[str] = []
    in_slash = False
    for char in value:
        if in_slash:
            if char not in FIELD_ESCAPABLE:
                raise SelectorError(f"invalid field selector: invalid escape sequence: \\{char}")
            out.append(char)
            in_slash = False
        elif char == "\\":
            in_slash = True
        elif char in ",=":
            raise SelectorError(f"invalid field selector: unescaped character in value: {char}")
        else:
            out.append(char)
    if in_slash:
        raise SelectorError("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


# Consoles repeat the same few selectors on every request, so parses are cached (the results are immutable).
SELECTOR_CACHE_SIZE = 4096


@functools.lru_cache(maxsize=SELECTOR_CACHE_SIZE)
def parse_field_selector(selector: str) -> FieldSelector:
    """`fields.ParseSelector`; raises SelectorError for a term without an operator or a bad value."""
    if not selector:
        return FieldSelector(())
    terms: list[FieldTerm] = []
    for part in sorted(_split_terms(selector)):
        if not part:
            continue
        split = _split_term(part)
        if split is None:
            raise SelectorError(f"invalid selector: '{selector}'; can't understand '{part}'")
        field, operator, raw_value = split
        value = unescape_field_value(raw_value)
        if not field and not value:
            continue  # Transform turns "=" or "!=" into Everything, which an AND drops
        terms.append(FieldTerm(field, "!=" if operator == "!=" else "=", value))
    return FieldSelector(tuple(terms))


# ---------------------------------------------------------------------------------------------- labels

LABEL_OPERATOR_TOKENS = frozenset({"=", "==", "!=", "in", "notin", ">", "<"})
_LEXEME = re.compile(r"[ \t\r\n]*(?:(!=|==|[=!(),><])|([^=!(),>< \t\r\n\x00]+))\x00?")
_KEYWORDS = frozenset({"in", "notin"})
_END = "end"  # token kind of the end of input
_IDENT = "identifier"
_LABEL_NAME = re.compile(r"(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
_DNS1123_SUBDOMAIN = re.compile(r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?(?:\.[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)*")
LABEL_NAME_MAX = 63
LABEL_VALUE_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253

Token = tuple[str, str]  # (kind, literal); kind is _END, _IDENT, or the symbol/keyword itself


class LabelRequirement(NamedTuple):
    key: str
    operator: str  # exists ! = == != in notin > <
    values: tuple[str, ...]  # sorted, like sets.String.List()


def _lex(selector: str) -> list[Token]:
    """Go's label selector `Lexer`, as one regular expression per token.

    A symbol token is "!=" or "==" or one symbol (Go extends a symbol run while it stays a token).
    Go's `read()` returns 0 for a NUL character as at the end of input: a NUL that ends a word or a
    symbol is consumed with it, and a NUL where a token should start ends the input.
    """
    tokens: list[Token] = []
    pos = 0
    while (match := _LEXEME.match(selector, pos)) is not None:
        symbol, word = match.group(1, 2)
        if symbol:
            tokens.append((symbol, symbol))
        else:
            tokens.append(((word if word in _KEYWORDS else _IDENT), word))
        pos = match.end()
    tokens.append((_END, ""))
    return tokens


class _Parser:
    """Go's recursive-descent `labels.Parser`; `values=True` is its `Values` context (in/notin are words)."""

    def __init__(self, selector: str) -> None:
        self.tokens = _lex(selector)
        self.pos = 0

    def peek(self, values: bool = True) -> Token:
        kind, literal = self.tokens[min(self.pos, len(self.tokens) - 1)]
        return (_IDENT if values and kind in _KEYWORDS else kind), literal

    def take(self, values: bool = True) -> Token:
        token = self.peek(values)
        self.pos += 1
        return token

    def parse(self) -> list[LabelRequirement]:
        requirements: list[LabelRequirement] = []
        while True:
            kind, literal = self.peek()
            if kind == _END:
                return requirements
            if kind not in (_IDENT, "!"):
                raise SelectorError(f"found '{literal}', expected: !, identifier, or 'end of string'")
            requirements.append(self.requirement())
            kind, literal = self.take()
            if kind == _END:
                return requirements
            if kind != ",":
                raise SelectorError(f"found '{literal}', expected: ',' or 'end of string'")
            kind, literal = self.peek()
            if kind not in (_IDENT, "!"):
                raise SelectorError(f"found '{literal}', expected: identifier after ','")

    def requirement(self) -> LabelRequirement:
        key, operator = self.key_and_operator()
        if operator in ("exists", "!"):
            return new_label_requirement(key, operator, ())
        kind, literal = self.take(values=False)
        if kind not in LABEL_OPERATOR_TOKENS:
            raise SelectorError(f"found '{literal}', expected: an operator")
        values = self.set_values() if kind in _KEYWORDS else self.exact_value()
        return new_label_requirement(key, kind, tuple(sorted(values)))

    def key_and_operator(self) -> tuple[str, str]:
        operator = ""
        kind, literal = self.take()
        if kind == "!":
            operator = "!"
            kind, literal = self.take()
        if kind != _IDENT:
            raise SelectorError(f"found '{literal}', expected: identifier")
        if not operator and self.peek()[0] in (_END, ","):
            operator = "exists"
        return literal, operator

    def set_values(self) -> set[str]:
        kind, literal = self.take()
        if kind != "(":
            raise SelectorError(f"found '{literal}' expected: '('")
        kind, literal = self.peek()
        if kind == ")":  # "()" is the set holding ""
            self.take()
            return {""}
        if kind not in (_IDENT, ","):
            raise SelectorError(f"found '{literal}', expected: ',', ')' or identifier")
        values = self.identifiers()
        if self.take()[0] != ")":
            raise SelectorError(f"found '{literal}', expected: ')'")
        return values

    def identifiers(self) -> set[str]:
        values: set[str] = set()
        while True:
            kind, literal = self.take()
            if kind == _IDENT:
                values.add(literal)
                after, after_literal = self.peek()
                if after == ")":
                    return values
                if after != ",":
                    raise SelectorError(f"found '{after_literal}', expected: ',' or ')'")
            elif kind == ",":  # "(,", ",,", ",)" each stand for an empty value
                after = self.peek()[0]
                if not values or after in (",", ")"):
                    values.add("")
                if after == ")":
                    return values
            else:
                raise SelectorError(f"found '{literal}', expected: ',', or identifier")

    def exact_value(self) -> set[str]:
        if self.peek()[0] in (_END, ","):
            return {""}
        kind, literal = self.take()
        if kind != _IDENT:
            raise SelectorError(f"found '{literal}', expected: identifier")
        return {literal}


def validate_label_key(key: str) -> None:
    """`content.IsLabelKey`: an optional DNS-1123 subdomain prefix and "/", then a qualified name."""
    prefix, slash, name = key.rpartition("/")
    if slash and (key.count("/") > 1 or not prefix):
        raise SelectorError(f"invalid label key {key!r}: bad prefix")
    if slash and (len(prefix) > DNS1123_SUBDOMAIN_MAX or not _DNS1123_SUBDOMAIN.fullmatch(prefix)):
        raise SelectorError(f"invalid label key {key!r}: prefix must be a DNS-1123 subdomain")
    if len(name) > LABEL_NAME_MAX or not _LABEL_NAME.fullmatch(name):
        raise SelectorError(f"invalid label key {key!r}: name must be a qualified name of at most 63 chars")


def validate_label_value(value: str) -> None:
    """`validation.IsValidLabelValue`: "" or at most 63 characters of the qualified-name alphabet."""
    if len(value) > LABEL_VALUE_MAX or (value and not _LABEL_NAME.fullmatch(value)):
        raise SelectorError(f"invalid label value {value!r}")


def new_label_requirement(key: str, operator: str, values: tuple[str, ...]) -> LabelRequirement:
    """`labels.NewRequirement`'s checks: the key, the value count per operator, integers for > and <."""
    validate_label_key(key)
    if operator in (">", "<") and any(go_int64(value) is None for value in values):
        raise SelectorError(f"for '{operator}' the value must be an integer, got {values!r}")
    for value in values:
        validate_label_value(value)
    return LabelRequirement(key=key, operator=operator, values=values)


def parse_label_selector(selector: str) -> tuple[LabelRequirement, ...]:
    """`labels.Parse`: the requirements sorted by key; raises SelectorError when apimachinery would."""
    requirements = _Parser(selector).parse()
    return tuple(sorted(requirements, key=lambda requirement: requirement.key))


@functools.lru_cache(maxsize=SELECTOR_CACHE_SIZE)
def is_valid_label_selector(selector: str) -> bool:
    """True when `labels.Parse` accepts `selector` (the empty selector is valid)."""
    if not selector:
        return True
    try:
        _Parser(selector).parse()
    except SelectorError:
        return False
    return True
