"""The watches' events counted where the loader decodes the entries (`WATCH_BODIES`): the same events as reading
each body afterwards, for every URL kube-apiserver reads as a watch, and on every sample and corpus file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.analysis.watch_events import WATCH_BODIES, body_events, digested_events, might_watch
from analyzer.errors import InputError
from analyzer.har import load_capture
from analyzer.k8s import Classifier
from tests.conftest import CORPUS, REFERENCE, require_shared

REPO = Path(__file__).resolve().parents[2]
SAMPLES = sorted(p for p in (REPO / "samples").rglob("*.har") if p.is_file())


def _watch_urls() -> list[str]:
    """The URLs of the upstream vectors that kube-apiserver reads as a watch, as given and percent-encoded."""
    vectors = [json.loads(line) for line in require_shared(REFERENCE / "requestinfo-vectors.jsonl").open()]
    urls = [v["url"] for v in vectors if v.get("verb") == "watch"]
    assert urls, "the upstream vectors hold watches"
    return urls


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/namespaces/ns/pods?watch=true",
        "/api/v1/watch/namespaces/ns/pods",
        "/api-gateway/kubernetes/calico3/apis/asm.alauda.io/v1beta3/namespaces/testhl/microservices"
        "?fieldSelector=metadata.name=asm-cal3&watch=true&allowWatchBookmarks=true&timeoutSeconds=59",
        "/api/v1/pods?%77atch=1",
        "/api/v1/pods?%57atch=1",
        "/api/v1/pods?WATCH=true",
    ],
)
def test_a_watch_url_is_wanted(url: str) -> None:
    assert might_watch(url)


def test_every_watch_the_classifier_finds_is_wanted() -> None:
    classifier = Classifier(())
    for url in _watch_urls():
        assert classifier.classify("GET", url, False).verb == "watch"
        assert might_watch(url), url


def _escaped_watches() -> list[str]:
    """`watch` with one of its letters escaped, in either case, with upper- and lower-case hex digits."""
    spelled = []
    for position, letter in enumerate("watch"):
        for char in (letter, letter.upper()):
            for escape in (f"%{ord(char):02X}", f"%{ord(char):02x}"):
                spelled.append("watch"[:position] + escape + "watch"[position + 1 :])
    return [f"/api/v1/pods?fieldSelector=metadata.name%3Dx&{word}=true" for word in spelled]


@pytest.mark.parametrize("url", [*_escaped_watches(), "/api/v1/pods?%57%41%54%43%48=1"])
def test_a_watch_spelled_with_escaped_letters_is_wanted(url: str) -> None:
    assert might_watch(url)


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/namespaces/ns/pods",
        "/apis/apps/v1/deployments?limit=500",
        "/",
        "/api/v1/pods?fieldSelector=metadata.name%3Dwat%2Fch&labelSelector=a%20b",
    ],
)
def test_a_plain_read_is_not_wanted(url: str) -> None:
    assert not might_watch(url)


def _check(path: Path) -> int:
    """Every digest the loader made equals the events of the body read afterwards; returns how many it made."""
    try:
        capture = load_capture(path, digest=WATCH_BODIES)
    except InputError:
        return 0
    indices = list(range(len(capture)))
    digests = capture.digests(indices, WATCH_BODIES.name)
    assert capture.digests(indices, "another digest") == {}
    for index, digest in digests.items():
        assert digested_events(digest) == body_events(capture.body(index)), (path, index)
    return len(digests)


def test_every_sample_s_watch_bodies_digested_as_read() -> None:
    assert sum(_check(path) for path in SAMPLES) > 0


def test_every_corpus_file_s_watch_bodies_digested_as_read() -> None:
    files = sorted(p for p in require_shared(CORPUS).rglob("*") if p.is_file() and p.name != "MANIFEST.tsv")
    assert sum(_check(path) for path in files) > 0
