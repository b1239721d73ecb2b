"""What a customer waiting for a person reads, in one place (as ``web/agent/wording.py``).

The in-hours handoff replies are domain responses (``bot/domain/support.yml``); the
out-of-hours reply names the next opening, which only the store's hours (its policy) can
tell, so it is composed here. ``{opening}`` is e.g. "tomorrow at 8:00 am ET".
It keeps the words "a person will follow up", as the in-hours replies do.
"""

from __future__ import annotations

from datetime import datetime

OUT_OF_HOURS = (
    "I've passed this conversation to our support team, and a person will follow up. "
    "The team is offline right now and back {opening}. Leave your e-mail address in the box "
    "below and they'll reply to you there too."
)
# The hours say the team never opens again (a store that stopped live chat).
OUT_OF_HOURS_UNKNOWN = (
    "I've passed this conversation to our support team, and a person will follow up. "
    "The team is offline right now. Leave your e-mail address in the box below and they'll reply there."
)
# The e-mail box's answers (web/waiting.py).
EMAIL_INVALID = "email: that doesn't look like an e-mail address"
NOT_WAITING = "this conversation is not waiting for a person"


def _clock(moment: datetime) -> str:
    hour = moment.hour % 12 or 12
    suffix = "am" if moment.hour < 12 else "pm"
    return f"{hour}:{moment.minute:02d} {suffix}"


def opening_phrase(opening: datetime, now: datetime, zone_label: str) -> str:
    """When the team is back, as a customer says it: "today at ...", "tomorrow at ...", "on Monday at ..."."""
    local_now = now.astimezone(opening.tzinfo)
    days = (opening.date() - local_now.date()).days
    if days <= 0:
        day = "today"
    elif days == 1:
        day = "tomorrow"
    else:
        day = f"on {opening.strftime('%A')}"
    return f"{day} at {_clock(opening)} {zone_label}"


def out_of_hours_reply(opening: str | None) -> str:
    """The handoff reply out of hours, naming the next opening when there is one."""
    return OUT_OF_HOURS.format(opening=opening) if opening else OUT_OF_HOURS_UNKNOWN
