"""The command line: the `har-analyzer` group, its entry point, and the one place errors become exit codes.

The `analyzer.cli` package is the only one that touches argv, stdout/stderr, isatty, output files and exit
codes; each command group lives in a module of its own (`requests`, `analyze`, `traffic`, `report`, `gate`,
`record`), imported when the command is asked for.
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from analyzer.cli.options import (
    OWN_PROCESS,
    BadInput,
    ExitCode,
    command_settings,
    discard_stdout,
    output_options,
    settings_from,
    shared_options,
    write_bytes,
    write_text,
)
from analyzer.errors import AnalyzerError
from analyzer.version import __version__

__all__ = [
    "BadInput",
    "ExitCode",
    "cli",
    "main",
    "output_options",
    "settings_from",
    "shared_options",
    "write_bytes",
    "write_text",
]


class _Group(click.Group):
    """Turns core errors into one line and exit code 2 in one place (`--traceback` re-raises).

    The commands (COMMANDS) are imported when first asked for, so that a run of one command does not import
    (and, without bytecode files, compile) the others.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMANDS})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, _, name = COMMANDS[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AnalyzerError as exc:
            if ctx.meta.get("traceback"):
                raise
            raise BadInput(str(exc)) from None
        except BrokenPipeError:
            # The reader left (`| head -1`) where a command wrote on its own: no failure, and nothing more to say.
            discard_stdout()
            raise click.exceptions.Exit(ExitCode.OK) from None
        except KeyboardInterrupt:
            raise
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except Exception as exc:
            if ctx.meta.get("traceback"):
                raise
            raise BadInput(f"internal error: {type(exc).__name__}: {exc} (rerun with --traceback)") from None


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


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    settle_process()
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="har-analyzer", obj=OWN_PROCESS)
    except BrokenPipeError:
        # `har-analyzer requests big.har | head`: the reader left (outside any command); exit quietly.
        discard_stdout()
        _exit_now(ExitCode.OK)
    except SystemExit as done:  # click ends every run so, success included
        _exit_now(done.code)


def settle_process() -> None:
    """What every command's process is set to before anything is imported (a benchmark of the commands too)."""
    # numpy (imported by pyarrow) starts OpenBLAS's thread pool, whose idle threads spin on every CPU for a
    # while: nothing here does linear algebra, and the loader's worker processes want those CPUs.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    # Arrow's default allocator (mimalloc) asks for transparent huge pages, and the kernel then zeroes 2 MB
    # at each first touch: an eighth of the CPU time of `requests` on a big capture. glibc's malloc does not.
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    # The collector's default (a collection every 700 new objects) runs some 400 collections, a tenth of the run,
    # while an 80,000-entry capture is analysed, and finds next to nothing: the analysis makes few cycles. A
    # collection every 100,000 new objects (and the oldest generation rarely) still frees the few it makes.
    gc.set_threshold(*GC_THRESHOLDS)


GC_THRESHOLDS = (100_000, 50, 1_000)


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


COMMANDS = {
    "analyze": "analyzer.cli.analyze:analyze",
    "batch": "analyzer.cli.batch:batch",
    "check": "analyzer.cli.gate:check",
    "classify": "analyzer.cli.requests:classify",
    "connections": "analyzer.cli.traffic:connections",
    "diff": "analyzer.cli.gate:diff",
    "navigations": "analyzer.cli.traffic:navigations",
    "query": "analyzer.cli.query:query",
    "record": "analyzer.cli.record:record",
    "report": "analyzer.cli.report:report",
    "requests": "analyzer.cli.requests:requests",
    "sanitize": "analyzer.cli.sanitize:sanitize",
    "streams": "analyzer.cli.traffic:streams",
    "trend": "analyzer.cli.trend:trend",
}
