"""`har-analyzer record URL -o capture.har`: record a page with a real Chromium (the click command)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from analyzer.cli.options import BadInput, command_settings
from analyzer.record.defaults import DEFAULT_BROWSER, WAIT_UNTIL

if TYPE_CHECKING:
    from analyzer.record.session import RecordResult


def _pairs(values: tuple[str, ...], option: str) -> tuple[tuple[str, str], ...]:
    pairs = []
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {value!r}", param_hint=option)
        pairs.append((name, text))
    return tuple(pairs)


@click.command(
    context_settings=command_settings(),
    epilog="""\b
Examples:
  har-analyzer record http://127.0.0.1:18080/console/detail -o detail.har --duration 20
  har-analyzer record http://127.0.0.1:18080/console/detail -o brief.har --duration 30 \\
      --reload-after 12 --set-local-storage downgradePolling=true
  har-analyzer record https://127.0.0.1:18443/console/dashboard -o h2.har --ignore-certificate-errors""",
)
@click.argument("url")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="HAR file to write."
)
@click.option(
    "--duration",
    type=click.FloatRange(min=0, min_open=True),
    default=10.0,
    show_default=True,
    help="Seconds to record, from the start of the first load.",
)
@click.option(
    "--reload-after",
    "reload_after",
    type=click.FloatRange(min=0),
    multiple=True,
    metavar="SECONDS",
    help="Reload the page this many seconds after the first load started (repeatable).",
)
@click.option(
    "--set-local-storage",
    "local_storage",
    multiple=True,
    metavar="KEY=VALUE",
    help="Write this localStorage item before the first reload (repeatable).",
)
@click.option(
    "--set-cookie",
    "reload_cookies",
    multiple=True,
    metavar="NAME=VALUE",
    help="Set this cookie before the first reload (repeatable).",
)
@click.option(
    "--cookie",
    "cookies",
    multiple=True,
    metavar="NAME=VALUE",
    help="Set this cookie before the first load (repeatable).",
)
@click.option(
    "--wait-until",
    type=click.Choice(WAIT_UNTIL),
    default="load",
    show_default=True,
    help="When a load or reload counts as done.",
)
@click.option(
    "--browser-path",
    type=click.Path(path_type=Path),
    default=DEFAULT_BROWSER,
    show_default=True,
    help="Chromium or Chrome executable.",
)
@click.option(
    "--ignore-certificate-errors", is_flag=True, help="Accept any TLS certificate (a test server's self-signed one)."
)
@click.option(
    "--keep-secrets",
    is_flag=True,
    help="Write credentials as recorded (default: the capture is sanitized as `har-analyzer sanitize` does).",
)
@click.option(
    "--console-log",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the page's console messages here, one JSON object a line.",
)
def record(url: str, output: Path, duration: float, reload_after: tuple[float, ...], local_storage: tuple[str, ...],
           reload_cookies: tuple[str, ...], cookies: tuple[str, ...], wait_until: str, browser_path: Path,
           ignore_certificate_errors: bool, keep_secrets: bool, console_log: Path | None) -> None:  # fmt: skip
    """Record URL with a real Chromium into a HAR with Chrome's connection ids and queueing times.

    Drives Chromium through Playwright (headless): loads URL, reloads it at each --reload-after second
    (after writing the --set-local-storage/--set-cookie settings), and closes after --duration seconds.
    Requests still open then are written unfinished (time -1). Secrets (cookies set here, tokens in URLs and
    headers, Secret data in bodies) are replaced by placeholders as `sanitize` does, unless --keep-secrets.
    Needs `pip install 'har-analyzer[record]'` and a Chromium (`apt-get install chromium`).
    """
    from analyzer.record.session import RecordError, RecordPlan, record_capture

    plan = RecordPlan(
        url=url, output=output, browser_path=browser_path, duration=duration, reload_after=tuple(reload_after),
        cookies=_pairs(cookies, "--cookie"), local_storage_before_reload=_pairs(local_storage, "--set-local-storage"),
        cookies_before_reload=_pairs(reload_cookies, "--set-cookie"), wait_until=wait_until,
        ignore_certificate_errors=ignore_certificate_errors, keep_secrets=keep_secrets,
    )  # fmt: skip
    try:
        result = record_capture(plan)
    except RecordError as error:
        raise BadInput(str(error)) from None
    if console_log is not None:
        lines = (json.dumps({"time": c.time, "type": c.type, "text": c.text}) for c in result.console)
        console_log.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    merge = result.merge
    detail = f", {merge.matched} with Chrome's connection ids" if merge else ""
    click.echo(f"{output}: {result.entries} entries{detail} ({result.browser_version}); {_secrets(result)}", err=True)


def _secrets(result: RecordResult) -> str:
    from analyzer.sanitize import summary_text

    if result.sanitized is None:
        return "secrets kept (--keep-secrets)"
    return f"sanitized: {summary_text(result.sanitized)}"
