"""What a shopper asks for, read from their words once.

"hi im looking for hedphones, budget 100 dollars" -> words ["headphones" as typed], price_max 100.
"a gift for my dad who likes hiking" -> interests ["hiking"], recipient "dad", gift.
"waterproof running shoes between 50 and 80" -> words ["waterproof", "running", "shoes"], 50-80.
"""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field

from actions.shopping.lexicon import (
    CATALOGUE_COLOURS,
    COLOUR_FAMILIES,
    FILLER,
    GIFT_WORDS,
    RECIPIENTS,
)

# A number with a unit ("65w", "2 person", "1000 piece") is not an amount of money.
_UNIT = (
    r"(?!\s?(?:-\s?)?(?:w\b|watts?|kg|g\b|cm|mm|m\b|ml|l\b|lbs?|inch|in\b|ft|feet|person|people|ppl|pieces?|pcs?|"
    r"players?|hours?|hrs?|h\b|mah|gb|tb|yo\b|years?|%|lumens?|km|mph|ports?|settings?|pages?|minutes?|mins?))"
)
_NUMBER = rf"\$?\s?(\d+(?:[.,]\d{{1,2}})?){_UNIT}\s?(?:\$|dollars?|bucks|usd|quid|pounds?|euros?)?"
_MONEY = (
    r"(?:\$\s?(\d+(?:[.,]\d{1,2})?)|(\d+(?:[.,]\d{1,2})?)\s?(?:\$|dollars?|bucks|usd|quid|pounds?|euros?))"
)
_BETWEEN = re.compile(rf"\b(?:between|from)\s+{_NUMBER}\s+(?:and|to|-)\s+{_NUMBER}", re.I)
_RANGE = re.compile(r"(?<![\w-])\$\s?(\d+)\s?(?:-|to)\s?\$?\s?(\d+)(?![\w-])", re.I)
_MAX = re.compile(
    rf"\b(?:under|below|less than|cheaper than|lower than|max(?:imum)?|no more than|not more than|up to|upto|"
    rf"at most|within|nothing over|not over|no higher than|budget(?: is| of)?|budget around|"
    rf"can spend|can afford|only have|i have|spend(?: up to)?|<)\s*{_NUMBER}",
    re.I,
)
_BUDGET_AFTER = re.compile(rf"{_MONEY}\s*(?:budget|max|maximum|or less|or under|tops)\b", re.I)
_MIN = re.compile(
    rf"\b(?:over|above|more than|at least|min(?:imum)?|starting at|from|upwards of|north of|>)\s*{_NUMBER}"
    rf"(?!\s*(?:-|to)\s*\d)",
    re.I,
)
_AROUND = re.compile(rf"\b(?:around|about|roughly|approximately|approx|ish)\s*{_MONEY}", re.I)
_SIZE = re.compile(
    r"\bsize\s*(\d{1,2}(?:\.5)?|xxs|xs|s|m|l|xl|xxl|small|medium|large|extra large|twin|queen|king)\b"
    r"|\b(xs|xl|xxl)\b|\bin (small|medium|large)\b|\bwaist\s*(\d{2})\b"
    r"|\b(\d{1,2})\s?(?:-\s?)?(?:inch|in\b|\")",
    re.I,
)
_SIZE_WORDS = {"small": "S", "medium": "M", "large": "L", "extra large": "XL", "xxs": "XS", "xxl": "XL"}
_OUT_OF_STOCK_TOO = re.compile(
    r"\b(even|including|incl|also|plus)\b[^.?!]{0,25}\b(sold[- ]out|out[- ]of[- ]stock|unavailable)\b"
    r"|\b(sold[- ]out|out[- ]of[- ]stock) ones?\b( too| as well)?|\ball (of )?(your|the)\b",
    re.I,
)
_INTEREST = re.compile(
    r"\b(?:likes?|loves?|enjoys?|adores?|is into|are into|into|is a fan of|fan of|obsessed with|"
    r"passionate about|keen on|crazy about|spends? (?:all day|a lot of time|hours) (?:in|on|at)|goes"
    r"|who goes)\s+((?:the\s+)?[a-z][a-z' -]{1,40}?)"
    r"(?=[,.!?;]|\s+(?:and|but|so|under|below|budget|nothing|max|between|for|with|less|around|about|\d)\b"
    r"|$)",
    re.I,
)
_FOR_SOMEONE = re.compile(r"\bfor (?:a|an|my|his|her|our|the)\s+((?:[a-z-]+\s+){0,2}?)([a-z-]+)\b", re.I)
# "she already has shears", "forget the boots", "no books", "anything but socks": kinds to leave out.
_EXCLUDE = re.compile(
    r"\b(?:already (?:has|have|got|own|owns)|forget(?: about)?|not|no|except|other than|besides|anything but|"
    r"instead of|apart from|without)\s+(?!more than|less than|over\b|under\b|later|longer|idea)"
    r"(?:the\s+|a\s+|an\s+|any\s+|more\s+)?([a-z][a-z-]+)",
    re.I,
)
_SORT_CHEAP = re.compile(r"\b(cheapest|cheap|least expensive|affordable|inexpensive|lowest price)\b", re.I)
# "for 6 people", "a 2-person tent", "1000 piece", "at least 65w": numbers an attribute must reach.
_NUMERIC = (
    ("people", re.compile(r"\b(\d{1,2})\s?(?:-\s?)?(?:person|people|ppl|man)\b", re.I), "min"),
    ("players", re.compile(r"\b(\d{1,2})\s?(?:-\s?)?players?\b", re.I), "min"),
    ("pieces", re.compile(r"\b(\d{2,5})\s?(?:-\s?)?(?:pieces?|pcs?|pc)\b", re.I), "equal"),
    ("watts", re.compile(r"\b(\d{2,4})\s?(?:w|watts?)\b", re.I), "min"),
)
_SORT_DEAR = re.compile(
    r"\b(best|premium|top of the range|high[- ]end|most expensive|luxury|fanciest)\b", re.I
)
_WORD = re.compile(r"[a-z0-9][a-z0-9'&-]*")
# A person's interests are named by nouns like these as well as by verbs ("a runner", "a gardener").
INTEREST_NOUNS = {
    "runner": "running", "hiker": "hiking", "gardener": "gardening", "cook": "cooking", "chef": "cooking",
    "baker": "baking", "gamer": "gaming", "reader": "reading", "bookworm": "reading", "camper": "camping",
    "yogi": "yoga", "musician": "music", "golfer": "golf", "cyclist": "cycling",
    "birdwatcher": "birdwatching",
    "techie": "tech gadgets", "geek": "tech gadgets", "foodie": "cooking", "traveller": "travel",
    "traveler": "travel", "coffee lover": "coffee", "dog lover": "dogs", "cat lover": "cats",
}  # fmt: skip


class ShoppingRequest(BaseModel):
    """One shopping request, as the search uses it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    text: str = Field(description="the message as typed")
    words: tuple[str, ...] = Field(default=(), description="what is asked for: content words, in order")
    interests: tuple[str, ...] = ()
    recipient: str | None = None
    gift: bool = False
    price_min: float | None = None
    price_max: float | None = None
    colours: tuple[str, ...] = ()
    sizes: tuple[str, ...] = ()
    include_out_of_stock: bool = False
    numbers: tuple[tuple[str, float, str], ...] = Field(
        default=(), description="(attribute, value, 'min' or 'equal'), e.g. ('people', 6, 'min')"
    )
    excluded: tuple[str, ...] = Field(default=(), description="kinds to leave out ('she already has shears')")
    order: str | None = Field(default=None, description="'price' (cheapest first), '-price' or None")

    @property
    def has_criteria(self) -> bool:
        """Whether it says anything about which products (not "recommend me something")."""
        return bool(
            self.words or self.interests or self.price_min or self.price_max or self.colours or self.sizes
        )

    @property
    def constraints_only(self) -> bool:
        """Only filters ("in blue", "under 60?"): a refinement of the last search."""
        return (
            not self.words
            and not self.interests
            and bool(self.price_min is not None or self.price_max is not None or self.colours or self.sizes)
        )


def _amount(text: str | None) -> float | None:
    return None if text is None else float(text.replace(",", "."))


def _prices(text: str) -> tuple[float | None, float | None, str]:
    """(min, max, text with the price phrases removed)."""
    low = high = None
    for pattern in (_BETWEEN, _RANGE):
        match = pattern.search(text)
        if match:
            first, second = _amount(match.group(1)), _amount(match.group(2))
            if first is not None and second is not None:
                low, high = min(first, second), max(first, second)
            return low, high, text[: match.start()] + " " + text[match.end() :]
    match = _AROUND.search(text)
    if match and re.match(r"\s*(?:max|maximum|tops|at most|or less)\b", text[match.end() :]):
        value = _amount(match.group(1) or match.group(2))
        return None, value, text[: match.start()] + " " + text[match.end() :]
    if match:
        value = _amount(match.group(1) or match.group(2))
        assert value is not None
        # "around $50": a little either side, never far over.
        return (
            round(value * 0.7, 2),
            round(value * 1.15, 2),
            text[: match.start()] + " " + text[match.end() :],
        )
    rest = text
    match = _MAX.search(rest) or _BUDGET_AFTER.search(rest)
    if match:
        groups = [g for g in match.groups() if g]
        high = _amount(groups[0]) if groups else None
        rest = rest[: match.start()] + " " + rest[match.end() :]
    match = _MIN.search(rest)
    if match:
        low = _amount(match.group(1))
        rest = rest[: match.start()] + " " + rest[match.end() :]
    return low, high, rest


def _colours(text: str) -> tuple[str, ...]:
    found: list[str] = []
    lowered = text.lower().replace("gray", "grey").replace("colour", " ").replace("color", " ")
    for colour in sorted(CATALOGUE_COLOURS | set(COLOUR_FAMILIES), key=len, reverse=True):
        if re.search(rf"\b{re.escape(colour)}\b", lowered):
            found.append(colour)
            lowered = re.sub(rf"\b{re.escape(colour)}\b", " ", lowered)
    return tuple(found)


def _sizes(text: str) -> tuple[str, ...]:
    sizes = []
    for match in _SIZE.finditer(text):
        value = next(g for g in match.groups() if g)
        if match.group(5):  # "10 inch" is how the catalogue names it: "10-inch"
            value = f"{value}-inch"
        sizes.append(_SIZE_WORDS.get(value.lower(), value.upper() if value.isalpha() else value))
    # "size 10 or 11": every size named after the first.
    for more in re.finditer(r"\b(?:size\s*\d{1,2}|\d{1,2})\s*(?:or|/|,)\s*(\d{1,2})\b", text):
        sizes.append(more.group(1))
    return tuple(dict.fromkeys(sizes))


# "she drinks a lot of tea and reads a lot": what someone does is what they like.
_DOES = re.compile(
    r"\b(?:she|he|they|my \w+|and)\s+(?:\w+ly\s+)?"
    r"(reads|drinks|cooks|bakes|runs|hikes|plays|gardens|paints|cycles|travels|camps|swims|knits|sews|games|"
    r"golfs|fishes|climbs|skis|surfs|writes|draws)\b(?:\s+(?:a lot of\s+)?([a-z]+))?",
    re.I,
)
_VERB_INTERESTS = {
    "reads": "reading", "cooks": "cooking", "bakes": "baking", "runs": "running", "hikes": "hiking",
    "gardens": "gardening",
    "paints": "painting", "cycles": "cycling", "travels": "travel", "camps": "camping", "swims": "swimming",
    "knits": "knitting", "sews": "sewing", "games": "gaming", "golfs": "golf", "fishes": "fishing",
    "climbs": "climbing", "skis": "skiing", "surfs": "surfing", "writes": "writing", "draws": "drawing",
}  # fmt: skip


def _interests(text: str) -> tuple[list[str], str]:
    interests: list[str] = []
    for match in _DOES.finditer(text):
        verb, thing = match.group(1).lower(), (match.group(2) or "").lower()
        if verb in ("drinks", "plays") and thing and thing not in FILLER:
            interests.append(thing)
        elif verb in _VERB_INTERESTS:
            interests.append(_VERB_INTERESTS[verb])
    text = _DOES.sub(" ", text)
    for match in _INTEREST.finditer(text):
        phrase = " ".join(w for w in match.group(1).split() if w not in ("the", "a", "an", "to", "being"))
        if phrase:
            interests.append(phrase)
    rest = _INTEREST.sub(" ", text)
    lowered = f" {rest.lower()} "
    for noun, interest in INTEREST_NOUNS.items():
        if re.search(rf"\b(?:a|an|my|for)\s+(?:\w+\s+)?{noun}s?\b", lowered):
            interests.append(interest)
            rest = re.sub(rf"\b{noun}s?\b", " ", rest, flags=re.I)
    return list(dict.fromkeys(interests)), rest


def _recipient(text: str) -> tuple[str | None, list[str], str]:
    """The person it is for, the interest words said about them ("a birdwatching grandpa"), the rest."""
    for match in _FOR_SOMEONE.finditer(text):
        noun = match.group(2).lower()
        if noun in RECIPIENTS:
            described = [w for w in match.group(1).split() if w.lower() not in FILLER and not w.isdigit()]
            return noun, described, text[: match.start()] + " " + text[match.end() :]
    lowered = text.lower()
    for word in _WORD.findall(lowered):
        person = word.removesuffix("'s").removesuffix("s") if word not in RECIPIENTS else word
        if person in RECIPIENTS:
            return person, [], re.sub(rf"\b{re.escape(word)}\b", " ", text, flags=re.I)
    return None, [], text


def _numbers(text: str) -> tuple[tuple[tuple[str, float, str], ...], str]:
    found = []
    for attribute, pattern, how in _NUMERIC:
        for match in pattern.finditer(text):
            found.append((attribute, float(match.group(1)), how))
        text = pattern.sub(" ", text)
    return tuple(found), text


def parse_request(text: str) -> ShoppingRequest:
    """Read a shopping request from one message."""
    lowered = " ".join(text.lower().split())
    numbers, lowered_rest = _numbers(lowered)
    excluded = tuple(m.group(1) for m in _EXCLUDE.finditer(lowered_rest) if m.group(1) not in FILLER)
    lowered_rest = _EXCLUDE.sub(" ", lowered_rest)
    price_min, price_max, rest = _prices(lowered_rest)
    colours = _colours(rest)
    sizes = _sizes(rest)
    rest = _SIZE.sub(" ", rest)
    interests, rest = _interests(rest)
    recipient, described, rest = _recipient(rest)
    interests += [w for w in described if w not in interests]
    gift = any(re.search(rf"\b{re.escape(word)}\b", lowered) for word in GIFT_WORDS)
    colour_words = {w for c in colours for w in c.split()}
    words = tuple(
        word.strip("'")
        for word in _WORD.findall(rest)
        if word not in FILLER and word not in colour_words and word not in RECIPIENTS
        and not any(c.isdigit() for c in word)
    )  # fmt: skip
    order = "price" if _SORT_CHEAP.search(lowered) else ("-price" if _SORT_DEAR.search(lowered) else None)
    return ShoppingRequest(
        text=text,
        words=words,
        interests=tuple(interests),
        recipient=recipient,
        gift=gift,
        price_min=price_min,
        price_max=price_max,
        colours=colours,
        sizes=sizes,
        include_out_of_stock=bool(_OUT_OF_STOCK_TOO.search(lowered)),
        order=order,
        numbers=numbers,
        excluded=excluded,
    )
