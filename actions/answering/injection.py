"""Recognises messages that try to steer the assistant instead of asking it something.

Customer text is always passed to the model as quoted data, and the grounding
guard checks whatever comes back; this detector adds a polite refusal for the
obvious attempts, so that they never reach the model at all.
"""

from __future__ import annotations

import re

_INSTRUCTION_WORDS = (
    r"(?:instructions?|rules|prompts?|guidelines|directives|programming|constraints|system message)"
)
_PATTERNS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.IGNORECASE)
    for name, pattern in {
        "override": (
            rf"\b(?:ignore|disregard|forget|override|bypass|skip|drop)\b.{{0,40}}\b{_INSTRUCTION_WORDS}"
        ),
        "override_other_language": (
            r"\b(?:ignor\w*|olvida\w*|vergiss\w*|oublie\w*)\b.{0,40}"
            r"\b(?:instruc\w*|anweisung\w*|regeln|règles|reglas|consignes)"
        ),
        "reveal_prompt": (
            r"\b(?:reveal|show|print|repeat|output|display|dump|leak|share|give|tell"
            r"|what(?:'s| is| are| were))\b.{0,40}"
            rf"\b(?:(?:system|initial|hidden|original|secret|internal)\s+{_INSTRUCTION_WORDS}"
            r"|your\s+(?:instructions|prompt|system message|programming|configuration))"
        ),
        "system_prompt": r"\bsystem\s*prompt\b|\bpre-?prompt\b|\bhidden prompt\b",
        "role_play": (
            r"\b(?:you are now|from now on,? you|act as|pretend (?:to be|you(?:'re| are))|roleplay|role-play"
            r"|developer mode|jailbreak|\bDAN\b|do anything now|sudo|admin mode|god mode)"
        ),
        "new_instructions": (
            r"\b(?:new|updated|real|actual) instructions?\b"
            r"|\binstructions? (?:from|by) (?:the )?(?:admin|developer|system|store owner|management)"
        ),
        "text_above": (
            r"\b(?:translate|repeat|summari[sz]e|rewrite|print|copy)\b.{0,30}"
            r"\b(?:text|everything|words|message|lines|content)\s+(?:above|before)\b"
        ),
        "echo": (
            r"\b(?:repeat after me|say exactly|echo (?:back|this)|output (?:exactly|verbatim|the following)"
            r"|print (?:exactly|verbatim|the following))"
        ),
        "other_customers": (
            r"\b(?:another|other|different|someone else'?s?|somebody else'?s?|a random|every|all(?: the)?"
            r"|previous|last)\s+(?:customer|user|client|shopper|buyer|person)s?'?s?\b.{0,40}"
            r"\b(?:orders?|e-?mails?|address(?:es)?|data|details|phone|numbers?|info|information|names?"
            r"|purchases?|accounts?)"
        ),
        "third_party": (
            r"\b(?:e-?mail|address|phone(?: number)?|name|details|orders?|purchases?)\s+(?:of|for|from)\s+"
            r"(?:the|a|another|that|this|other|some)\s+(?:customer|user|person|client|buyer|shopper)\b"
            r"|\bwho (?:placed|ordered|bought|owns)\b"
        ),
        "customer_details": (
            r"\b(?:the|that|this|his|her|their)\s+customer'?s?\s+"
            r"(?:e-?mails?|address(?:es)?|phone|names?|details|info)\b"
            r"|\b(?:give|tell|send|show|share|need|want|get)\b[^.?!]{0,30}"
            r"\b(?:e-?mail|address|phone(?: number)?|name)\s+"
            r"(?:for|of|on|behind)\s+(?:order|account)\s+#?\d"
        ),
        "bulk_data": (
            r"\b(?:list|dump|export|show|give me)\b.{0,20}\b(?:all|every)\b.{0,20}"
            r"\b(?:customers|users|orders|e-?mails|accounts)\b|\bdatabase\b|\bSQL\b|\bredis\b"
        ),
        "free_code": (
            r"\b(?:give|generate|create|make|send)\b.{0,30}\b(?:100\s?%|free|unlimited)\b.{0,20}"
            r"\b(?:code|voucher|coupon|discount)|\b100\s?%\s*(?:off|discount)\b"
        ),
        "markup": r"<\s*/?\s*(?:script|iframe|img|svg|object|embed|style)\b|javascript:|on(?:error|load)\s*=",
        "encoded": r"\b(?:base64|decode|rot13|hex)\b.{0,80}[A-Za-z0-9+/=]{16,}|[A-Za-z0-9+/]{24,}={0,2}",
    }.items()
}


def injection_reason(message: str) -> str | None:
    """The name of the first attempt pattern the message matches, or None for an ordinary message."""
    for name, pattern in _PATTERNS.items():
        if pattern.search(message):
            return name
    return None
