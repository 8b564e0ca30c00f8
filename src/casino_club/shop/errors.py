"""Shop domain errors; the codes are the stable reason codes clients switch on."""

from __future__ import annotations

from casino_club.kit.errors import DomainError, error
from casino_club.kit.idempotency import KeepEffects

ProductNotFound = error(404, "PRODUCT_NOT_FOUND", "That product does not exist.", "해당 상품이 없습니다.")
ProductUnavailable = error(409, "PRODUCT_UNAVAILABLE", "That product is not on sale right now.",
                           "현재 판매하지 않는 상품입니다.")
RankRequired = error(403, "RANK_REQUIRED", "Your rank is too low for this product (needs {required}).",
                     "이 상품은 {required} 등급 이상만 구매할 수 있습니다.")
OutOfStock = error(409, "OUT_OF_STOCK", "This package is sold out.", "한정 패키지가 품절되었습니다.")
UserLimit = error(409, "USER_LIMIT", "You have reached the purchase limit for this package.",
                  "이 패키지의 1인 구매 한도에 도달했습니다.")
WindowClosed = error(409, "WINDOW_CLOSED", "This package is not on sale at this time.",
                     "지금은 이 패키지의 판매 기간이 아닙니다.")
PromoInvalid = error(422, "PROMO_INVALID", "That promo code is not valid for this purchase.",
                     "이 구매에 사용할 수 없는 프로모션 코드입니다.")
PromoExhausted = error(409, "PROMO_EXHAUSTED", "That promo code has been used up.",
                       "프로모션 코드 사용 한도가 모두 소진되었습니다.")
ReceiptNotFound = error(404, "RECEIPT_NOT_FOUND", "No purchase has that receipt code.",
                        "해당 영수증 코드의 구매 내역이 없습니다.")
InvalidTransition = error(409, "INVALID_TRANSITION", "The purchase is already {status}.",
                          "이미 {status} 상태인 구매입니다.")
InvalidSignature = error(401, "INVALID_SIGNATURE", "The webhook signature is invalid.",
                         "웹훅 서명이 올바르지 않습니다.")
StaleWebhook = error(400, "STALE_WEBHOOK", "The webhook timestamp is missing or outside the allowed window.",
                     "웹훅 타임스탬프가 없거나 허용 범위를 벗어났습니다.")
NonceReplayed = error(409, "NONCE_REPLAYED", "This webhook nonce was already used.",
                      "이미 사용된 웹훅 논스입니다.")
UnknownItem = error(422, "UNKNOWN_ITEM", "No catalog item has that id.", "해당 아이템이 카탈로그에 없습니다.")
SkuTaken = error(409, "SKU_TAKEN", "Another product already uses that SKU.", "이미 사용 중인 SKU입니다.")
PromoCodeTaken = error(409, "PROMO_CODE_TAKEN", "That promo code already exists.", "이미 존재하는 프로모션 코드입니다.")
PackageExists = error(409, "PACKAGE_EXISTS", "That product already has a limited package.",
                      "이 상품에는 이미 한정 패키지가 있습니다.")
PackageHasHolds = error(409, "PACKAGE_HAS_HOLDS", "Payments are pending on this package; try again later.",
                        "결제 대기 중인 구매가 있어 지금은 삭제할 수 없습니다.")


class PaymentDeclined(KeepEffects, DomainError):
    """The gateway declined the charge; the failed transaction stays recorded."""

    status = 402
    code = "PAYMENT_DECLINED"
    message_en = "The payment was declined."
    message_ko = "결제가 거절되었습니다."
