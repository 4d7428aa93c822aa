"""Kubernetes request classification: a port of kube-apiserver's RequestInfo behind console prefixes."""

from __future__ import annotations

from analyzer.k8s.classify import Classifier, classify_request
from analyzer.k8s.prefixes import BUILTIN_PREFIXES, CONSOLES, DIRECT, parse_prefix, validate_prefix
from analyzer.k8s.request_info import ApiRequestInfo, new_request_info

__all__ = [
    "BUILTIN_PREFIXES",
    "CONSOLES",
    "DIRECT",
    "ApiRequestInfo",
    "Classifier",
    "classify_request",
    "new_request_info",
    "parse_prefix",
    "validate_prefix",
]
