"""Off-platform intent for contact screening: phrases that propose taking the deal or the payment away.

Why. "Pay me directly and we skip escrow" carries no contact detail to mask, but it is exactly what
the moderation queue is for. These phrases are FLAGGED (a finding of kind ``intent``) and never
masked: hiding a whole sentence would garble the conversation and tell the sender which words the
filter knows, while the admin reading the queue sees the proposal as written. Contact and payment
details in the same message are masked as usual.

What counts: an offer to pay or be paid outside the platform (directly, privately, by bank transfer
"there", around the escrow, the fees or the commission), to move the conversation elsewhere
("let's continue on WhatsApp", "same handle on gmail", "напишите в телеграм", "加我微信"), in
English, German, Russian and Chinese. What does not: the platform's own words for the same things
("fund the escrow", "the platform fee", "pay directly from your wallet", "bypass the cache",
"通过平台付款"), so each pattern names who is paid or what is avoided.

Pure regexes on the normalized, lower-cased view (umlauts folded: "über" is "uber"; ß kept).
"""

# ruff: noqa: RUF001

from __future__ import annotations

import re
from functools import cache
from typing import Final

_PLATFORM_EN = (
    r"(?:the\s+|this\s+)?(?:platform|site|website|app|marketplace|tasklane|escrow|middle\s?man|fees?|commission|"
    r"service\s+fee)"
)
_ELSEWHERE = (
    r"(?:whats\s?app|telegram|tg|signal|viber|skype|wechat|we\s?chat|weixin|qq|vk|vkontakte|line|discord|gmail|"
    r"outlook|hotmail|yahoo|proton\w*|icloud|yandex|mail\.ru|gmx|linkedin|facebook|instagram|insta|email|e-mail|"
    r"my\s+(?:site|website|email|number|phone))"
)

_EN = (
    # paying or being paid outside
    r"\bpay(?:ing)?\s+(?:me|you|us|him|her)\s+(?:directly|direct|privately|in\s+private|personally|off[\s-]?(?:platform|site|line)|"
    r"outside|on\s+the\s+side|in\s+cash|by\s+(?:bank\s+)?transfer|via\s+(?:bank\s+)?transfer|via\s+paypal|through\s+paypal|via\s+crypto|in\s+crypto|"
    r"with\s+crypto|in\s+usdt)",
    r"\b(?:pay|paid|payment|deal|work|transfer|settle|invoice)\w*\s+(?:\w+\s+){0,3}?(?:outside|off|around|bypassing)\s+"
    + _PLATFORM_EN
    + r"|\b(?:pay|paid|payment|deal|work|transfer|settle)\w*\s+(?:\w+\s+){0,3}?without\s+(?:the\s+)?"
    r"(?:platform|escrow|tasklane|marketplace|middle\s?man)\b",
    r"\b(?:skip|avoid|bypass|dodge|cut\s+out|get\s+around|go\s+around|save\s+(?:on\s+)?)(?:\s+the|\s+this|\s+their|\s+all)?\s+"
    r"(?:escrow|platform|platform'?s?\s+(?:fee|fees|cut|commission)|fees?|commission|middle\s?man|tasklane|site'?s?\s+(?:fee|fees|cut))"
    r"(?![\s-]*(?:calculation|calc|table|field|column|logic|tests?|check|computation|rounding|display|page|screen|step|"
    r"integration|api|module|service|endpoint|feature))",
    r"\b(?:no|without)\s+(?:escrow|platform\s+fees?|middle\s?man|the\s+platform'?s?\s+(?:fee|fees|cut|commission))\b"
    r"(?![\s-]*(?:integration|api|module|service|account|support|feature|endpoint|calculation|field|table|tests?|for\s+the))",
    r"\bcut\s+(?:the\s+)?(?:platform|tasklane|site)\s+out\b",
    r"\b(?:deal|pay|paid|payment|settle)\w*\s+(?:\w+\s+)?off[\s-](?:site|platform)\b",
    r"\b(?:off|outside)\s+(?:of\s+)?(?:the\s+|this\s+)?(?:platform|site|tasklane|marketplace)\b(?!\s+(?:fee|team|rules|status|outage))",
    r"\btransfer\s+(?:it\s+|the\s+money\s+|the\s+payment\s+)?(?:there|to\s+my\s+(?:account|card|bank|wallet)|directly)",
    r"\bsend\s+(?:the\s+)?(?:money|payment|funds)\s+(?:directly|straight|to\s+my\s+(?:account|card|bank|wallet|paypal))",
    r"\b(?:my|our)\s+(?:bank\s+details|bank\s+account|account\s+details|banking\s+details|wallet\s+address|payment\s+details)\b"
    r"(?!\s+(?:page|screen|form|field|section|settings|validation|api|endpoint|model))",
    r"\bsame\s+(?:handle|name|nick(?:name)?|user\s?name|login|id)\s+(?:on|at|in|@)\s+" + _ELSEWHERE,
    r"\bsame\s+as\s+(?:my\s+)?(?:user\s?name|handle|name|nick(?:name)?|login)\s+here\b",
    r"\b(?:let'?s|lets|we\s+can|we\s+could|better\s+to|can\s+we|i'?d\s+rather)\s+(?:continue|talk|chat|move|switch|take\s+(?:this|it))\s+"
    r"(?:\w+\s+){0,2}?(?:on|in|via|to|over)\s+" + _ELSEWHERE,
    r"\b(?:let'?s|lets|we\s+can|can\s+we)\s+(?:talk|continue|deal|work|chat)\s+(?:privately|in\s+private|outside|offline|elsewhere)\b",
    r"\b(?:let'?s|lets|we\s+can|we\s+could|can\s+we)\s+(?:deal|work|settle|do\s+(?:it|this|business))\s+directly\b",
    r"\b(?:don'?t|do\s+not|won'?t)\s+need\s+(?:the\s+|an\s+|any\s+)?escrow\b",
    r"\b(?:contact|reach|email|message|ping)\s+me\s+(?:directly|privately|outside|off[\s-]?platform)\b",
    r"\bcancel\s+(?:the\s+)?(?:task|contract|order|bid|job)\b[^.!?\n]{0,40}\b(?:directly|privately|outside|off[\s-]?platform|pay\s+me)",
    r"\bgoogle\s+(?:my\s+name|me)\b",
    r"\b(?:find|look)\s+me\s+(?:up\s+)?on\s+" + _ELSEWHERE,
)

_PLATFORM_DE = (
    r"(?:der\s+|die\s+|das\s+)?(?:plattform|seite|website|portal|treuhand|provision|gebuhr(?:en)?|vermittlung|tasklane)"
)
_DE = (
    r"\b(?:zahl|bezahl|uberweis)(?:e|en|st|t)?\s+(?:\w+\s+){0,2}?(?:mir|mich|uns)\s+(?:\w+\s+)?(?:direkt|privat|bar)\b",
    r"\b(?:mir|mich|uns)\s+(?:\w+\s+)?(?:direkt|privat)\s+(?:zahl|bezahl|uberweis)\w*",
    r"\b(?:zahl|bezahl|uberweis)\w*\s+(?:\w+\s+)?(?:direkt|privat)\b(?!\s+(?:aus|uber|via|im|in|auf\s+der|von|mit\s+der\s+wallet))",
    r"\bdirekt\s+(?:an\s+mich|auf\s+mein\s+konto|uberweisen|bezahlen|zahlen|abrechnen|abwickeln)\b",
    r"\bausserhalb\s+" + _PLATFORM_DE,
    r"\baußerhalb\s+" + _PLATFORM_DE,
    r"\bohne\s+(?:die\s+|den\s+)?(?:plattform|treuhand|provision|vermittlungsgebuhr|gebuhren|plattformgebuhr|mittelsmann|tasklane)",
    r"\ban\s+der\s+(?:plattform|seite|provision|gebuhr)\s+vorbei\b",
    r"\b(?:provision|gebuhren?|plattformgebuhr(?:en)?)\s+(?:sparen|umgehen|vermeiden)\b",
    r"\b(?:umgehen|sparen)\s+(?:wir\s+)?(?:die\s+)?(?:plattform|provision|gebuhren?|treuhand)\b",
    r"\bprivat\s+(?:abwickeln|abrechnen|bezahlen|uberweisen|regeln|weitermachen)\b",
    r"\b(?:meine|unsere)\s+(?:bankverbindung|kontodaten|iban)\b(?!\s+(?:im|in\s+den)\s+(?:profil|einstellungen))",
    r"\bgleiche[rmn]?\s+(?:namen?|nick|nutzernamen?|benutzernamen?|handle)\s+(?:bei|auf|in|@)\s+" + _ELSEWHERE,
    r"\blass(?:\s+uns|t\s+uns)\s+(?:\w+\s+){0,3}?(?:auf|bei|uber|per|in)\s+"
    + _ELSEWHERE
    + r"\s+(?:weiter\w*|schreiben|reden|sprechen)",
    r"\b(?:schreib|schreiben\s+sie|melde\s+dich|meld\s+dich|kontaktier\w*)\s+(?:mir|mich|uns)?\s*(?:direkt|privat)\b",
)

_PLATFORM_RU = (
    r"(?:площадк\w*|платформ\w*|сайт\w*|сервис\w*|биржу|биржи|бирже|эскроу|гаранта?|безопасн\w+\s+сделк\w*|комисси\w*)"
)
_RU = (
    r"(?:оплат\w*|плат\w*|заплат\w*|перевед\w*|перевод\w*|переве\w*|рассчита\w*|расч[её]т\w*|работа\w*|сотруднича\w*)\s+"
    r"(?:\w+\s+){0,2}?напрямую",
    r"\bнапрямую\s+(?:мне|на\s+карту|на\s+сч[её]т|без|минуя)",
    r"\bминуя\s+" + _PLATFORM_RU,
    r"\bв\s+обход\s+" + _PLATFORM_RU,
    r"\bвне\s+" + _PLATFORM_RU,
    r"\bбез\s+(?:комиссии\s+(?:площадки|сайта|биржи|платформы)|посредник\w*|эскроу|гаранта|безопасной\s+сделки|площадки|платформы)",
    r"\b(?:переведи\w*|скин\w*|кин\w*)\s+(?:мне\s+)?(?:деньги\s+|оплату\s+)?на\s+(?:карту|сч[её]т|киви|qiwi|юмани|сбер\w*|тинькофф|кошел[её]к)",
    r"\b(?:скину|пришлю|дам|отправлю)\s+(?:вам\s+|тебе\s+)?(?:свои\s+|мои\s+)?(?:реквизиты|номер\s+карты|номер\s+сч[её]та)",
    r"\b(?:напиши\w*|пиши\w*|свяж\w+|стукни\w*|добав\w*)\s+(?:\w+\s+){0,2}?(?:мне\s+)?(?:в|на|во)\s+"
    r"(?:телег\w*|тг|вотсап\w*|ватсап\w*|вацап\w*|whats\s?app|telegram|viber|вайбер\w*|вк|вконтакте|личк\w*|личные|почт\w*|skype|скайп\w*)",
    r"\b(?:давайте|давай)\s+(?:\w+\s+){0,2}?(?:в|на)\s+(?:телег\w*|тг|вотсап\w*|ватсап\w*|whats\s?app|telegram|вк|вконтакте|личк\w*|скайп\w*|почт\w*)",
    r"\bтот\s+же\s+(?:ник|логин|адрес)\s+(?:в|на)\s+",
    r"\bсэконом\w*\s+на\s+комисси\w*",
)

_ZH = (
    r"私下(?:交易|付款|转账|联系|合作|沟通|聊|结算|打款)",
    r"(?:加|添加)(?:我|一下|个)?(?:的)?(?:微信|vx|wx|qq|扣扣|v信|薇信|威信|好友)",
    r"(?:绕过|绕开|避开|跳过|不走|脱离|甩开)(?:这个)?(?:平台|中介|担保|托管|手续费|佣金)",
    r"不(?:用|通过|经过)(?:这个)?平台(?!的)",
    r"线下(?:交易|付款|转账|合作|结算|联系|打款)",
    r"平台(?:之)?外(?:交易|付款|联系|合作|沟通|结算)?",
    r"直接(?:付款|转账|打款|付钱|汇款|给钱)(?:给|到)(?:我|我的)",
    r"(?:省|省掉|省下|免)(?:平台)?(?:的)?(?:手续费|佣金|服务费|中介费)",
    r"(?:支付宝|微信|银行卡)(?:直接)?(?:转账|转给我|付给我|付款给我)",
    r"(?:换|转)(?:到|去)?(?:微信|qq|电报|telegram|whatsapp)(?:上)?(?:聊|沟通|联系)",
)

# Per pattern, words one of which must be in the text before the pattern is tried (cheap `in` checks
# keep screen() fast: most messages try none of the patterns).
_EN_ANCHORS = (
    "pay", "pay paid deal work transfer settle invoice", "skip avoid bypass dodge cut around save", "no without",
    "cut", "off", "off outside", "transfer", "send", "my our", "same", "same", "let we can better rather",
    "let we can", "let we can", "need", "contact reach email message ping", "cancel", "google", "find look",
)  # fmt: skip
_DE_ANCHORS = (
    "zahl uberweis", "direkt privat", "zahl uberweis", "direkt", "ausserhalb", "außerhalb", "ohne", "vorbei",
    "provision gebuhr", "umgehen sparen", "privat", "meine unsere", "gleich", "lass", "schreib meld kontakt",
)  # fmt: skip
_RU_ANCHORS = (
    "напрямую", "напрямую", "минуя", "обход", "вне", "без", "переведи скин кин", "скину пришлю дам отправлю",
    "напиш пиш свяж стукн добав", "давай", "тот", "сэконом",
)  # fmt: skip
_ZH_ANCHORS = (
    "私下", "加", "绕 避开 跳过 不走 脱离 甩开", "不", "线下", "平台", "直接", "省 免", "支付宝 微信 银行卡", "换 转",
)  # fmt: skip


def _rules(anchors: tuple[str, ...], patterns: tuple[str, ...]) -> tuple[tuple[tuple[str, ...], str], ...]:
    return tuple((tuple(a.split(" ")), p) for a, p in zip(anchors, patterns, strict=True))


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    """Compiled on the first message that has the pattern's anchor (keeps the cold start short)."""
    return re.compile(pattern)


_RULES = (*_rules(_EN_ANCHORS, _EN), *_rules(_DE_ANCHORS, _DE), *_rules(_RU_ANCHORS, _RU), *_rules(_ZH_ANCHORS, _ZH))
_ANCHORS = frozenset(anchor for anchors, _pattern in _RULES for anchor in anchors)
# One scan finds the anchors present; an anchor inside a longer one found ("can" in "cancel") counts too.
_ANCHOR_RE = re.compile("|".join(re.escape(a) for a in sorted(_ANCHORS, key=len, reverse=True)))
_INSIDE: Final = {a: frozenset(b for b in _ANCHORS if b in a) for a in _ANCHORS}


def find_intent(text: str) -> list[tuple[int, int]]:
    """Spans of off-platform intent phrases in the normalized, lower-cased text."""
    found = {m.group() for m in _ANCHOR_RE.finditer(text)}
    if not found:
        return []
    present = frozenset().union(*(_INSIDE[a] for a in found))
    spans: list[tuple[int, int]] = []
    for anchors, pattern in _RULES:
        if not present.isdisjoint(anchors):
            spans.extend(m.span() for m in _compiled(pattern).finditer(text) if m.end() > m.start())
    return sorted(spans)
