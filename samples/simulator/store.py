"""The simulator's object store: objects, one resourceVersion counter, a bounded event history, watchers.

Semantics follow kube-apiserver's watch cache (k8s-api-semantics.md §3): every change takes the next value
of one counter shared by all objects of all clusters; a watch from resourceVersion R gets the events after
R if the history still holds them all, else one ERROR event with a 410 Status ("too old resource
version"). The history keeps the last `history_limit` events, so a busy unrelated namespace makes an old
resourceVersion expire, as a compacted etcd does. All methods run on the server's event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections import deque
from dataclasses import dataclass, field
from typing import Any

Object = dict[str, Any]

# resource (plural) -> kind, for the resources the console page uses
KINDS: dict[str, str] = {
    "microservices": "MicroService",
    "configmaps": "ConfigMap",
    "pods": "Pod",
    "services": "Service",
    "secrets": "Secret",
    "events": "Event",
    "endpoints": "Endpoints",
    "serviceaccounts": "ServiceAccount",
    "deployments": "Deployment",
    "replicasets": "ReplicaSet",
    "persistentvolumeclaims": "PersistentVolumeClaim",
    "namespaces": "Namespace",
}
GROUP_VERSIONS: dict[str, tuple[str, str]] = {  # resource -> (group, version); "" is the core group
    "microservices": ("asm.alauda.io", "v1beta3"),
    "deployments": ("apps", "v1"),
    "replicasets": ("apps", "v1"),
}


@dataclass(frozen=True, order=True)
class ObjectKey:
    """Where an object lives: cluster, API group ("" for core), version, namespace ("" if cluster-scoped)."""

    cluster: str
    group: str
    version: str
    namespace: str
    resource: str
    name: str

    def label(self) -> str:
        """The verdicts' resource key: `{cluster}/{group or core}/{version}/{namespace or -}/{resource}/{name}`."""
        return (
            f"{self.cluster}/{self.group or 'core'}/{self.version}/{self.namespace or '-'}/{self.resource}/{self.name}"
        )


@dataclass(frozen=True)
class Selector:
    """What a list or watch covers: one collection, optionally narrowed by `metadata.name`/`metadata.namespace`."""

    cluster: str
    group: str
    version: str
    namespace: str  # "" means all namespaces
    resource: str
    name: str | None = None

    def matches(self, key: ObjectKey) -> bool:
        same = (key.cluster, key.group, key.version, key.resource) == (
            self.cluster,
            self.group,
            self.version,
            self.resource,
        )
        return same and self.namespace in ("", key.namespace) and self.name in (None, key.name)


@dataclass(frozen=True)
class Event:
    resource_version: int
    type: str  # ADDED, MODIFIED, DELETED
    key: ObjectKey
    object: Object


@dataclass
class Store:
    """Objects and their history. `first_version` is the counter's start (the brief's 5937358 by default)."""

    first_version: int = 5937358
    history_limit: int = 1000
    objects: dict[ObjectKey, Object] = field(default_factory=dict)
    history: deque[Event] = field(default_factory=deque)
    compacted_version: int = 0  # events at or below this version are gone from the history
    version: int = 0
    _changed: asyncio.Condition | None = None

    def __post_init__(self) -> None:
        self.version = self.first_version

    def put(self, key: ObjectKey, spec: dict[str, Any] | None = None) -> Object:
        """Create or update an object: the counter advances and watchers get ADDED or MODIFIED."""
        self.version += 1
        previous = self.objects.get(key)
        obj = copy.deepcopy(previous) if previous else _new_object(key, spec or {})
        if previous is not None:
            obj["status"]["observedGeneration"] = obj["status"].get("observedGeneration", 0) + 1
            if spec:
                obj["spec"].update(spec)
        obj["metadata"]["resourceVersion"] = str(self.version)
        self.objects[key] = obj
        self._record(Event(self.version, "MODIFIED" if previous else "ADDED", key, copy.deepcopy(obj)))
        return obj

    def delete(self, key: ObjectKey) -> None:
        obj = self.objects.pop(key)
        self.version += 1
        obj["metadata"]["resourceVersion"] = str(self.version)
        self._record(Event(self.version, "DELETED", key, obj))

    def select(self, selector: Selector) -> list[Object]:
        """Current objects of a collection, sorted by namespace and name (the order of a list)."""
        return [copy.deepcopy(self.objects[k]) for k in sorted(self.objects) if selector.matches(k)]

    def is_too_old(self, version: int) -> bool:
        """True when some event after `version` has left the history (a watch from it must get a 410)."""
        return version < self.compacted_version

    def events_after(self, version: int, selector: Selector) -> list[Event]:
        return [e for e in self.history if e.resource_version > version and selector.matches(e.key)]

    async def wait_for_change(self, version: int, timeout: float) -> None:
        """Return when the counter passes `version`, or after `timeout` seconds."""
        condition = self._condition()
        async with condition:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(condition.wait_for(lambda: self.version > version), max(timeout, 0))

    def _record(self, event: Event) -> None:
        self.history.append(event)
        while len(self.history) > self.history_limit:
            self.compacted_version = self.history.popleft().resource_version
        if self._changed is not None:
            asyncio.get_running_loop().create_task(self._notify())

    async def _notify(self) -> None:
        condition = self._condition()
        async with condition:
            condition.notify_all()

    def _condition(self) -> asyncio.Condition:
        if self._changed is None:
            self._changed = asyncio.Condition()
        return self._changed


def _new_object(key: ObjectKey, spec: dict[str, Any]) -> Object:
    metadata: dict[str, Any] = {"name": key.name, "uid": f"uid-{key.resource}-{key.name}"}
    if key.namespace:
        metadata["namespace"] = key.namespace
    return {
        "apiVersion": f"{key.group}/{key.version}" if key.group else key.version,
        "kind": KINDS.get(key.resource, key.resource.title()),
        "metadata": metadata,
        "spec": dict(spec),
        "status": {"observedGeneration": 1},
    }
