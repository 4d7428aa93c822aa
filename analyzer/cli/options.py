"""What every command shares: the common options, exit codes, configuration, reading a capture and writing
output. Each command module of `analyzer.cli` imports from here, never from `analyzer.cli` itself (which
imports the command modules to register them)."""

from __future__ import annotations

import contextlib
import enum
import io
import os
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

import click

if TYPE_CHECKING:
    from analyzer.har.hooks import Digest, Refine
    from analyzer.har.loader import Capture
    from analyzer.settings import Settings
    from analyzer.summary import Summary

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
                     "(repeatable); 'auto' uses the prefixes the analysis finds and suggests."),
        click.option("--config", type=click.Path(dir_okay=False, path_type=Path), expose_value=False,
                     callback=_set_meta("config"),
                     help="Configuration file (default: ./har-analyzer.toml, else [tool.har-analyzer] in "
                     "./pyproject.toml)."),
        click.option("--show-secrets", is_flag=True, default=None, expose_value=False,
                     callback=_set_meta("show_secrets"),
                     help="Do not redact tokens in URLs or credential headers."),
        click.option("--strict", is_flag=True, default=None, expose_value=False, callback=_set_meta("strict"),
                     help="Refuse a damaged capture (a value of the wrong type or out of range, bytes that are not "
                     "UTF-8, a file cut off) instead of reading it with those values unknown."),
        click.option("--color/--no-color", default=None, expose_value=False, callback=_set_meta("color"),
                     help="Force colour on or off (default: on for a terminal, off under NO_COLOR)."),
        click.option("--traceback", is_flag=True, default=None, expose_value=False, hidden=True,
                     callback=_set_meta("traceback"), help="Show the Python traceback of an error."),
    ]  # fmt: skip
    for option in reversed(options):
        func = option(func)
    return func


def output_options(formats: Sequence[str], default: str = "table") -> Callable[[F], F]:
    """The shared `--format` and `-o/--output` options (and `--width` where `table` is one of the formats); each
    command lists the formats it supports."""

    def decorate(func: F) -> F:
        if "table" in formats:
            func = width_option(func)
        func = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
                            help="Write to FILE instead of standard output.")(func)  # fmt: skip
        return click.option("--format", "fmt", type=click.Choice(list(formats)), default=default,
                            show_default=True, help="Output format.")(func)  # fmt: skip

    return decorate


def width_option(func: F) -> F:
    """The shared `--width N` of every command that prints a table."""
    return click.option("--width", type=click.IntRange(min=20), default=None, metavar="N", expose_value=False,
                        callback=_set_meta("width"),
                        help="Fit tables to N columns, shortening keys (default: a terminal's width, or COLUMNS; "
                        "elsewhere, as a pipe or a file, nothing is cut).")(func)  # fmt: skip


def settings_from(ctx: click.Context) -> Settings:
    """The settings of this run: the configuration file's, with `--prefix` values first."""
    from analyzer.config import load_settings, with_environment, with_prefixes

    settings, _source = load_settings(ctx.meta.get("config"))
    return with_prefixes(with_environment(settings, os.environ), ctx.meta.get("prefixes", ()))


def write_text(ctx: click.Context, output: Path | None, draw: Callable[[Any], None]) -> None:
    """Draw on a console for `output` (a file) or standard output, as wide as `console_width` says."""
    from analyzer.render.terminal import make_console

    if output is not None:
        buffer = io.StringIO()
        draw(make_console(buffer, color=False, width=console_width(ctx, None)))
        write_bytes(buffer.getvalue().encode("utf-8"), output)
        return
    color = use_color(ctx, sys.stdout)
    with reader_may_leave():
        draw(make_console(None, color=color, width=console_width(ctx, sys.stdout)))


def console_width(ctx: click.Context, stream: Any) -> int | None:
    """`--width N`; else COLUMNS, which the user set; else a terminal's own width (None: rich asks it); else
    (a pipe, a file, a CI log) the full width: nothing is cut at 80 columns."""
    from analyzer.render.timeline import FULL_WIDTH

    explicit = ctx.meta.get("width")
    if explicit is not None:
        return int(explicit)
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if stream is not None and getattr(stream, "isatty", lambda: False)():
        return None
    return FULL_WIDTH


class reader_may_leave:
    """Writing to standard output, where the reader may leave early (`| head -1`): that is no failure. The rest
    of the output goes nowhere and the command goes on, so that its exit code is still its own (a gate's 1)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: object, _tb: object) -> bool:
        if kind is not None and issubclass(kind, OSError) and not issubclass(kind, BrokenPipeError):
            # A full disk or a device error under `> FILE`: one line, like a failed `-o FILE`.
            raise AnalyzerError(f"standard output: cannot write: {getattr(exc, 'strerror', None) or exc}") from None
        if kind is None or not issubclass(kind, BrokenPipeError):
            return False
        discard_stdout()
        return True


def discard_stdout() -> None:
    """Point standard output at /dev/null, so that what is still buffered for it is dropped without an error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # not a real file (a test's runner): nothing is buffered for a closed pipe
        pass


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
    """`output` opened for writing bytes, or standard output (where the reader may leave: `reader_may_leave`)."""

    def __init__(self, output: Path | None) -> None:
        self.output = output
        self.handle: BinaryIO | None = None
        self.leaving = reader_may_leave()

    def __enter__(self) -> BinaryIO:
        if self.output is None:
            return sys.stdout.buffer
        try:
            self.handle = open(self.output, "wb")
        except OSError as exc:
            raise AnalyzerError(f"{self.output}: cannot write: {exc.strerror or exc}") from None
        return self.handle

    def __exit__(self, kind: type[BaseException] | None, exc: object, tb: object) -> bool:
        if self.handle is not None:
            self.handle.close()
            return False
        try:
            if kind is None:
                sys.stdout.buffer.flush()
        except OSError as error:  # the reader left (BrokenPipeError), or the disk is full
            return self.leaving.__exit__(type(error), error, None)
        return self.leaving.__exit__(kind, exc, tb)


def emit(ctx: click.Context, output: Path | None, rendered: Rendered) -> None:
    """Write what a renderer made: bytes as they are, pieces of bytes (a big JSON document) one at a time as
    they are made, a drawing on a console sized and coloured for its stream. A file (`-o FILE`) is replaced
    whole or not at all (`atomic_file`)."""
    if callable(rendered):
        if output is None:
            write_text(ctx, None, rendered)
            return
        from analyzer.render.terminal import make_console

        buffer = io.StringIO()
        rendered(make_console(buffer, color=False, width=console_width(ctx, None)))
        rendered = buffer.getvalue().encode("utf-8")
    pieces = (rendered,) if isinstance(rendered, bytes) else rendered
    if output is None:
        with open_binary(None) as out:
            out.writelines(pieces)
        return
    with atomic_file(output) as out:
        out.writelines(pieces)


# What a renderer makes: bytes, the pieces of a document's bytes in order, or a drawing on a rich Console.
Rendered = bytes | Iterable[bytes] | Callable[[Any], None]


@contextlib.contextmanager
def atomic_file(output: Path) -> Iterator[BinaryIO]:
    """`output` opened for writing bytes through a temporary file in its folder, renamed over it once written:
    a reader never sees half a file, and a failed run leaves the old file. A symbolic link at `output` is not
    followed (it could point anywhere: a capture's name must not choose what gets overwritten); a link to a
    stream such as `/dev/stdout` is written through, as is a device or a pipe, which cannot be renamed over.

    Raises:
        AnalyzerError: `output` is a link to a file, a folder, or cannot be written (one line).
    """
    try:
        if _is_stream(output):
            with open(output, "wb") as stream:
                yield stream
            return
        if output.is_symlink():
            raise AnalyzerError(f"{output}: is a symbolic link: not followed (name the file itself)")
        handle, temporary = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                yield out
                os.fchmod(out.fileno(), new_file_mode())
            os.replace(temporary, output)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError as exc:
        raise AnalyzerError(f"{output}: cannot write: {exc.strerror or exc}") from None


def _is_stream(path: Path) -> bool:
    """A character device, a pipe or a socket (`/dev/null`, `/dev/stdout`): written in place."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def new_file_mode(base: int = 0o666) -> int:
    """The mode `open` would give a new file (0666 less the umask; `base` 0777 for a folder): mkstemp's and
    mkdtemp's own are 0600 and 0700."""
    umask = os.umask(0)
    os.umask(umask)
    return base & ~umask


def owns_process(ctx: click.Context) -> bool:
    """Whether the command runs from `main`, in a process of its own (not called in-process by a library or a
    test), so that it may set up the process for itself alone."""
    return ctx.find_root().obj is OWN_PROCESS


OWN_PROCESS = "the process ends with this command"  # the context object `main` gives: nothing else runs here


def write_bytes(data: bytes, output: Path | None) -> None:
    with open_binary(output) as out:
        out.write(data)


def read_capture(
    capture: str,
    refine: Refine | None = None,
    *,
    lazy: bool = True,
    digest: Digest | None = None,
    spans: bool = False,
) -> Capture:
    """Load CAPTURE for a command: every CPU decodes a big one, a progress bar on a terminal, warnings on stderr.

    `refine` adds columns where the entries are decoded (see `load_capture`); the decompression limits are the
    settings' (docs/security.md); `--strict` refuses a damaged capture; `lazy=False` for a command that reads no
    body, header or initiator; `digest` reduces some bodies where they are decoded; `spans` has the decode find
    where every entry lies, for a command that reads entries spread over the capture (see `load_capture`)."""
    from analyzer.har.limits import Limits
    from analyzer.har.loader import load_capture
    from analyzer.har.workers import available_workers

    ctx = click.get_current_context()
    settings = settings_from(ctx)
    limits = Limits(max_expansion=settings.max_expansion, max_decompressed_bytes=settings.max_decompressed_bytes)
    strict = bool(ctx.meta.get("strict"))
    loaded = load_capture(
        capture,
        progress=progress_for(capture),
        workers=available_workers(),
        refine=refine,
        limits=limits,
        strict=strict,
        lazy=lazy,
        digest=digest,
        spans=spans,
    )
    for warning in loaded.warnings:
        click.echo(f"warning: {warning}", err=True)
    return loaded


def read_for_analysis(capture: str, *, spans: bool = False) -> Capture:
    """Load CAPTURE for a command that analyses it (`read_capture`): the worker processes that decode a big one
    also count the events of the watches' bodies (`WATCH_BODIES`), so that the analysis reads no body twice, and
    with `spans` find where every entry lies (the report's page reads the headers of requests all over it)."""
    from analyzer.analysis.watch_events import WATCH_BODIES

    return read_capture(capture, digest=WATCH_BODIES, spans=spans)


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


INCONCLUSIVE_FAIL_ON_HELP = ("What --fail-on counts a capture it could not judge as (requests under a console path "
                             "the tool does not know: see --prefix auto).")  # fmt: skip


def on_inconclusive_option(help_text: str = INCONCLUSIVE_FAIL_ON_HELP) -> Callable[[F], F]:
    """`--on-inconclusive fail|pass`: what a gate that could not judge counts as (default: a failure)."""
    return click.option(
        "--on-inconclusive", type=click.Choice(["fail", "pass"]), default="fail", show_default=True, help=help_text
    )


def judge_fail_on(ctx: click.Context, summary: Summary, fail_on: str | None, on_inconclusive: str) -> None:
    """`--fail-on SEVERITY`: exit 1 when a finding of that severity or worse is found, or when the capture could
    not be judged (inconclusive, said on standard error) unless `--on-inconclusive pass`."""
    if fail_on is None:
        return
    from analyzer.gate.fail_on import judge_findings
    from analyzer.summary import SEVERITIES, one_of

    outcome = judge_findings(summary, one_of(fail_on, SEVERITIES), "pass" if on_inconclusive == "pass" else "fail")
    for doubt in outcome.doubts:
        click.echo(f"inconclusive: {doubt}", err=True)
    if outcome.failed:
        ctx.exit(ExitCode.GATE_FAILED)
