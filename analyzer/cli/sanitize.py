"""`har-analyzer sanitize CAPTURE -o SAFE.har`: a copy of a capture that can be shared, its secrets replaced."""

from __future__ import annotations

import os
from pathlib import Path

import click

from analyzer.cli.options import atomic_file, command_settings, settings_from, shared_options, write_bytes
from analyzer.errors import ConfigError


@click.command(
    context_settings=command_settings(),
    epilog="""\b
Examples:
  har-analyzer sanitize capture.har -o safe.har
  har-analyzer sanitize capture.har.gz -o safe.har --keep-header X-Request-Id --drop-bodies
  har-analyzer sanitize capture.har -o - | gzip > safe.har.gz""",
)
@click.argument("capture", type=str)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path, allow_dash=True),
    required=True,
    help="HAR file to write (plain JSON; `-` for standard output). Never the capture itself.",
)
@click.option(
    "--keep-header",
    "keep_headers",
    multiple=True,
    metavar="NAME",
    help="Leave this header as it is (repeatable, any case); Cookie and Set-Cookie keep the cookie lists too.",
)
@click.option(
    "--drop-bodies",
    is_flag=True,
    help="Remove response bodies (size and type kept, a comment says so) and websocket frame payloads.",
)
@shared_options
@click.pass_context
def sanitize(ctx: click.Context, capture: str, output: Path, keep_headers: tuple[str, ...], drop_bodies: bool) -> None:
    """Write CAPTURE as a HAR of the same shape with every secret replaced by a placeholder.

    Credential headers, cookies, the Kubernetes websocket bearer subprotocol, URL userinfo and credential
    parameters, JWT and sha256~ tokens anywhere, Secret data, TokenRequest tokens, kubeconfig credentials and
    credential fields of bodies and websocket frames (docs/security.md). A placeholder is the same for the same
    secret within one run (an HMAC with a random key), so the analysis of the copy is the analysis of CAPTURE.
    Prints what it replaced, by kind, on stderr; sanitizing a sanitized capture replaces nothing.
    """
    from analyzer.har.document import encode_document, read_document
    from analyzer.har.limits import Limits
    from analyzer.sanitize import Options, summary_text
    from analyzer.sanitize import sanitize as sanitize_document

    is_stdout = str(output) == "-"
    if not is_stdout:
        _refuse_the_capture_itself(capture, output)
    settings = settings_from(ctx)
    limits = Limits(max_expansion=settings.max_expansion, max_decompressed_bytes=settings.max_decompressed_bytes)
    document = read_document(capture, limits=limits)
    options = Options(frozenset(h.strip().lower() for h in keep_headers), drop_bodies, document.read_member)
    result = sanitize_document(document.value, options)
    data = encode_document(result.document)
    if is_stdout:
        write_bytes(data, None)
    else:
        with atomic_file(output) as out:
            out.write(data)
    click.echo(f"sanitized {document.name} -> {output}: {summary_text(result.counts)}", err=True)


def _refuse_the_capture_itself(capture: str, output: Path) -> None:
    if capture == "-":
        return
    try:
        is_same = os.path.samefile(capture, output)
    except OSError:  # one of them does not exist (the capture's own error comes when it is read)
        is_same = False
    if is_same:
        raise ConfigError(f"{output}: is the capture itself: write the sanitized copy to another file")
