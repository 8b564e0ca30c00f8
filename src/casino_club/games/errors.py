"""Game and fairness errors, each with a stable code and Korean + English messages."""

from __future__ import annotations

from casino_club.fairness.errors import CrashRoundOpen, InvalidClientSeed  # noqa: F401 - re-exported
from casino_club.games.rules import InvalidGameInput
from casino_club.kit.errors import DomainError, error
from casino_club.kit.idempotency import KeepEffects

BetOutOfRange = error(422, "BET_OUT_OF_RANGE", "A bet must be a whole number of gold from {min_bet} to {max_bet}.",
                      "베팅액은 {min_bet}~{max_bet} 골드 사이의 정수여야 합니다.")
DailyBetLimit = error(409, "DAILY_BET_LIMIT",
                      "Today's bet limit for your rank is {limit} gold; {remaining} gold is left until midnight.",
                      "등급별 오늘의 베팅 한도는 {limit} 골드이며, 자정까지 {remaining} 골드 남았습니다.")
RoundNotFound = error(404, "ROUND_NOT_FOUND", "That round was not found.", "해당 라운드를 찾을 수 없습니다.")
RoundAlreadySettled = error(409, "ROUND_ALREADY_SETTLED", "That round has already ended.", "이미 종료된 라운드입니다.")
InvalidGame = error(422, "UNKNOWN_GAME", "Unknown game.", "알 수 없는 게임입니다.")


class RoundCrashed(KeepEffects, DomainError):
    """The cash-out came after the crash; the round is committed as lost and the 409 is the final answer."""

    status = 409
    code = "ROUND_CRASHED"
    message_en = "Too late: the round crashed before the cash-out."
    message_ko = "늦었습니다: 캐시아웃 전에 라운드가 크래시되었습니다."


_INPUT_MESSAGES = {
    "INVALID_CHOICE": ("Choose rock, paper or scissors.", "가위, 바위, 보 중에서 선택하세요."),
    "INVALID_PULL_COUNT": ("Pull 1 or 10 at a time.", "한 번에 1회 또는 10회만 뽑을 수 있습니다."),
    "INVALID_AUTO_CASHOUT": ("Auto cash-out must be between 1.01x and 1000x with at most two decimals.",
                             "자동 캐시아웃은 1.01x~1000x 사이, 소수점 둘째 자리까지입니다."),
    "INVALID_BET": ("A bet must be a positive whole number of gold.", "베팅액은 양의 정수여야 합니다."),
    "UNKNOWN_GAME": ("Unknown game.", "알 수 없는 게임입니다."),
    "INVALID_PARAMS": ("Some round parameters are invalid.", "라운드 입력값이 올바르지 않습니다."),
}
_INPUT_ERRORS: dict[str, type[DomainError]] = {
    code: error(422, code, en, ko) for code, (en, ko) in _INPUT_MESSAGES.items()
}


def input_error(exc: InvalidGameInput | ValueError) -> DomainError:
    """The 422 DomainError for a rule-level input problem (stable code, the rule's text in details)."""
    code = getattr(exc, "code", "INVALID_PARAMS")
    cls = _INPUT_ERRORS.get(code, _INPUT_ERRORS["INVALID_PARAMS"])
    return cls({"reason": str(exc)})
