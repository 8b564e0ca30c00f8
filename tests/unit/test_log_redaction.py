"""Access tokens in WebSocket URLs never reach the logs."""

from __future__ import annotations

import logging

import pytest
import structlog

from casino_club.ops.logging import configure_logging


@pytest.fixture
def restore_logging():  # type: ignore[no-untyped-def]
    """Put the root logger back so later tests are not bound to this test's captured stream."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


def test_token_query_parameters_are_redacted(capfd: pytest.CaptureFixture[str], restore_logging) -> None:  # type: ignore[no-untyped-def]
    configure_logging()
    logging.getLogger("uvicorn.error").info('%s - "WebSocket %s" [accepted]', "127.0.0.1:5000",
                                            "/api/realtime/sync?token=eyJhbGciOi.secret.sig&x=1")
    out = capfd.readouterr().err
    assert "/api/realtime/sync?token=[redacted]&x=1" in out
    assert "eyJhbGciOi.secret.sig" not in out
