"""The recorded scenarios: which console page, which protocol, what the simulator changes, when to reload.

Each is built to show the findings in `findings`; `record_all` checks the page's and the simulator's logs
against that list after recording, and refuses to write a sample whose run did not show them.
"""

from __future__ import annotations

from dataclasses import dataclass

from samples.simulator.server import Churn
from samples.simulator.world import key

POLLING_ON = (("downgradePolling", "true"),)


@dataclass(frozen=True)
class Scenario:
    name: str
    summary: str  # one line for samples/README.md
    page: str  # path and query of the console page
    duration: float  # seconds recorded
    findings: tuple[str, ...]  # finding ids the run must show
    secure: bool = False  # TLS and HTTP/2 instead of plain HTTP/1.1
    reload_after: tuple[float, ...] = ()
    local_storage_before_reload: tuple[tuple[str, str], ...] = ()
    cookies: tuple[tuple[str, str], ...] = ()  # set before the first load
    churn: tuple[Churn, ...] = ()
    history_limit: int = 1000
    bookmark_interval: float = 60.0


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "detail-watch-then-poll",
        "The brief: load 1 gets asm-cal3 and watches it (re-watching from the last version when the 8 s watch "
        "closes); polling is switched on and the page reloaded; load 2 GETs it every 5 s and never watches.",
        "/console/detail?timeout=8",
        duration=29,
        reload_after=(12,),
        local_storage_before_reload=POLLING_ON,
        churn=(Churn(key("microservices", "asm-cal3"), 3),),
        findings=("watch-replaced-by-polling", "watch-aborted-by-navigation"),
    ),
    Scenario(
        "detail-reload-mid-watch",
        "A reload 6 s into a 30 s watch: the open watch is cut off by the navigation and load 2 watches again.",
        "/console/detail?timeout=30",
        duration=14,
        reload_after=(6,),
        churn=(Churn(key("microservices", "asm-cal3"), 2),),
        findings=("watch-aborted-by-navigation",),
    ),
    Scenario(
        "list-watch-healthy",
        "A paged list (limit=2) then a watch from the list's version with bookmarks, re-watched when it closes; "
        "a reload; the same again. No error.",
        "/console/list?timeout=5&limit=2",
        duration=15,
        reload_after=(8,),
        churn=(Churn(key("microservices", "asm-cal4"), 2),),
        findings=("watch-aborted-by-navigation",),
    ),
    Scenario(
        "http1-saturation",
        "A dashboard watching eight collections of one host over HTTP/1.1: six watches take Chrome's six "
        "connections, two watches and three ordinary GETs wait in the queue until the 10 s watches close.",
        "/console/dashboard?timeout=10",
        duration=15,
        churn=(Churn(key("pods", "asm-cal3-7d9f-abc12"), 3),),
        findings=("http1-connection-saturation",),
    ),
    Scenario(
        "http2-multiplexed",
        "The same dashboard over HTTP/2 (TLS): every request on one connection, nothing queued.",
        "/console/dashboard?timeout=10",
        duration=15,
        secure=True,
        churn=(Churn(key("pods", "asm-cal3-7d9f-abc12"), 3),),
        findings=(),
    ),
    Scenario(
        "watch-expired-relist",
        "A list page without bookmarks while kube-system is busy: the re-watch from the list's version gets "
        "one ERROR event with a 410 Status in a 200 stream, and the page lists again and watches from there.",
        "/console/list?timeout=5&bookmarks=0",
        duration=9,
        churn=(Churn(key("configmaps", "leader-lock", namespace="kube-system"), 0.5),),
        history_limit=5,
        findings=("watch-expired",),
    ),
    Scenario(
        "websocket-watch",
        "A list page that watches over websocket (OpenShift-console style): one text frame per event, the "
        "socket closed by the server at timeoutSeconds and opened again from the last version.",
        "/console/list?transport=ws&timeout=6",
        duration=14,
        churn=(Churn(key("microservices", "asm-cal3"), 2),),
        findings=(),
    ),
    Scenario(
        "detail-sidebar-watch-then-poll",
        "A sidebar lists and watches the microservices while the detail panel watches asm-cal3; polling is "
        "switched on and the page reloaded: the sidebar still watches, the panel GETs its object every 3 s.",
        "/console/detail-sidebar?timeout=8&interval=3",
        duration=24,
        reload_after=(11,),
        local_storage_before_reload=POLLING_ON,
        churn=(Churn(key("microservices", "asm-cal3"), 3),),
        findings=("watch-replaced-by-polling", "watch-aborted-by-navigation"),
    ),
    Scenario(
        "poll-list",
        "A list page with polling on from the start (cookie): the list is read every 5 s and never watched.",
        "/console/list?interval=5",
        duration=17,
        cookies=POLLING_ON,
        churn=(Churn(key("microservices", "asm-cal3"), 3),),
        findings=("polling-instead-of-watch",),
    ),
)

BY_NAME = {s.name: s for s in SCENARIOS}
