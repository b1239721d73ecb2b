"""The 28 GoEmotions labels and the groupings the assistant acts on.

The label order is the classifier's output order (GoEmotions' ``emotions.txt``).
"""

from __future__ import annotations

GOEMOTIONS_LABELS: tuple[str, ...] = (
    "admiration", "amusement", "anger", "annoyance", "approval", "caring", "confusion",
    "curiosity", "desire", "disappointment", "disapproval", "disgust", "embarrassment",
    "excitement", "fear", "gratitude", "grief", "joy", "love", "nervousness", "optimism",
    "pride", "realization", "relief", "remorse", "sadness", "surprise", "neutral",
)  # fmt: skip

# Ekman's six basic emotions plus neutral, as grouped by the GoEmotions authors.
EKMAN_GROUPS: dict[str, tuple[str, ...]] = {
    "anger": ("anger", "annoyance", "disapproval"),
    "disgust": ("disgust",),
    "fear": ("fear", "nervousness"),
    "joy": ("joy", "amusement", "approval", "excitement", "gratitude", "love", "optimism",
            "relief", "pride", "admiration", "desire", "caring"),
    "sadness": ("sadness", "disappointment", "embarrassment", "grief", "remorse"),
    "surprise": ("surprise", "realization", "confusion", "curiosity"),
    "neutral": ("neutral",),
}  # fmt: skip
EKMAN_LABELS: tuple[str, ...] = tuple(EKMAN_GROUPS)

# States a support team acts on; a state's score is the highest of its labels'.
SUPPORT_STATES: dict[str, tuple[str, ...]] = {
    "frustration": ("annoyance", "anger", "disappointment", "disapproval"),
    "anger": ("anger", "disgust"),
    "anxiety": ("fear", "nervousness"),
    "sadness": ("sadness", "grief", "remorse", "disappointment"),
    "confusion": ("confusion",),
    "gratitude": ("gratitude",),
    "satisfaction": ("joy", "admiration", "approval", "relief", "love", "optimism", "excitement"),
}

# Emotions that make upselling and cheerfulness wrong. On equal scores the
# earlier, more specific state names the reason ("anger" before "frustration").
NEGATIVE_STATES: tuple[str, ...] = ("anger", "frustration", "anxiety", "sadness")
