"""What every command shares: the common options, exit codes, configuration, reading a capture and writing
output. Each command module of `analyzer.cli` imports from here, never from `analyzer.cli` itself (which
imports the command modules to register them)."""

from __future__ import annotations

import enum
import io
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

import click

if TYPE_CHECKING:
    from analyzer.har.hooks import Refine
    from analyzer.har.loader import Capture
    from analyzer.settings import Settings

from analyzer.errors import AnalyzerError

F = TypeVar("F", bound=Callable[..., Any])


def command_settings() -> dict[str, Any]:
    """Every command's context settings: the same help option and width however it is first invoked (click
    builds a command's help option once, from the settings of the first context it runs in)."""
    return {"help_option_names": ["-h", "--help"], "max_content_width": 100}


class ExitCode(enum.IntEnum):
    OK = 0
    GATE_FAILED = 1  # only a command's own gate (check rules, --fail-on)
    BAD_INPUT = 2  # usage, configuration, unreadable capture


class BadInput(click.ClickException):
    """Any AnalyzerError, shown as one line with exit code 2 (a bare ClickException would exit 1)."""

    exit_code = ExitCode.BAD_INPUT


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


def settings_from(ctx: click.Context) -> Settings:
    """The settings of this run: the configuration file's, with `--prefix` values first."""
    from analyzer.config import load_settings, with_prefixes

    settings, _source = load_settings(ctx.meta.get("config"))
    return with_prefixes(settings, ctx.meta.get("prefixes", ()))


def write_text(ctx: click.Context, output: Path | None, draw: Callable[[Any], None]) -> None:
    from analyzer.render.terminal import make_console

    if output is not None:
        buffer = io.StringIO()
        draw(make_console(buffer, color=False, width=200))
        write_bytes(buffer.getvalue().encode("utf-8"), output)
        return
    color = use_color(ctx, sys.stdout)
    draw(make_console(None, color=color))


def use_color(ctx: click.Context, stream: Any) -> bool:
    explicit = ctx.meta.get("color")
    if explicit is not None:
        return bool(explicit)
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return bool(getattr(stream, "isatty", lambda: False)())


class open_binary:
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


def emit(ctx: click.Context, output: Path | None, rendered: bytes | Callable[[Any], None]) -> None:
    """Write what a renderer made: bytes as they are, a drawing on a console sized and coloured for its stream."""
    if isinstance(rendered, bytes):
        write_bytes(rendered, output)
    else:
        write_text(ctx, output, rendered)


def owns_process(ctx: click.Context) -> bool:
    """Whether the command runs from `main`, in a process of its own (not called in-process by a library or a
    test), so that it may set up the process for itself alone."""
    return ctx.find_root().obj is OWN_PROCESS


OWN_PROCESS = "the process ends with this command"  # the context object `main` gives: nothing else runs here


def write_bytes(data: bytes, output: Path | None) -> None:
    with open_binary(output) as out:
        out.write(data)


def read_capture(capture: str, refine: Refine | None = None) -> Capture:
    """Load CAPTURE for a command: every CPU decodes a big one, a progress bar on a terminal, warnings on stderr.

    `refine` adds columns where the entries are decoded (see `load_capture`)."""
    from analyzer.har.loader import load_capture
    from analyzer.har.workers import available_workers

    loaded = load_capture(capture, progress=progress_for(capture), workers=available_workers(), refine=refine)
    for warning in loaded.warnings:
        click.echo(f"warning: {warning}", err=True)
    return loaded


def progress_for(capture: str) -> Callable[[int, int], None] | None:
    """A progress bar on stderr for big captures read from a terminal session."""
    try:
        big = capture != "-" and os.path.getsize(capture) > 50_000_000
    except OSError:
        big = False
    if not big or not sys.stderr.isatty():
        return None
    from rich.progress import Progress

    # No refresh thread: the loader forks worker processes only from a single-threaded process.
    bar = Progress(transient=True, auto_refresh=False, console=__import__("rich.console").console.Console(stderr=True))
    task = bar.add_task("reading the capture", total=None)
    bar.start()

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total, refresh=True)
        if done >= total:
            bar.stop()

    return update
