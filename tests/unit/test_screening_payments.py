"""Screening, issue 16: payment details, off-platform intent, number words with tens and hundreds,
more messenger ids, addresses without a dot, and the engineering numbers that must stay clean."""

# ruff: noqa: RUF001

from __future__ import annotations

import pytest

from chalicelib.domain.screening import MASKS, screen
from chalicelib.domain.screening_payments import luhn
from chalicelib.domain.screening_words import NUMBER_RUN, spell, zh_digits

# Checksum-valid values made up for these tests (DE89… is the registry's documentation example).
IBAN_DE = "DE89 3704 0044 0532 0130 00"
IBAN_GB = "GB88 JKOO 1270 7707 1791 70"
IBAN_CH = "CH4523650806957813511"
VISA = "4464 3304 4529 4038"
MIR = "2201 9077 9434 5461"
UNIONPAY_19 = "6268294904108537247"
BTC = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
BTC_P2SH = "31yJ6E8h7GErxT2qoyPJaiEvfPBs7Ufxmd"
BECH32 = "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"
TRON = "TRdNQqFEneEuG9hBQrAVvwHDCuKDa862xt"
LTC = "LX8mngEZyMtQLsmVd1pKKk3BxEK4P1CbyW"
ETH = "0x52908400098527886E0F7030069857D2E4169EE7"


def found(text: str) -> list[tuple[str, str]]:
    return [(f.kind, text[f.start : f.end]) for f in screen(text).findings]


def assert_clean(text: str) -> None:
    result = screen(text)
    assert not result.flagged and result.masked == text, found(text)


# --------------------------------------------------------------------------------------------
# Payment details


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"my IBAN is {IBAN_DE}, send the rest there", [("iban", IBAN_DE)]),
        (f"wire it to {IBAN_GB} please", [("iban", IBAN_GB)]),
        (f"Konto {IBAN_CH.lower()}", [("iban", IBAN_CH.lower())]),
        (f"IBAN {IBAN_DE}, BIC COBADEFFXXX", [("iban", IBAN_DE), ("bic", "COBADEFFXXX")]),
        ("swift code is CHASUS33, account in NY", [("bic", "CHASUS33")]),
        ("БИК 044525225, остальное в личке", [("bic", "БИК 044525225")]),
        ("р/с 40817810099910004312, Сбербанк", [("iban", "р/с 40817810099910004312")]),
        (f"card number {VISA}, exp 09/28", [("card", VISA)]),
        (f"скиньте на карту {MIR}, Сбер", [("intent", "скиньте на карту"), ("card", MIR)]),
        (f"卡号：{UNIONPAY_19}，建设银行", [("card", UNIONPAY_19)]),
        ("paypal.me/hannasoft — send it there", [("paypal", "paypal.me/hannasoft")]),
        ("my paypal: tom.baker.design@gmail.com", [("paypal", "paypal: tom.baker.design@gmail.com")]),
        (f"BTC only please: {BTC}", [("crypto", BTC)]),
        (f"cold wallet {BTC_P2SH}", [("crypto", BTC_P2SH)]),
        (f"my wallet is {BECH32}", [("crypto", BECH32)]),
        (f"USDT TRC20: {TRON}", [("crypto", TRON)]),
        (f"litecoin: {LTC}", [("crypto", LTC)]),
        (f"send ETH to {ETH}", [("crypto", ETH)]),
    ],
)
def test_payment_details_are_found_and_masked(text: str, expected: list[tuple[str, str]]) -> None:
    assert found(text) == expected
    masked = screen(text).masked
    for kind, detail in expected:
        assert (detail in masked) == (kind == "intent")
    assert MASKS["iban"] == MASKS["card"] == MASKS["crypto"] == "[payment details hidden]"
    assert "[payment details hidden]" in masked


@pytest.mark.parametrize(
    "text",
    [
        "DE89 3704 0044 0532 0130 01 fails the check digits",  # IBAN with a wrong checksum
        "card validation should reject 4464 3304 4529 4039",  # fails Luhn
        "use the Stripe test cards 4242 4242 4242 4242 and 5555 5555 5555 4444",
        "the SKU is 4006381333931 (EAN)",
        "BUSINESS PLANNING for HOSPITAL equipment",  # BIC-shaped words without a cue
        "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3 is a typo of the example address",  # base58check fails
        "tx 0x5f7e6d4c3b2a19087f6e5d4c3b2a19087f6e5d4c3b2a19087f6e5d4c3b2a1908 failed",  # a hash, not an address
        "commit 3f2a9c1d0b7e4f5a6c8d9e0f1a2b3c4d5e6f7a8b fixes it",
        "the IBAN field in the payout form rejects spaces",
        "we integrate PayPal checkout in the shop",
    ],
)
def test_payment_lookalikes_are_not_flagged(text: str) -> None:
    assert_clean(text)


def test_luhn() -> None:
    assert luhn("4464330445294038")
    assert not luhn("4464330445294039")


# --------------------------------------------------------------------------------------------
# Intent: flagged, never masked


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        ("pay me directly and skip escrow", ["pay me directly", "skip escrow"]),
        ("transfer there and we skip the escrow wait", ["transfer there", "skip the escrow"]),
        ("same handle on gmail, write me there", ["same handle on gmail"]),
        ("zahl direkt, außerhalb der Plattform ist es billiger", ["zahl direkt", "außerhalb der Plattform"]),
        ("ohne Treuhand geht es schneller", ["ohne Treuhand"]),
        ("оплата напрямую, минуя площадку", ["оплата напрямую", "минуя площадку"]),
        ("私下交易吧，绕过平台", ["私下交易", "绕过平台"]),
    ],
)
def test_intent_is_flagged_and_left_as_written(text: str, phrases: list[str]) -> None:
    result = screen(text)
    assert result.flagged
    assert result.masked == text
    assert found(text) == [("intent", phrase) for phrase in phrases]


def test_intent_next_to_a_detail_masks_only_the_detail() -> None:
    text = f"skip escrow and transfer to {IBAN_DE}"
    result = screen(text)
    assert found(text) == [("intent", "skip escrow"), ("iban", IBAN_DE)]
    assert result.masked == "skip escrow and transfer to [payment details hidden]"


@pytest.mark.parametrize(
    "text",
    [
        "I'll fund the escrow tonight, the platform fee is fine",
        "pay directly from your wallet, it's quicker than a card",
        "zahl direkt aus deiner Wallet, das geht ohne Karte",
        "bypass the cache for the BOM export",
        "outside the tolerance band the controller should alarm",
        "skip the fee calculation in the unit test",
        "no escrow integration in v1",
        "we work off-site on Fridays",
        "my bank details page in the settings throws an error",
        "комиссия площадки уже заложена в цену",
        "直接在平台上付款就行",
        "不用平台的模板也可以",
        "通过平台发奖金可以吗？",
    ],
)
def test_platform_talk_is_not_intent(text: str) -> None:
    assert_clean(text)


# --------------------------------------------------------------------------------------------
# Number words, messengers, addresses without a dot


@pytest.mark.parametrize(
    ("words", "digits"),
    [
        ("thirty four", "34"),
        ("one hundred and twelve", "112"),
        ("seven seven", "77"),
        ("fifty six seven", "567"),
        ("vierunddreißig", "34"),
        ("hundertzwölf".replace("ö", "o"), "112"),  # the view folds umlauts
        ("null eins funf eins zweiundfunfzig", "015152"),
        ("тридцать четыре", "34"),
        ("сто двенадцать", "112"),
        ("двести пять", "205"),
    ],
)
def test_number_words_become_digits(words: str, digits: str) -> None:
    match = NUMBER_RUN.fullmatch(words)
    assert match is not None
    assert spell(match.group()) == digits


@pytest.mark.parametrize(
    ("numerals", "digits"), [("三十四", "34"), ("一百一十二", "112"), ("一百零五", "105"), ("幺三八零零", "13800")]
)
def test_chinese_numerals_become_digits(numerals: str, digits: str) -> None:
    assert zh_digits(numerals) == digits


@pytest.mark.parametrize(
    "text",
    [
        "call me: oh seven nine one one, thirty four, fifty six, seventy eight",
        "text one hundred and twelve, thirty four, fifty six, seven eight nine",
        "ruf mich an: null eins fünf eins, vierunddreißig, sechsundfünfzig, achtundsiebzig, neunzig",
        "звоните: восемь, девятьсот двенадцать, тридцать четыре, пятьдесят шесть, семьдесят восемь",
        "我的号码是 幺三八 一二三四 五六七八",
        "手机 138 1234 5678，随时打",
    ],
)
def test_phones_dictated_in_tens_and_hundreds(text: str) -> None:
    assert [kind for kind, _ in found(text)] == ["phone"]


@pytest.mark.parametrize(
    "text",
    [
        "thirty four pages of calculations, one hundred and twelve drawings",
        "vierunddreißig Seiten Berechnung, hundertzwölf Zeichnungen",
        "тридцать четыре листа расчётов, сто двенадцать чертежей",
        "三十四页计算书，一百一十二张图纸",
    ],
)
def test_counted_things_are_not_phones(text: str) -> None:
    assert_clean(text)


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("add me on WeChat: hanna_cad88", "WeChat: hanna_cad88"),
        ("微信号：lin3d_design", "微信号：lin3d_design"),
        ("我的微信是 lin3d_design，加我", "微信是 lin3d_design"),
        ("我的QQ：2876543120", "QQ：2876543120"),
        ("vk.com/id48213377 is my page", "vk.com/id48213377"),
        ("wa.me/4915123456789", "wa.me/4915123456789"),
        ("t.me/markus_cnc", "t.me/markus_cnc"),
        ("skype: live:hanna.soft_1", "skype: live:hanna.soft_1"),
        ("add me on t e l e g r a m, same nick", "t e l e g r a m"),
        ("т е л е г р а м, ник тот же", "т е л е г р а м"),
        ("sk ype: jk.designs", "sk ype: jk.designs"),
    ],
)
def test_messenger_ids_of_the_markets(text: str, detail: str) -> None:
    assert ("messenger", detail) in found(text)


@pytest.mark.parametrize(
    ("text", "detail"),
    [
        ("my site: studio-nord de", "studio-nord de"),
        ("website hannasoft io.", "hannasoft io"),
        ("我的网站 lin3d com", "lin3d com"),
    ],
)
def test_addresses_without_a_dot_after_a_cue(text: str, detail: str) -> None:
    assert found(text) == [("domain", detail)]


@pytest.mark.parametrize(
    "text",
    [
        "PN 4711-2233-09 is out of stock",  # the reported false positive
        "the gasket is 4711-2233-09, same as the last batch",
        "Zeichnung 1234-5678-01 Rev B",
        "артикул 4711-2233-09 закончился",
        "图号 1234-5678-01 已经发给车间",
        "tolerance ±0.05 mm on the bore",
        "firmware v2.3.11 fixes the CAN timeout",
        "quote is EUR 1.250,00 net",
        "delivery 2027-03-15, FAT on 22.03.2027",
        "the shop is ISO 9001:2015 certified, certs per DIN EN 10204 3.1",
        "general tolerances GB/T 1804-2000 m",
        "order 2027-000418, PO 4500123456",
        "the site is in Leipzig, the website is down",
    ],
)
def test_engineering_numbers_are_not_contacts(text: str) -> None:
    assert_clean(text)


def test_the_issue_examples() -> None:
    text = "call me +49 151 2345 6789 or hanna@hannasoft.io"
    assert screen(text).masked == "call me [phone hidden] or [email hidden]"
    text = "transfer there and skip escrow, same handle on gmail"
    assert screen(text).flagged and screen(text).masked == text
