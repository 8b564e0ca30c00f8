"""Errors of the seed-pair service (games re-exports them for its own callers)."""

from __future__ import annotations

from casino_club.kit.errors import error

CrashRoundOpen = error(409, "CRASH_ROUND_OPEN",
                       "Finish your open crash round before rotating the seed.",
                       "시드를 교체하기 전에 진행 중인 크래시 라운드를 끝내세요.")
InvalidClientSeed = error(422, "INVALID_CLIENT_SEED",
                          "The client seed must be 1-{max_length} printable characters without ':'.",
                          "클라이언트 시드는 ':'가 없는 1~{max_length}자의 문자여야 합니다.")
