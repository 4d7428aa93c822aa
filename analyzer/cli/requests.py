"""`requests` and `classify`: the request table of a capture, and the classification of URLs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from analyzer.cli.options import (
    atomic_file,
    command_settings,
    emit,
    open_binary,
    output_options,
    owns_process,
    read_capture,
    settings_from,
    shared_options,
)


@click.command(
    context_settings=command_settings(),
    epilog="""\b
Examples:
  har-analyzer requests capture.har
  har-analyzer requests capture.har --k8s-only --format jsonl
  har-analyzer requests capture.har.gz --format parquet -o requests.parquet
  cat capture.har | har-analyzer requests - --format csv""",
)
@click.argument("capture", type=str)
@click.option("--k8s-only", is_flag=True, help="Only Kubernetes API requests.")
@output_options(["table", "csv", "json", "jsonl", "parquet"])
@shared_options
@click.pass_context
def requests(ctx: click.Context, capture: str, k8s_only: bool, fmt: str, output: Path | None) -> None:
    """One row per request of CAPTURE (a HAR path, or - for stdin), with its Kubernetes classification.

    Reads .har/.json, gzip, zlib (.zhar), a .zip holding one HAR and JSONP (.harp), whatever the extension.
    """
    from analyzer.pandas_probe import answer_pandas_probe, arrow_only_process

    if fmt == "parquet" and output is None and sys.stdout.isatty():
        raise click.UsageError("parquet is binary: give -o FILE or redirect standard output")
    # This command is Arrow from end to end.
    if owns_process(ctx):
        arrow_only_process()
    else:
        answer_pandas_probe()

    from analyzer.k8s.request_table import classify_entries, request_table
    from analyzer.render.tables import redact_table

    settings = settings_from(ctx)
    classifier = settings.classifier
    show_secrets = bool(ctx.meta.get("show_secrets"))

    def refine(entries: Any) -> Any:  # run by each worker process, on its share of the entries
        classified = classify_entries(entries, classifier)
        return classified if show_secrets else redact_table(classified)

    if settings.discover_prefixes:  # --prefix auto: the prefixes come from the capture's own URLs first
        from analyzer.settings import resolve_prefixes

        loaded = read_capture(capture, lazy=False)
        resolved, _ = resolve_prefixes(settings, loaded.entries.column("url"))  # type: ignore[attr-defined]
        table = request_table(loaded, classifier=resolved.classifier)
        table = table if show_secrets else redact_table(table)
    else:
        table = request_table(read_capture(capture, refine, lazy=False))
    if k8s_only:
        table = table.filter(table.column("k8s"))
    _write_table(ctx, table, fmt, output, redacted=True)


@click.command(
    context_settings=command_settings(),
    epilog="""\b
Examples:
  har-analyzer classify '/kubernetes/calico3/apis/asm.alauda.io/v1beta3/namespaces/testhl/microservices/asm-cal3'
  har-analyzer classify --method DELETE --format table https://k8s.example/api/v1/namespaces/a/pods
  har-analyzer classify --prefix '/my-proxy/{cluster}/' /my-proxy/prod/api/v1/pods?watch=1""",
)
@click.argument("urls", nargs=-1, required=True)
@click.option("--method", default="GET", show_default=True, help="HTTP method of every URL.")
@click.option("--websocket", is_flag=True, help="The requests were websockets (status 101).")
@output_options(["json", "table"], default="json")
@shared_options
@click.pass_context
def classify(
    ctx: click.Context, urls: tuple[str, ...], method: str, websocket: bool, fmt: str, output: Path | None
) -> None:
    """Classify URLs the way kube-apiserver would (verb, group, version, namespace, resource, name ...),
    behind any known or configured console prefix."""

    from analyzer.redact import redact_url

    classifier = settings_from(ctx).classifier
    infos = [classifier.classify(method, url, websocket) for url in urls]
    if not ctx.meta.get("show_secrets"):
        infos = [_with_url(info, redact_url(info.url)) for info in infos]
    if fmt == "json":
        from analyzer.render.json import encode_json

        emit(ctx, output, encode_json([i.to_json() for i in infos]))
        return
    from analyzer.render.request_view import render_classification

    emit(ctx, output, lambda console: render_classification(infos, console))


def _with_url(info: Any, url: str) -> Any:
    import dataclasses

    return dataclasses.replace(info, url=url)


def _write_table(ctx: click.Context, table: Any, fmt: str, output: Path | None, *, redacted: bool = False) -> None:
    from analyzer.render.tables import TABLE_WRITERS, redact_table

    if not redacted and not ctx.meta.get("show_secrets"):
        table = redact_table(table)
    if fmt == "table":
        from analyzer.render.request_view import render_requests

        emit(ctx, output, lambda console: render_requests(table, console))
        return
    with open_binary(None) if output is None else atomic_file(output) as out:
        TABLE_WRITERS[fmt](table, out)
