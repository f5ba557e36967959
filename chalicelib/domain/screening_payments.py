"""Payment details for contact screening: IBANs, card numbers, BICs, PayPal and crypto addresses.

Why. Someone who wants to be paid outside escrow does not need an email address: an IBAN, a card
number, a PayPal.me link or a wallet address is enough. Each of these formats carries a checksum or
a shape that ordinary work talk does not have, so the detectors validate instead of guessing:

- IBAN: country code, two check digits and the country's length (``IBAN_LENGTHS``), groups of four
  with single blanks or dashes allowed, and the ISO 13616 mod-97 check must give 1.
- Card: 13–19 digits, blanks or dashes between groups, a known issuer prefix (Visa, Mastercard,
  Amex, Discover, JCB, UnionPay, Maestro, Mir) and the Luhn check. Without a cue word ("card",
  "Karte", "карта", "卡" ...) only the usual 15/16/19-digit shapes count. Published test numbers
  (Stripe's 4242 4242 4242 4242 ...) are engineering talk, not payment details.
- BIC/SWIFT: eight or eleven characters whose 5th and 6th are a country code. A BIC on its own is
  indistinguishable from a word ("DEUTDEFF" aside, "BUSINESS" and "HOSPITAL" have the same shape),
  so one counts only with a cue ("BIC", "SWIFT", "БИК") just before it, or in a message that also
  carries an IBAN. The Russian БИК (nine digits starting 04) counts after "БИК".
- PayPal: paypal.me links, paypal.com pool/donate/send links, and "paypal: <email>" (the email with
  its PayPal cue). Russian bank accounts (20 digits after "р/с", "счёт") count as ``iban``.
- Crypto: Bitcoin (legacy base58check ``1…``/``3…``, bech32 ``bc1…`` with its checksum), Ethereum
  (``0x`` + 40 hex), TRON (``T…`` base58check with version 0x41), Litecoin (``L…``/``M…``/``ltc1…``).

Pure functions on a lower-cased view (IBAN, card, BIC, PayPal) or on the original text (crypto:
base58 is case-sensitive). Each returns ``(kind, start, end)`` spans in the text it was given.
"""

# ruff: noqa: RUF001, RUF002

from __future__ import annotations

import hashlib
import re
from typing import Final

Span = tuple[str, int, int]

# ISO 13616 registry lengths (the countries a marketplace sees; an unknown country does not count).
IBAN_LENGTHS: Final = {
    "ad": 24, "ae": 23, "al": 28, "at": 20, "az": 28, "ba": 20, "be": 16, "bg": 22, "bh": 22, "br": 29,
    "by": 28, "ch": 21, "cr": 22, "cy": 28, "cz": 24, "de": 22, "dk": 18, "do": 28, "ee": 20, "eg": 29,
    "es": 24, "fi": 18, "fo": 18, "fr": 27, "gb": 22, "ge": 22, "gi": 23, "gl": 18, "gr": 27, "hr": 21,
    "hu": 28, "ie": 22, "il": 23, "is": 26, "it": 27, "jo": 30, "kw": 30, "kz": 20, "lb": 28, "li": 21,
    "lt": 20, "lu": 20, "lv": 21, "mc": 27, "md": 24, "me": 22, "mk": 19, "mt": 31, "mu": 30, "nl": 18,
    "no": 15, "pk": 24, "pl": 28, "ps": 29, "pt": 25, "qa": 29, "ro": 24, "rs": 22, "sa": 24, "se": 24,
    "si": 19, "sk": 24, "sm": 27, "tn": 24, "tr": 26, "ua": 29, "vg": 24, "xk": 20,
}  # fmt: skip

_IBAN_START = re.compile(r"(?<![a-z0-9])([a-z]{2})[ \t]?(\d{2})")
_CARD_RUN = re.compile(r"(?<![\w.,/+-])\d{4}(?:[ \t-]?\d){9,18}(?![\w]|[.,]\d)")
_CARD_CUE = re.compile(
    r"(?:\b(?:card|karte|kreditkarte|visa|master\s?card|amex|maestro|mir|unionpay|pan|cc|debit|credit|kartennummer)\b|"
    r"карт\w*|кредитк\w*|卡号?|银行卡)"
)
_TEST_CARDS: Final = frozenset(
    {
        "4242424242424242", "4000056655665556", "5555555555554444", "2223003122003222", "5200828282828210",
        "5105105105105100", "378282246310005", "371449635398431", "6011111111111117", "6011000990139424",
        "3056930009020004", "36227206271667", "3566002020360505", "6200000000000005", "4111111111111111",
        "4000000000000002", "4000000000009995", "4000002500003155", "4012888888881881", "5454545454545454",
    }
)  # fmt: skip
_BIC = re.compile(r"(?<![a-z0-9])([a-z]{4}(?P<cc>[a-z]{2})[a-z0-9]{2}(?:[a-z0-9]{3})?)(?![a-z0-9])")
_BIC_CUE = re.compile(
    r"(?:\bbic|\bswift|бик|银行代码|swift代码)(?:[ \t:-]*(?:code|код))?[ \t:=-]*(?:is|ist|es|est|это)?[ \t:：=-]*$"
)
_RU_BIK = re.compile(r"бик[ \t:№-]*(0\d{8})(?!\d)")
_RU_ACCOUNT = re.compile(
    r"(?:[рp]/[сc]|[рp]\.[сc]\.|расч[её]тный\s+сч[её]т|сч[её]т(?:\s+получателя)?|номер\s+сч[её]та)"
    r"[ \t:№-]*((?:\d[ \t]?){19}\d)(?!\d)"
)
_PAYPAL_LINK = re.compile(
    r"(?:https?://)?(?:www\.)?(?:paypal\.me|paypal\.com/(?:paypalme|pools|donate|send|invoice|cgi-bin)|pp\.me)"
    r"/[^\s<>\"'`]+|(?:https?://)?(?:www\.)?paypal\.me\b"
)
_PAYPAL_EMAIL = re.compile(
    r"(?<![a-z0-9])(?:paypal|пейпал|пэйпал|贝宝)(?![a-z0-9])[^\n@]{0,30}?"
    r"[a-z0-9_][a-z0-9._%+-]{0,63}@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,24}"
)
_PAYPAL_HANDLE = re.compile(
    r"(?<![a-z0-9])paypal(?:\.me)?[ \t]*(?:id|name|handle)?[ \t]*[:=][ \t]*@?[a-z0-9][a-z0-9._-]{2,40}"
)
# Crypto (matched on the original text, case kept).
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_B58_INDEX: Final = {c: i for i, c in enumerate(_B58)}
_BASE58_ADDR = re.compile(r"(?<![0-9A-Za-z])([13LMT][1-9A-HJ-NP-Za-km-z]{25,34})(?![0-9A-Za-z])")
_BECH32_ADDR = re.compile(r"(?<![0-9A-Za-z])((?:bc|BC|ltc|LTC|tb)1[02-9ac-hj-np-zAC-HJ-NP-Z]{11,87})(?![0-9A-Za-z])")
_ETH_ADDR = re.compile(r"(?<![0-9A-Za-z])0[xX][0-9a-fA-F]{40}(?![0-9A-Za-z])")
_LONG_TOKEN = re.compile(r"[0-9A-Za-z]{25}")  # every address format has 25 letters and digits in a row
_BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"


def find_payments(text: str) -> list[Span]:
    """IBAN, card and BIC spans in a lower-cased, normalized text."""
    out: list[Span] = []
    if any(c.isdigit() for c in text):
        out.extend(_ibans(text))
        out.extend(_cards(text))
        for match in _RU_ACCOUNT.finditer(text):
            out.append(("iban", match.start(), match.end()))
        for match in _RU_BIK.finditer(text):
            out.append(("bic", match.start(), match.end()))
    out.extend(_bics(text, has_iban=any(kind == "iban" for kind, _s, _e in out)))
    return out


def find_paypal(text: str) -> list[Span]:
    """PayPal links and a PayPal cue with its mailbox or handle, in the de-obfuscated web view."""
    if not ("paypal" in text or "pp.me" in text or "пейпал" in text or "пэйпал" in text or "贝宝" in text):
        return []
    return [
        ("paypal", m.start(), m.end()) for p in (_PAYPAL_LINK, _PAYPAL_EMAIL, _PAYPAL_HANDLE) for m in p.finditer(text)
    ]


def find_crypto(text: str) -> list[Span]:
    """Wallet addresses in the original text (base58 is case-sensitive)."""
    if not _LONG_TOKEN.search(text):
        return []
    out: list[Span] = []
    for match in _BASE58_ADDR.finditer(text):
        if _base58check(match.group(1)):
            out.append(("crypto", *match.span(1)))
    for match in _BECH32_ADDR.finditer(text):
        if _bech32_valid(match.group(1)):
            out.append(("crypto", *match.span(1)))
    out.extend(("crypto", *m.span()) for m in _ETH_ADDR.finditer(text))
    return out


# --------------------------------------------------------------------------------------------
# IBAN


def _ibans(text: str) -> list[Span]:
    out: list[Span] = []
    for match in _IBAN_START.finditer(text):
        country = match.group(1)
        length = IBAN_LENGTHS.get(country)
        if length is None:
            continue
        chars = [country, match.group(2)]
        count = 4
        pos = match.end()
        while count < length and pos < len(text):
            c = text[pos]
            if c.isascii() and c.isalnum():
                chars.append(c)
                count += 1
                pos += 1
            elif c in " \t-" and pos + 1 < len(text) and text[pos + 1].isascii() and text[pos + 1].isalnum():
                pos += 1
            else:
                break
        if count != length or (pos < len(text) and text[pos].isascii() and text[pos].isalnum()):
            continue
        if _mod97("".join(chars)) == 1:
            out.append(("iban", match.start(), pos))
    return out


def _mod97(iban: str) -> int:
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97


# --------------------------------------------------------------------------------------------
# Cards


def luhn(digits: str) -> bool:
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = ord(c) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _issuer(digits: str) -> bool:
    two, four = int(digits[:2]), int(digits[:4])
    return (
        digits[0] == "4"
        or 51 <= two <= 55
        or 2221 <= four <= 2720
        or 2200 <= four <= 2204
        or two in (34, 37, 35, 36, 62, 65, 50)
        or 56 <= two <= 69
        or digits.startswith(("6011", "300", "301", "302", "303", "304", "305", "38", "39"))
    )


def _cards(text: str) -> list[Span]:
    out: list[Span] = []
    for match in _CARD_RUN.finditer(text):
        groups = list(re.finditer(r"\d+", match.group()))
        for k in range(len(groups), 0, -1):  # a CVC or a date may follow the number
            end = match.start() + groups[k - 1].end()
            digits = "".join(g.group() for g in groups[:k])
            if not 13 <= len(digits) <= 19:
                continue
            if not (_issuer(digits) and luhn(digits)) or digits in _TEST_CARDS:
                continue
            cue = bool(_CARD_CUE.search(text[max(0, match.start() - 40) : match.start()]))
            if cue or len(digits) in (15, 16, 19):
                out.append(("card", match.start(), end))
                break
    return out


# --------------------------------------------------------------------------------------------
# BIC


def _bics(text: str, *, has_iban: bool) -> list[Span]:
    if not has_iban and not re.search(r"\bbic|\bswift|бик|swift代码|银行代码", text):
        return []
    out: list[Span] = []
    for match in _BIC.finditer(text):
        if match.group("cc") not in IBAN_LENGTHS and match.group("cc") not in ("us", "cn", "ru", "in", "jp", "ca"):
            continue
        cued = bool(_BIC_CUE.search(text[max(0, match.start() - 24) : match.start()]))
        if cued or (has_iban and re.search(r"\d", match.group()) is None and _bic_like(match.group())):
            out.append(("bic", *match.span()))
    return out


def _bic_like(code: str) -> bool:
    """Next to an IBAN, an unlabelled BIC still has to look like one: no vowel-heavy English word."""
    return sum(c in "aeiou" for c in code[:4]) <= 2 and code not in ("business", "personal", "transfer")


# --------------------------------------------------------------------------------------------
# Crypto checksums


def _b58decode(s: str) -> bytes | None:
    n = 0
    for c in s:
        i = _B58_INDEX.get(c)
        if i is None:
            return None
        n = n * 58 + i
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    pad = len(s) - len(s.lstrip("1"))
    return b"\x00" * pad + raw


def _base58check(s: str) -> bool:
    raw = _b58decode(s)
    if raw is None or len(raw) != 25:
        return False
    payload, check = raw[:-4], raw[-4:]
    if hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4] != check:
        return False
    version = payload[0]
    # 0x00/0x05 Bitcoin, 0x41 TRON, 0x30/0x32 Litecoin
    return (s[0], version) in {("1", 0x00), ("3", 0x05), ("T", 0x41), ("L", 0x30), ("M", 0x32)}


def _bech32_polymod(values: list[int]) -> int:
    gen = (0x3B6A57B2, 0x26508E6D, 0x1EA119FA, 0x3D4233DD, 0x2A1462B3)
    chk = 1
    for v in values:
        top = chk >> 25
        chk = (chk & 0x1FFFFFF) << 5 ^ v
        for i in range(5):
            chk ^= gen[i] if (top >> i) & 1 else 0
    return chk


def _bech32_valid(address: str) -> bool:
    if address.lower() != address and address.upper() != address:
        return False
    address = address.lower()
    hrp, _sep, data = address.rpartition("1")
    if not hrp or len(data) < 7:
        return False
    values = [_BECH32_CHARSET.find(c) for c in data]
    if -1 in values:
        return False
    expanded = [ord(c) >> 5 for c in hrp] + [0] + [ord(c) & 31 for c in hrp]
    return _bech32_polymod(expanded + values) in (1, 0x2BC830A3)  # bech32 (v0) or bech32m (taproot)
