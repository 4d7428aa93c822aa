"""Field and label selector parsing, checked against apimachinery's own tables (selector_test.go)."""

from __future__ import annotations

import pytest

from analyzer.k8s.selectors import (
    FieldTerm,
    LabelRequirement,
    SelectorError,
    _lex,
    _split_terms,
    is_valid_label_selector,
    parse_field_selector,
    parse_label_selector,
    unescape_field_value,
)

# ---------------------------------------------------------------------------------------------- fields


@pytest.mark.parametrize(
    "selector",
    [
        pytest.param("x=a,y=b,z=c", id="upstream-three-terms"),
        pytest.param("", id="upstream-empty"),
        pytest.param("x!=a,y=b", id="upstream-not-equal"),
        pytest.param(r"x=a||y\=b", id="upstream-escaped-equals"),
        pytest.param(r"x=a\=\=b", id="upstream-two-escaped-equals"),
        pytest.param("metadata.name=foo,", id="trailing-comma-empty-term"),
        pytest.param("=", id="empty-field-and-value"),
        pytest.param("a==b", id="double-equals"),
    ],
)
def test_field_selector_valid(selector: str) -> None:
    parse_field_selector(selector)


@pytest.mark.parametrize(
    "selector",
    [
        pytest.param("x=a||y=b", id="upstream-unescaped-equals"),
        pytest.param("x==a==b", id="upstream-double-equals-twice"),
        pytest.param("x=a,b", id="upstream-term-without-operator"),
        pytest.param("x in (a)", id="upstream-set-syntax"),
        pytest.param("x in (a,b,c)", id="upstream-set-syntax-list"),
        pytest.param("x", id="upstream-bare-field"),
        pytest.param("metadata.name=name1,foo", id="requestinfo-invalid-selector"),
        pytest.param(r"a=b\x", id="unknown-escape"),
        pytest.param("a=b\\", id="trailing-backslash"),
    ],
)
def test_field_selector_invalid(selector: str) -> None:
    with pytest.raises(SelectorError):
        parse_field_selector(selector)


@pytest.mark.parametrize(
    ("selector", "terms"),
    [
        pytest.param("a", ["a"], id="upstream-simple"),
        pytest.param("a=avalue,b=bvalue", ["a=avalue", "b=bvalue"], id="upstream-two"),
        pytest.param("a=a,", ["a=a", ""], id="upstream-trailing-empty"),
        pytest.param(",a=a", ["", "a=a"], id="upstream-leading-empty"),
        pytest.param(r"k=\,,k2=v2", [r"k=\,", "k2=v2"], id="upstream-escaped-comma"),
        pytest.param(r"k=\\,k2=v2", [r"k=\\", "k2=v2"], id="upstream-escaped-backslash"),
        pytest.param(r"k=\\\,,k2=v2", [r"k=\\\,", "k2=v2"], id="upstream-backslash-and-comma"),
        pytest.param("k=\\a\\b\\", ["k=\\a\\b\\"], id="upstream-non-escapes"),
        pytest.param("함=수,목=록", ["함=수", "목=록"], id="upstream-multibyte"),
    ],
)
def test_split_terms(selector: str, terms: list[str]) -> None:
    assert _split_terms(selector) == terms


@pytest.mark.parametrize(
    ("selector", "terms"),
    [
        pytest.param("a!=b", (FieldTerm("a", "!=", "b"),), id="not-equal-first"),
        pytest.param("a==b", (FieldTerm("a", "=", "b"),), id="double-equals-is-equals"),
        pytest.param("a=!b", (FieldTerm("a", "=", "!b"),), id="bang-in-value"),
        pytest.param("a=b\\,c", (FieldTerm("a", "=", "b,c"),), id="escaped-comma-unescaped"),
        pytest.param("b=1,a=2", (FieldTerm("a", "=", "2"), FieldTerm("b", "=", "1")), id="terms-sorted"),
        pytest.param("=,a=1", (FieldTerm("a", "=", "1"),), id="empty-term-dropped"),
    ],
)
def test_field_selector_terms(selector: str, terms: tuple[FieldTerm, ...]) -> None:
    assert parse_field_selector(selector).terms == terms


@pytest.mark.parametrize(
    ("selector", "name"),
    [
        pytest.param("metadata.name=foo", "foo", id="single"),
        pytest.param("metadata.namespace=x,metadata.name=foo", "foo", id="with-namespace"),
        pytest.param("metadata.name=b,metadata.name=a", "a", id="first-after-sorting"),
        pytest.param("metadata.name==foo", "foo", id="double-equals"),
        pytest.param("metadata.name!=foo", None, id="not-equal-is-no-match"),
        pytest.param("spec.nodeName=n1", None, id="other-field"),
        pytest.param("", None, id="empty"),
        pytest.param("metadata.name=", "", id="empty-value-matches"),
        pytest.param(r"metadata.name=a\=b", "a=b", id="unescaped-value"),
    ],
)
def test_requires_exact_match(selector: str, name: str | None) -> None:
    assert parse_field_selector(selector).requires_exact_match("metadata.name") == name


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("plain", "plain", id="plain"),
        pytest.param(r"a\,b\=c\\d", "a,b=c\\d", id="all-escapes"),
    ],
)
def test_unescape_field_value(value: str, expected: str) -> None:
    assert unescape_field_value(value) == expected


# ---------------------------------------------------------------------------------------------- labels

VALID_LABEL_SELECTORS = [
    # labels TestSelectorParse good strings
    "x=a,y=b,z=c",
    "",
    "x!=a,y=b",
    "x=",
    "x= ",
    "x=,z= ",
    "x= ,z= ",
    "!x",
    "x>1",
    "x>1,z<5",
    # labels TestSetSelectorParser valid rows
    "\rx",
    "this-is-a-dns.domain.com/key-with-dash",
    "this-is-another-dns.domain.com/key-with-dash in (so,what)",
    "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
    "foo  in\t (abc)",
    "x notin\n (abc)",
    "x  notin\t\t\t(abc,def)",
    "x in (abc,def)",
    "x in (abc,)",
    "x in (abc,abc)",
    "x in ()",
    "x in (a,,)",
    "x in (a,,,)",
    "x in (a,,,,,,)",
    "x in (a,,a,,a,,a,,)",
    "x notin (abc,,def),bar,z in (),w",
    "x,y in (a)",
    "x=a",
    "x<7",
    "x=a,y!=b",
    "x=a,y!=b,z in (h,i,j)",
    "x notin ( )",
    "x notin (, a)",
    "a ",
    "a in (x,y,notin, z,in)",
    # ours
    "app=foo,tier in (a,b)",
    "a=in",
    "in in (in)",
    "example.com/a==b",
    "k=v \x00garbage",  # Go reads NUL as the end of input
]

INVALID_LABEL_SELECTORS = [
    # labels TestSelectorParse bad strings
    "x=a||y=b",
    "x==a==b",
    "!x=a",
    "x<a",
    # labels TestSetSelectorParser invalid rows
    "x,,y",
    ",x,y",
    "x nott in (y)",
    "a in (xyz),",
    "a in (xyz)b notin ()",
    "a in (xyz abc)",
    "a notin(",
    "a (",
    "(",
    # ours
    "a b",
    "a,",
    "a=(b)",
    "a=b c",
    "Example.com/a",
    "/a",
    "a/b/c",
    "-a",
    "a=-b",
    "a=" + "v" * 64,
    "k" * 64,
    "p" * 254 + "/k",
    "a>-1",
    "k=v\x00garbage",  # the NUL ends the word "v"; "garbage" then follows a value
]


@pytest.mark.parametrize("selector", VALID_LABEL_SELECTORS)
def test_label_selector_valid(selector: str) -> None:
    assert is_valid_label_selector(selector)
    parse_label_selector(selector)


@pytest.mark.parametrize("selector", INVALID_LABEL_SELECTORS)
def test_label_selector_invalid(selector: str) -> None:
    assert not is_valid_label_selector(selector)
    with pytest.raises(SelectorError):
        parse_label_selector(selector)


@pytest.mark.parametrize(
    ("selector", "requirements"),
    [
        pytest.param(
            "x in (foo,,baz),y,z notin ()",
            (
                LabelRequirement("x", "in", ("", "baz", "foo")),
                LabelRequirement("y", "exists", ()),
                LabelRequirement("z", "notin", ("",)),
            ),
            id="upstream-doc-example",
        ),
        pytest.param("!a", (LabelRequirement("a", "!", ()),), id="does-not-exist"),
        pytest.param(
            "b=1,a!=2", (LabelRequirement("a", "!=", ("2",)), LabelRequirement("b", "=", ("1",))), id="sorted"
        ),
        pytest.param("x notin (, a)", (LabelRequirement("x", "notin", ("", "a")),), id="leading-empty-value"),
        pytest.param("x=", (LabelRequirement("x", "=", ("",)),), id="empty-value"),
    ],
)
def test_label_requirements(selector: str, requirements: tuple[LabelRequirement, ...]) -> None:
    assert parse_label_selector(selector) == requirements


@pytest.mark.parametrize(
    ("selector", "kinds"),
    [
        pytest.param("key in ( value )", ["identifier", "in", "(", "identifier", ")"], id="in"),
        pytest.param("!key", ["!", "identifier"], id="not"),
        pytest.param("== != (), = notin", ["==", "!=", "(", ")", ",", "=", "notin"], id="symbols"),
        pytest.param("key>2", ["identifier", ">", "identifier"], id="greater"),
        pytest.param("!==", ["!=", "="], id="longest-token-then-rest"),
        pytest.param("a\x00b", ["identifier", "identifier"], id="nul-ends-word"),
        pytest.param("a \x00b", ["identifier"], id="nul-at-token-start-ends-input"),
    ],
)
def test_lexer_sequence(selector: str, kinds: list[str]) -> None:
    tokens = _lex(selector)
    assert tokens[-1] == ("end", "")
    assert [kind for kind, _ in tokens[:-1]] == kinds
