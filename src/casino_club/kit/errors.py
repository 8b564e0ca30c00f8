"""Domain errors: each carries an HTTP status, a stable code and a Korean + English message."""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """Base of every expected failure; rendered as the error envelope with `status` and `code`."""

    status: ClassVar[int] = 400
    code: ClassVar[str] = "BAD_REQUEST"
    message_en: ClassVar[str] = "The request could not be processed."
    message_ko: ClassVar[str] = "요청을 처리할 수 없습니다."
    headers: dict[str, str] | None = None

    def __init__(self, details: dict[str, Any] | None = None, *, headers: dict[str, str] | None = None):
        super().__init__(self.code)
        self.details = details or {}
        self.headers = headers

    def message(self, lang: str) -> str:
        """Human message in the requested language, with details filled in where the text names them."""
        text = self.message_ko if lang == "ko" else self.message_en
        try:
            return text.format(**self.details)
        except (KeyError, IndexError, ValueError):
            return text


def error(status: int, code: str, en: str, ko: str) -> type[DomainError]:
    """Declare a DomainError subclass in one line."""
    return type(code.title().replace("_", ""), (DomainError,), {
        "status": status, "code": code, "message_en": en, "message_ko": ko,
    })


NotAuthenticated = error(401, "NOT_AUTHENTICATED", "Sign in to continue.", "로그인이 필요합니다.")
InvalidToken = error(401, "INVALID_TOKEN", "Your session is invalid or has expired.",
                     "세션이 유효하지 않거나 만료되었습니다.")
Forbidden = error(403, "FORBIDDEN", "You do not have permission to do this.", "이 작업을 할 권한이 없습니다.")
NotFound = error(404, "NOT_FOUND", "The requested resource was not found.", "요청한 항목을 찾을 수 없습니다.")
Conflict = error(409, "CONFLICT", "The request conflicts with the current state.", "현재 상태와 충돌합니다.")
InsufficientGold = error(409, "INSUFFICIENT_GOLD", "Not enough gold.", "골드가 부족합니다.")
RateLimited = error(429, "RATE_LIMITED", "Too many requests. Try again in {retry_after} seconds.",
                    "요청이 너무 많습니다. {retry_after}초 후에 다시 시도하세요.")
ValidationFailed = error(422, "VALIDATION_ERROR", "Some fields are invalid.", "입력값이 올바르지 않습니다.")
InternalError = error(500, "INTERNAL_ERROR", "Something went wrong on our side. Please try again.",
                      "서버 오류가 발생했습니다. 잠시 후 다시 시도하세요.")
ServiceUnavailable = error(503, "SERVICE_UNAVAILABLE", "The service is briefly unavailable. Please try again.",
                           "서비스를 잠시 사용할 수 없습니다. 잠시 후 다시 시도하세요.")
RequestTimeout = error(408, "REQUEST_TIMEOUT", "The request body arrived too slowly.",
                       "요청 본문이 너무 느리게 도착했습니다.")
PayloadTooLarge = error(413, "PAYLOAD_TOO_LARGE", "The request body is too large.", "요청 본문이 너무 큽니다.")
IdempotencyKeyReused = error(
    422, "IDEMPOTENCY_KEY_REUSED", "This idempotency key was already used with a different request.",
    "이 멱등 키는 다른 요청에 이미 사용되었습니다.")


class IdempotencyInFlight(DomainError):
    """A first attempt with this key is still running (a class, not error(...): LeaseLost extends it)."""

    status = 409
    code = "IDEMPOTENCY_IN_FLIGHT"
    message_en = "The same request is still being processed."
    message_ko = "같은 요청을 아직 처리 중입니다."


InvalidIdempotencyKey = error(
    422, "INVALID_IDEMPOTENCY_KEY", "The idempotency key must be 1-255 printable characters.",
    "멱등 키는 1~255자의 출력 가능한 문자여야 합니다.")
InvalidCursor = error(422, "INVALID_CURSOR", "The page cursor is invalid.", "페이지 커서가 올바르지 않습니다.")


def rate_limited(retry_after: int) -> DomainError:
    """A 429 carrying Retry-After in both the header and the details."""
    retry_after = max(1, int(retry_after))
    return RateLimited({"retry_after": retry_after}, headers={"Retry-After": str(retry_after)})
