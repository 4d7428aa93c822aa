"""The command line: parse options, call the core, render, write, and map errors to exit codes.

This is the only module that touches argv, stdout/stderr, isatty, output files and exit codes.
"""

from __future__ import annotations

import enum
import io
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO, TypeVar

import click

from analyzer import __version__
from analyzer.errors import AnalyzerError

F = TypeVar("F", bound=Callable[..., Any])


class ExitCode(enum.IntEnum):
    OK = 0
    GATE_FAILED = 1  # only a command's own gate (check rules, --fail-on)
    BAD_INPUT = 2  # usage, configuration, unreadable capture


class InputError(click.ClickException):
    """Any AnalyzerError, shown as one line with exit code 2."""

    exit_code = ExitCode.BAD_INPUT


class _Group(click.Group):
    """Turns core errors into one line and exit code 2 in one place (`--traceback` re-raises)."""

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


def _set_meta(key: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value is not None and value != ():
            ctx.meta[key] = value
        return value

    return callback


def shared_options(func: F) -> F:
    """Options every command accepts (also before the command name): prefixes, config, secrets, colour."""
    options = [
        click.option("--prefix", "prefixes", multiple=True, metavar="PATTERN", expose_value=False,
                     callback=_set_meta("prefixes"),
                     help="Extra console prefix in front of the Kubernetes API, e.g. '/my-proxy/{cluster}/' "
                     "(repeatable)."),
        click.option("--config", type=click.Path(dir_okay=False, path_type=Path), expose_value=False,
                     callback=_set_meta("config"),
                     help="Configuration file (default: ./har-analyzer.toml, else [tool.har-analyzer] in "
                     "./pyproject.toml)."),
        click.option("--show-secrets", is_flag=True, default=None, expose_value=False,
                     callback=_set_meta("show_secrets"),
                     help="Do not redact tokens in URLs or credential headers."),
        click.option("--color/--no-color", default=None, expose_value=False, callback=_set_meta("color"),
                     help="Force colour on or off (default: on for a terminal, off under NO_COLOR)."),
        click.option("--traceback", is_flag=True, default=None, expose_value=False, hidden=True,
                     callback=_set_meta("traceback"), help="Show the Python traceback of an error."),
    ]  # fmt: skip
    for option in reversed(options):
        func = option(func)
    return func


def output_options(formats: Sequence[str], default: str = "table") -> Callable[[F], F]:
    """The shared `--format` and `-o/--output` options; each command lists the formats it supports."""

    def decorate(func: F) -> F:
        func = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                            help="Write to FILE instead of standard output.")(func)  # fmt: skip
        return click.option("--format", "fmt", type=click.Choice(list(formats)), default=default,
                            show_default=True, help="Output format.")(func)  # fmt: skip

    return decorate


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
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
    from analyzer.har.loader import load_capture
    from analyzer.table import request_table

    if fmt == "parquet" and output is None and sys.stdout.isatty():
        raise click.UsageError("parquet is binary: give -o FILE or redirect standard output")
    config = _config(ctx)
    loaded = load_capture(capture, progress=_progress(capture))
    for warning in loaded.warnings:
        click.echo(f"warning: {warning}", err=True)
    table = request_table(loaded, config.prefixes)
    if k8s_only:
        table = table.filter(table.column("k8s"))
    _write_table(ctx, table, fmt, output)


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

    classifier = Classifier(_config(ctx).prefixes)
    infos = [classifier.classify(method, url, websocket) for url in urls]
    if not ctx.meta.get("show_secrets"):
        infos = [_with_url(info, redact_url(info.url)) for info in infos]
    if fmt == "json":
        payload = msgspec.json.format(msgspec.json.encode([i.to_json() for i in infos]), indent=2)
        _write_bytes(payload + b"\n", output)
        return
    from analyzer.render.terminal import render_classification

    _write_text(ctx, output, lambda console: render_classification(infos, console))


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
    from analyzer.har.loader import load_capture
    from analyzer.render import report, verdicts

    loaded = load_capture(capture, progress=_progress(capture))
    for warning in loaded.warnings:
        click.echo(f"warning: {warning}", err=True)
    result = run_analysis(loaded, prefixes=_config(ctx).prefixes)
    payload = report.analysis_payload(result, users=users, redact=not ctx.meta.get("show_secrets"))
    if fmt == "json":
        _write_bytes(report.encode(payload), output)
    elif fmt == "markdown":
        _write_bytes(verdicts.render_markdown(payload).encode("utf-8"), output)
    else:
        _write_text(ctx, output, lambda console: verdicts.render_terminal(payload, console))
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
        from analyzer.har.loader import load_capture
        from analyzer.render import traffic as views

        loaded = load_capture(capture, progress=_progress(capture))
        for warning in loaded.warnings:
            click.echo(f"warning: {warning}", err=True)
        derived = derive(loaded, prefixes=_config(ctx).prefixes)
        payload = views.PAYLOADS[what](derived, k8s_only=k8s_only, redact=not ctx.meta.get("show_secrets"))
        if fmt == "json":
            _write_bytes(views.render_json(payload), output)
        elif fmt == "csv":
            _write_bytes(views.render_csv(payload[views.MAIN_LIST[what]]).encode("utf-8"), output)
        else:
            _write_text(ctx, output, lambda console: views.render_table(what, payload, console))


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


def _config(ctx: click.Context) -> Any:
    from analyzer.config import load_config, with_prefixes

    config = load_config(ctx.meta.get("config"))
    return with_prefixes(config, ctx.meta.get("prefixes", ()))


def _write_table(ctx: click.Context, table: Any, fmt: str, output: Path | None) -> None:
    from analyzer.render.tables import TABLE_WRITERS, redact_table

    if not ctx.meta.get("show_secrets"):
        table = redact_table(table)
    if fmt == "table":
        from analyzer.render.terminal import render_requests

        _write_text(ctx, output, lambda console: render_requests(table, console))
        return
    with _open_binary(output) as out:
        TABLE_WRITERS[fmt](table, out)


def _write_text(ctx: click.Context, output: Path | None, draw: Callable[[Any], None]) -> None:
    from analyzer.render.terminal import make_console

    if output is not None:
        buffer = io.StringIO()
        draw(make_console(buffer, color=False, width=200))
        _write_bytes(buffer.getvalue().encode("utf-8"), output)
        return
    color = _use_color(ctx, sys.stdout)
    draw(make_console(None, color=color))


def _use_color(ctx: click.Context, stream: Any) -> bool:
    explicit = ctx.meta.get("color")
    if explicit is not None:
        return bool(explicit)
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


class _open_binary:
    def __init__(self, output: Path | None) -> None:
        self.output = output
        self.handle: BinaryIO | None = None

    def __enter__(self) -> BinaryIO:
        if self.output is None:
            return sys.stdout.buffer
        try:
            self.handle = open(self.output, "wb")
        except OSError as exc:
            raise AnalyzerError(f"{self.output}: cannot write: {exc.strerror or exc}") from None
        return self.handle

    def __exit__(self, *_exc: object) -> None:
        if self.handle is not None:
            self.handle.close()
        else:
            sys.stdout.buffer.flush()


def _write_bytes(data: bytes, output: Path | None) -> None:
    with _open_binary(output) as out:
        out.write(data)


def _progress(capture: str) -> Callable[[int, int], None] | None:
    """A progress bar on stderr for big captures read from a terminal session."""
    try:
        big = capture != "-" and os.path.getsize(capture) > 50_000_000
    except OSError:
        big = False
    if not big or not sys.stderr.isatty():
        return None
    from rich.progress import Progress

    bar = Progress(transient=True, console=__import__("rich.console").console.Console(stderr=True))
    task = bar.add_task("reading entries", total=None)
    bar.start()

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)
        if done >= total:
            bar.stop()

    return update


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="har-analyzer")
    except BrokenPipeError:
        # `har-analyzer requests big.har | head`: the reader left; exit quietly.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(0)


def _register_record() -> None:
    from analyzer.record import record

    cli.add_command(record)


_register_record()


def _uniform_help() -> None:
    # click caches each command's help option the first time it is built; give every command the same names so
    # that the help (and docs/cli.md) does not depend on whether it was first invoked through the group.
    for command in cli.commands.values():
        command.context_settings.setdefault("help_option_names", ["-h", "--help"])
        command.context_settings.setdefault("max_content_width", 100)


_uniform_help()
