"""Schemathesis (v4) over the exported OpenAPI against a real server, collecting failures instead of stopping."""

from __future__ import annotations

import json
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import content_type_conformance, not_a_server_error, response_schema_conformance
from schemathesis.openapi import from_dict

from casino_club.openapi_export import render_openapi

CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def load_schema() -> Any:
    """The app's own OpenAPI document, as schemathesis sees it."""
    return from_dict(json.loads(render_openapi()))


@dataclass
class FuzzReport:
    """What the fuzzer did and what it found."""

    operations: int = 0
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    per_operation: Counter[str] = field(default_factory=Counter)
    seconds: Counter[str] = field(default_factory=Counter)
    unsatisfiable: int = 0

    @property
    def fivexx(self) -> int:
        """Number of 5xx responses."""
        return sum(n for s, n in self.statuses.items() if s >= 500)


def fuzz_operation(operation: Any, base_url: str, headers_for: Callable[[Any], dict[str, str]],
                   prepare: Callable[[Any], None], report: FuzzReport, max_examples: int,
                   modes: tuple[GenerationMode, ...] = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
                   session: requests.Session | None = None) -> None:
    """Run up to max_examples cases per generation mode on one operation; failures are recorded, not raised."""
    session = session or requests.Session()
    label = f"{operation.method.upper()} {operation.path}"
    for mode, examples in zip(modes, (max_examples, max(1, max_examples // 2)), strict=False):
        started = time.monotonic()
        _fuzz_mode(operation, base_url, headers_for, prepare, report, examples, mode, session, label)
        report.seconds[label] += time.monotonic() - started


def _fuzz_mode(operation: Any, base_url: str, headers_for: Callable[[Any], dict[str, str]],
               prepare: Callable[[Any], None], report: FuzzReport, max_examples: int, mode: GenerationMode,
               session: requests.Session, label: str) -> None:
    @settings(max_examples=max_examples, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        prepare(case)
        headers = headers_for(case)
        if case.method.upper() in WRITE_METHODS and "Idempotency-Key" not in headers:
            headers["Idempotency-Key"] = uuid.uuid4().hex
        try:
            response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
        except requests.RequestException as exc:
            report.failures.append(f"{label} [{mode.value}]: transport error {exc!r}")
            return
        report.requests += 1
        report.per_operation[label] += 1
        report.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - every failed check is collected
            text = str(exc).strip().splitlines()
            report.failures.append(f"{label} [{mode.value}] -> {response.status_code}: "
                                   f"{' | '.join(text[:6])[:600]}")
    try:
        run()
    except Unsatisfiable:
        report.unsatisfiable += 1  # e.g. no negative variant exists for an operation without inputs
