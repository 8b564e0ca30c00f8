"""Auth domain errors."""

from casino_club.kit.errors import DomainError, error

SiteIdTaken = error(409, "SITE_ID_TAKEN", "That login id is already taken.", "이미 사용 중인 아이디입니다.")
NicknameTaken = error(409, "NICKNAME_TAKEN", "That nickname is already taken.", "이미 사용 중인 닉네임입니다.")
InvalidInviteCode = error(422, "INVALID_INVITE_CODE", "The invite code is invalid, expired or used up.",
                          "초대 코드가 올바르지 않거나 만료되었습니다.")
InviteCodeRequired = error(422, "INVITE_CODE_REQUIRED", "An invite code is required to sign up.",
                           "가입하려면 초대 코드가 필요합니다.")
InvalidCredentials = error(401, "INVALID_CREDENTIALS", "Wrong login id or password.",
                           "아이디 또는 비밀번호가 올바르지 않습니다.")
AccountBanned = error(403, "ACCOUNT_BANNED", "This account is suspended.", "정지된 계정입니다.")


class RefreshReused(DomainError):
    """A rotated refresh token came back (a class, not error(...): the service extends it)."""

    status = 401
    code = "REFRESH_TOKEN_REUSED"
    message_en = "This refresh token was already used; the session has been ended for safety."
    message_ko = "이미 사용된 리프레시 토큰입니다. 안전을 위해 세션을 종료했습니다."


WrongPassword = error(403, "WRONG_PASSWORD", "The current password is incorrect.",
                      "현재 비밀번호가 올바르지 않습니다.")
OtpRequired = error(401, "OTP_REQUIRED", "Enter the code from your authenticator app.",
                    "인증 앱의 코드를 입력하세요.")
OtpInvalid = error(401, "OTP_INVALID", "The authenticator code is wrong.", "인증 코드가 올바르지 않습니다.")
TotpRequired = error(403, "TOTP_REQUIRED", "Admins must enrol two-factor authentication first.",
                     "관리자는 먼저 2단계 인증을 등록해야 합니다.")
AdminRequired = error(403, "ADMIN_REQUIRED", "Only admins can do this.", "관리자만 할 수 있습니다.")
CrossOriginRefused = error(403, "CROSS_ORIGIN_REFUSED", "This request came from a site that is not allowed.",
                           "허용되지 않은 사이트에서 온 요청입니다.")
TotpAlreadyEnabled = error(409, "TOTP_ALREADY_ENABLED", "Two-factor authentication is already on.",
                           "2단계 인증이 이미 켜져 있습니다.")
