"""How many conversations about which subjects, day by day: the demo history's traffic model.

Each subject has its own rate (``subjects.yml``). A day's expected conversations about a
subject are its rate times the weekday's factor (Mondays busy, weekends quiet) times a
store-wide factor of the day (a newsletter, a quiet holiday: every subject moves
together) times the subject's own noise of the day (gamma, so counts are overdispersed
like real traffic, not textbook Poisson); the count is a Poisson draw of that. The
emerging subject's rate is multiplied by its ``jump`` from the onset day on.

A conversation holds one to three subject messages: its subject, sometimes a follow-up
about the same subject, sometimes a second subject. ``simulate`` returns the shape of
every conversation (its day and the subjects of its messages); the history generator
writes words and events for them, the emerging-topic evaluation only counts them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from seed.history.subjects import Subject

# Monday first: shoppers write most after the weekend's orders, least on Saturdays.
WEEKDAY_FACTOR = (1.2, 1.1, 1.0, 1.0, 0.95, 0.7, 0.8)
# Gamma shapes: coefficient of variation 1/sqrt(shape). The store-wide factor ~0.14, a subject's own ~0.2.
STORE_DAY_SHAPE = 50.0
SUBJECT_DAY_SHAPE = 25.0
FOLLOW_UP_SHARE = 0.3
SECOND_SUBJECT_SHARE = 0.12


@dataclass(frozen=True)
class ConversationShape:
    """One simulated conversation: its day (index from the first) and its messages' subjects, in order."""

    day: int
    subjects: tuple[str, ...]


@dataclass(frozen=True)
class Traffic:
    """A simulated history's conversations and where its planted rise starts (None: none planted)."""

    days: int
    first_weekday: int
    onset: int | None
    conversations: list[ConversationShape]

    def messages(self) -> dict[str, list[int]]:
        """Subject id -> subject messages per day (what the topics job counts per topic)."""
        counts: dict[str, list[int]] = {}
        for shape in self.conversations:
            for subject in shape.subjects:
                counts.setdefault(subject, [0] * self.days)[shape.day] += 1
        return counts

    def conversations_per_day(self) -> dict[str, list[int]]:
        """Subject id -> conversations with a message about it, per day (each conversation once)."""
        counts: dict[str, list[int]] = {}
        for shape in self.conversations:
            for subject in set(shape.subjects):
                counts.setdefault(subject, [0] * self.days)[shape.day] += 1
        return counts


def onset_day(subjects: Sequence[Subject], days: int) -> int | None:
    """The day index the emerging subject's rise starts on, counted from the first day."""
    emerging = next((s.emerging for s in subjects if s.emerging), None)
    if emerging is None:
        return None
    return max(0, days - 1 - emerging.onset_days_before_end)


def simulate(
    subjects: Sequence[Subject],
    days: int,
    first_weekday: int,
    seed: int,
    onset: int | None = None,
    scale: float = 1.0,
) -> Traffic:
    """Conversations of ``days`` days (first day's weekday ``first_weekday``, Monday 0), seeded.

    Args:
        subjects: The subjects and their rates.
        days: How many days.
        first_weekday: The weekday of day 0.
        seed: The same seed gives the same traffic.
        onset: The day the emerging subject rises; default its ``onset_days_before_end``.
        scale: Multiplies every rate (a bigger or smaller store).

    """
    rng = np.random.default_rng(seed)
    onset = onset_day(subjects, days) if onset is None else onset
    ids = [s.id for s in subjects]
    conversations: list[ConversationShape] = []
    for day in range(days):
        store_factor = rng.gamma(STORE_DAY_SHAPE, 1.0 / STORE_DAY_SHAPE)
        weekday = WEEKDAY_FACTOR[(first_weekday + day) % 7]
        for subject in subjects:
            rate = subject.rate * scale * weekday * store_factor
            if subject.emerging is not None and onset is not None and day >= onset:
                rate *= subject.emerging.jump
            rate *= rng.gamma(SUBJECT_DAY_SHAPE, 1.0 / SUBJECT_DAY_SHAPE)
            for _ in range(int(rng.poisson(rate))):
                shape = [subject.id]
                if rng.random() < FOLLOW_UP_SHARE and subject.follow_ups:
                    shape.append(subject.id)
                if rng.random() < SECOND_SUBJECT_SHARE:
                    other = ids[int(rng.integers(len(ids)))]
                    if other != subject.id and not _is_emerging(subjects, other):
                        shape.append(other)
                conversations.append(ConversationShape(day, tuple(shape)))
    return Traffic(days, first_weekday, onset, conversations)


def _is_emerging(subjects: Sequence[Subject], subject_id: str) -> bool:
    # The planted subject is only ever a conversation's own subject: its rise is the planted one.
    return any(s.id == subject_id and s.emerging is not None for s in subjects)
