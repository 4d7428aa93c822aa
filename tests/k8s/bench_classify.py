"""Micro-benchmark of `Classifier.classify` in µs/call; not a test. Run: `python -m tests.k8s.bench_classify`.

For each kind of URL: a new path every call (nothing cached), the same path with a new query every call
(the located path is cached, the URL is not: a watch reconnecting with a new resourceVersion), and the
same URL every call (the (method, url, is_websocket) cache). Best of 5 runs of N calls, GC enabled.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from analyzer.k8s import Classifier

N = 20_000
HOST = "https://console.example.com"
GATEWAY = "/api-gateway/kubernetes/calico3/apis/asm.alauda.io/v1beta3/namespaces"
WATCH = "?fieldSelector=metadata.name=asm-cal3&watch=true&allowWatchBookmarks=true&timeoutSeconds=59&resourceVersion="
LABELS = "?limit=250&labelSelector=app%3Dfoo%2Ctier%20in%20(a%2Cb)"
UrlMaker = Callable[[int], str]
CASES: dict[str, tuple[UrlMaker, UrlMaker]] = {
    "static /static/app.js": (
        lambda i: f"{HOST}/static/app.{i}.js",
        lambda i: f"{HOST}/static/app.js?v={i}",
    ),
    "prometheus /api/v1/query": (
        lambda i: f"{HOST}/api/prometheus/api/v1/query{i}?query=up",
        lambda i: f"{HOST}/api/prometheus/api/v1/query?query=up&time={i}",
    ),
    "get (seed URL 1)": (
        lambda i: f"{HOST}{GATEWAY}/ns{i}/microservices/asm-cal3",
        lambda i: f"{HOST}{GATEWAY}/testhl/microservices/asm-cal3?_={i}",
    ),
    "watch (seed URL 3)": (
        lambda i: f"{HOST}{GATEWAY}/ns{i}/microservices{WATCH}5937358",
        lambda i: f"{HOST}{GATEWAY}/testhl/microservices{WATCH}{i}",
    ),
    "list with labelSelector": (
        lambda i: f"{HOST}/api/kubernetes/apis/apps/v1/namespaces/ns{i}/deployments{LABELS}",
        lambda i: f"{HOST}/api/kubernetes/apis/apps/v1/namespaces/ns/deployments{LABELS}&continue={i}",
    ),
}


def microseconds_per_call(urls: list[str], *, fresh: bool = True) -> float:
    """Best of 5 runs; `fresh` starts each run with a new Classifier (empty caches)."""
    best = float("inf")
    warm = Classifier()
    for _ in range(5):
        classify = (Classifier() if fresh else warm).classify
        start = time.perf_counter()
        for url in urls:
            classify("GET", url)
        best = min(best, time.perf_counter() - start)
    return best / len(urls) * 1e6


def main() -> None:
    print(f"{'µs/call':28s} {'new path':>9s} {'new query':>10s} {'cached':>7s}   (N={N})")
    for label, (new_path, new_query) in CASES.items():
        paths = [new_path(i) for i in range(N)]
        queries = [new_query(i) for i in range(N)]
        same = [new_query(0)] * N
        print(
            f"{label:28s} {microseconds_per_call(paths):9.2f} {microseconds_per_call(queries):10.2f}"
            f" {microseconds_per_call(same, fresh=False):7.2f}"
        )


if __name__ == "__main__":
    main()
