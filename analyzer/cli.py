"""The command line: parse options, call the core, render, write, and map errors to exit codes.

This is the only module that touches argv, stdout/stderr, isatty, output files and exit codes.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from analyzer import __version__
from analyzer.cli_options import (
    ExitCode,
    command_settings,
    config_from,
    open_binary,
    output_options,
    read_capture,
    shared_options,
    write_bytes,
    write_text,
)
from analyzer.errors import AnalyzerError

__all__ = [
    "ExitCode",
    "InputError",
    "cli",
    "config_from",
    "main",
    "output_options",
    "shared_options",
    "write_bytes",
    "write_text",
]


class InputError(click.ClickException):
    """Any AnalyzerError, shown as one line with exit code 2."""

    exit_code = ExitCode.BAD_INPUT


class _Group(click.Group):
    """Turns core errors into one line and exit code 2 in one place (`--traceback` re-raises).

    The commands of other packages (LAZY_COMMANDS) are imported when first asked for, so that a run of one
    command does not import (and, without bytecode files, compile) the others.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in LAZY_COMMANDS:
            module, _, name = LAZY_COMMANDS[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AnalyzerError as exc:
            if ctx.meta.get("traceback"):
                raise
            raise InputError(str(exc)) from None
        except (BrokenPipeError, KeyboardInterrupt):
            raise
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            if ctx.meta.get("traceback"):
                raise
            raise InputError(f"internal error: {type(exc).__name__}: {exc} (rerun with --traceback)") from None


@click.group(cls=_Group, context_settings=command_settings())
@click.version_option(__version__, prog_name="har-analyzer")
@shared_options
def cli() -> None:
    """Read HAR captures of Kubernetes web consoles and tell what the page did to the Kubernetes API.

    \b
    Examples:
      har-analyzer requests capture.har --k8s-only
      har-analyzer classify '/api/v1/namespaces/default/pods?watch=true'
    """


@cli.command(
    epilog="""\b
Examples:
  har-analyzer requests capture.har
  har-analyzer requests capture.har --k8s-only --format jsonl
  har-analyzer requests capture.har.gz --format parquet -o requests.parquet
  cat capture.har | har-analyzer requests - --format csv"""
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
    if _owns_process(ctx):
        arrow_only_process()
    else:
        answer_pandas_probe()

    from analyzer.k8s import Classifier
    from analyzer.render.tables import redact_table
    from analyzer.table import classify_entries, request_table

    classifier = Classifier(config_from(ctx).prefixes)
    show_secrets = bool(ctx.meta.get("show_secrets"))

    def refine(entries: Any) -> Any:  # run by each worker process, on its share of the entries
        classified = classify_entries(entries, classifier)
        return classified if show_secrets else redact_table(classified)

    table = request_table(read_capture(capture, refine))
    if k8s_only:
        table = table.filter(table.column("k8s"))
    _write_table(ctx, table, fmt, output, redacted=True)


@cli.command(
    epilog="""\b
Examples:
  har-analyzer classify '/kubernetes/calico3/apis/asm.alauda.io/v1beta3/namespaces/testhl/microservices/asm-cal3'
  har-analyzer classify --method DELETE --format table https://k8s.example/api/v1/namespaces/a/pods
  har-analyzer classify --prefix '/my-proxy/{cluster}/' /my-proxy/prod/api/v1/pods?watch=1"""
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
    import msgspec

    from analyzer.k8s import Classifier
    from analyzer.redact import redact_url

    classifier = Classifier(config_from(ctx).prefixes)
    infos = [classifier.classify(method, url, websocket) for url in urls]
    if not ctx.meta.get("show_secrets"):
        infos = [_with_url(info, redact_url(info.url)) for info in infos]
    if fmt == "json":
        payload = msgspec.json.format(msgspec.json.encode([i.to_json() for i in infos]), indent=2)
        write_bytes(payload + b"\n", output)
        return
    from analyzer.render.terminal import render_classification

    write_text(ctx, output, lambda console: render_classification(infos, console))


@cli.command(
    epilog="""\b
Examples:
  har-analyzer analyze capture.har
  har-analyzer analyze capture.har --format json -o analysis.json
  har-analyzer analyze capture.har --format markdown >> "$GITHUB_STEP_SUMMARY"
  har-analyzer analyze capture.har --fail-on error --users 200"""
)
@click.argument("capture", type=str)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default=None,
    help="Exit 1 when a finding of this severity or worse is found.",
)
@click.option(
    "--users",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Also show the request rate N open pages would put on the API server, watch versus poll.",
)
@output_options(["table", "json", "markdown"])
@shared_options
@click.pass_context
def analyze(
    ctx: click.Context, capture: str, fail_on: str | None, users: int | None, fmt: str, output: Path | None
) -> None:
    """Watch or poll? For every page load and Kubernetes object or collection of CAPTURE: the mode (watch, poll,
    watch+poll, once) and poll interval, and findings with the requests that prove them."""
    from analyzer.analysis.analyze import analyze as run_analysis
    from analyzer.analysis.findings import SEVERITY_ORDER
    from analyzer.render import report, verdicts

    loaded = read_capture(capture)
    result = run_analysis(loaded, prefixes=config_from(ctx).prefixes)
    payload = report.analysis_payload(result, users=users, redact=not ctx.meta.get("show_secrets"))
    if fmt == "json":
        write_bytes(report.encode(payload), output)
    elif fmt == "markdown":
        write_bytes(verdicts.render_markdown(payload).encode("utf-8"), output)
    else:
        write_text(ctx, output, lambda console: verdicts.render_terminal(payload, console))
    if fail_on is not None and any(
        SEVERITY_ORDER[f.severity] <= SEVERITY_ORDER[fail_on] for f in result.findings
    ):  # fmt: skip
        ctx.exit(ExitCode.GATE_FAILED)


def _traffic_command(what: str, summary: str, examples: str) -> None:
    """Register `navigations`, `connections` or `streams`: load, derive, render the chosen view."""

    @cli.command(name=what, help=summary, epilog=examples)
    @click.argument("capture", type=str)
    @click.option(
        "--k8s-only", is_flag=True, help="Only what carried Kubernetes API requests.", hidden=what == "navigations"
    )
    @output_options(["table", "json", "csv"])
    @shared_options
    @click.pass_context
    def command(ctx: click.Context, capture: str, k8s_only: bool, fmt: str, output: Path | None) -> None:
        from analyzer.analysis.pipeline import derive
        from analyzer.render import traffic as views

        loaded = read_capture(capture)
        derived = derive(loaded, prefixes=config_from(ctx).prefixes)
        payload = views.PAYLOADS[what](derived, k8s_only=k8s_only, redact=not ctx.meta.get("show_secrets"))
        if fmt == "json":
            write_bytes(views.render_json(payload), output)
        elif fmt == "csv":
            write_bytes(views.render_csv(payload[views.MAIN_LIST[what]]).encode("utf-8"), output)
        else:
            write_text(ctx, output, lambda console: views.render_table(what, payload, console))


_traffic_command(
    "navigations",
    "The page loads of CAPTURE: when each started, its URL, and whether it was the initial load, a reload or a "
    "navigation; requests are assigned to loads by start time.",
    """\b
Examples:
  har-analyzer navigations capture.har
  har-analyzer navigations capture.har --format json""",
)
_traffic_command(
    "connections",
    "The connections of CAPTURE: which requests each carried, which page load opened it and which reused it, "
    "reuse and concurrency per host and per load, and HTTP/1.x saturation by long-lived requests.",
    """\b
Examples:
  har-analyzer connections capture.har
  har-analyzer connections capture.har --k8s-only --format json""",
)
_traffic_command(
    "streams",
    "The long-lived requests of CAPTURE (watches, websockets, server-sent events, follow-logs, long polls): "
    "their true duration and how each ended (complete, open, aborted, error).",
    """\b
Examples:
  har-analyzer streams capture.har
  har-analyzer streams capture.har --k8s-only --format csv -o streams.csv""",
)


def _with_url(info: Any, url: str) -> Any:
    import dataclasses

    return dataclasses.replace(info, url=url)


def _write_table(ctx: click.Context, table: Any, fmt: str, output: Path | None, *, redacted: bool = False) -> None:
    from analyzer.render.tables import TABLE_WRITERS, redact_table

    if not redacted and not ctx.meta.get("show_secrets"):
        table = redact_table(table)
    if fmt == "table":
        from analyzer.render.terminal import render_requests

        write_text(ctx, output, lambda console: render_requests(table, console))
        return
    with open_binary(output) as out:
        TABLE_WRITERS[fmt](table, out)


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    # numpy (imported by pyarrow) starts OpenBLAS's thread pool, whose idle threads spin on every CPU for a
    # while: nothing here does linear algebra, and the loader's worker processes want those CPUs.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # Arrow's default allocator (mimalloc) asks for transparent huge pages, and the kernel then zeroes 2 MB
    # at each first touch: an eighth of the CPU time of `requests` on a big capture. glibc's malloc does not.
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="har-analyzer", obj=_OWN_PROCESS)
    except BrokenPipeError:
        # `har-analyzer requests big.har | head`: the reader left; exit quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)
    except SystemExit as done:  # click ends every run so, success included
        _exit_now(done.code)


_OWN_PROCESS = "the process ends with this command"  # the context object `main` gives: nothing else runs here


def _owns_process(ctx: click.Context) -> bool:
    """Whether the command runs from `main`, in a process of its own (not called in-process by a library or a
    test), so that it may set up the process for itself alone."""
    return ctx.find_root().obj is _OWN_PROCESS


def _exit_now(code: object) -> NoReturn:
    """Exit without tearing the interpreter down: the command is over, its files are closed, and freeing every
    object of a big capture one by one at exit takes longer than some whole runs (60 ms after an 80,000-entry
    `requests`)."""
    if not isinstance(code, int):  # what sys.exit does with None and with a message
        if code is not None:
            print(code, file=sys.stderr)
        code = 0 if code is None else 1
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(BrokenPipeError, ValueError):  # the reader left, or the stream is closed
            stream.flush()
    os._exit(code)


LAZY_COMMANDS = {
    "check": "analyzer.gate.commands:check",
    "diff": "analyzer.gate.commands:diff",
    "record": "analyzer.record:record",
    "report": "analyzer.report:report",
}


def _uniform_help() -> None:
    """The commands defined here get `command_settings` too (the lazy ones declare them themselves)."""
    for command in cli.commands.values():
        for key, value in command_settings().items():
            command.context_settings.setdefault(key, value)


_uniform_help()
