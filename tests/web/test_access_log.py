"""No secret in the server's logs (app/web/access_log.py): the records uvicorn writes for a
request and for a socket, put through the logging configuration `miccheck serve` gives it."""

from __future__ import annotations

import io
import logging
import logging.config
from collections.abc import Iterator

import pytest

from app.web.access_log import REDACTED, log_config, redact

TOKEN = "Zk3q-secret-token-of-ada_0123456789abcdefghijk"


@pytest.fixture
def logs() -> Iterator[tuple[io.StringIO, logging.Logger, logging.Logger]]:
    """serve's configuration with its loggers renamed (uvicorn's own are left alone) and its
    handlers writing to one buffer: (buffer, access logger, error logger)."""
    config = log_config()
    out = io.StringIO()
    for handler in config["handlers"].values():
        handler["stream"] = out
    config["loggers"] = {
        name.replace("uvicorn", "redaction-test"): value
        for name, value in config["loggers"].items()
    }
    logging.config.dictConfig(config)
    access = logging.getLogger("redaction-test.access")
    error = logging.getLogger("redaction-test.error")
    yield out, access, error
    for logger in (access, error, logging.getLogger("redaction-test")):
        logger.handlers.clear()


def test_the_access_log_keeps_the_path_and_drops_the_key(
    logs: tuple[io.StringIO, logging.Logger, logging.Logger],
) -> None:
    out, access, _ = logs
    # As uvicorn's httptools/h11 protocols log a request (client, method, path, version, status).
    access.info(
        '%s - "%s %s HTTP/%s" %d', "10.0.0.7:50312", "GET", f"/a/ABC123?key={TOKEN}", "1.1", 303
    )
    line = out.getvalue()
    assert TOKEN not in line
    assert f'"GET /a/ABC123?key={REDACTED} HTTP/1.1" 303' in line


def test_a_sockets_key_and_token_are_dropped_from_the_error_log(
    logs: tuple[io.StringIO, logging.Logger, logging.Logger],
) -> None:
    out, _, error = logs
    path = f"/ws/assemblies/ABC123?view=projector&key={TOKEN}&since=4"
    error.info('%s - "WebSocket %s" [accepted]', "10.0.0.7:50312", path)
    error.info('%s - "WebSocket %s" 403', "10.0.0.7:50312", f"/ws/x?token={TOKEN}")
    text = out.getvalue()
    assert TOKEN not in text
    assert f"/ws/assemblies/ABC123?view=projector&key={REDACTED}&since=4" in text
    assert f"/ws/x?token={REDACTED}" in text


@pytest.mark.parametrize(
    ("logged", "kept"),
    [
        (f"/a/X?k%65y={TOKEN}", f"/a/X?k%65y={REDACTED}"),  # the name percent-encoded
        (f"/a/X?KEY={TOKEN}&view=phone", f"/a/X?KEY={REDACTED}&view=phone"),
        ("/a/X?monkey=1&keys=2", "/a/X?monkey=1&keys=2"),  # other names left as they are
        ("/archive?q=key%3Dvalue", "/archive?q=key%3Dvalue"),
    ],
)
def test_only_the_values_of_key_and_token_are_replaced(logged: str, kept: str) -> None:
    assert redact(logged) == kept
