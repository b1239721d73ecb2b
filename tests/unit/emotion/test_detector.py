import asyncio

import numpy as np

from actions.emotion.behaviour import tone_hint, upsell_allowed
from actions.emotion.detector import EmotionDetector, EmotionReading
from tests.unit.emotion.fakes import FixedScores

ANGRY = "This is the third time I'm asking, where is my refund?!"


def test_multi_label_message_keeps_every_label_above_threshold() -> None:
    model = FixedScores({ANGRY: {"anger": 0.8, "annoyance": 0.6, "curiosity": 0.2, "sadness": 0.35}})
    reading = EmotionDetector(model).analyse(ANGRY)
    assert set(reading.labels) == {"anger", "annoyance", "sadness"}
    assert list(reading.top) == ["anger", "annoyance", "sadness"]
    assert reading.states["frustration"] == 0.8
    assert reading.negative == 0.8


def test_ekman_dominant_needs_its_threshold() -> None:
    detector = EmotionDetector(
        FixedScores({"meh": {"ekman:anger": 0.2, "ekman:joy": 0.25}, "grr": {"ekman:anger": 0.9}})
    )
    assert detector.analyse("meh").dominant == "neutral"
    assert detector.analyse("grr").dominant == "anger"
    assert detector.analyse("grr").ekman_detected == ["anger"]


def test_message_without_text_reads_neutral_without_calling_the_model() -> None:
    model = FixedScores()
    detector = EmotionDetector(model)
    for text in (None, "", "   ", '/rate{"rating":"4"}'):
        reading = detector.analyse(text)
        assert reading.dominant == "neutral" and reading.sentiment == 0.0 and reading.labels == {}
    assert model.calls == 0


def test_vader_sentiment_is_part_of_the_reading() -> None:
    detector = EmotionDetector(FixedScores())
    assert detector.analyse("This is terrible, I hate it").sentiment < -0.5
    assert detector.analyse("Thank you so much, great help!").sentiment > 0.5


def test_tone_and_upsell_follow_the_emotion() -> None:
    detector = EmotionDetector(FixedScores({ANGRY: {"anger": 0.9}, "thanks": {"gratitude": 0.9}}))
    angry, happy = detector.analyse(ANGRY), detector.analyse("thanks")
    assert tone_hint(angry) == "apologise_first"
    assert not upsell_allowed(angry, "check_order_status")
    assert tone_hint(happy) == "warm"
    assert upsell_allowed(happy, "product_question")
    assert not upsell_allowed(happy, "complaint")


class _Recording(FixedScores):
    """Records each forward pass's texts; can be told to fail."""

    def __init__(self, by_text: dict[str, dict[str, float]] | None = None) -> None:
        super().__init__(by_text)
        self.batches: list[list[str]] = []
        self.fail = False

    def probabilities(self, texts: list[str]) -> np.ndarray:
        self.batches.append(list(texts))
        if self.fail:
            raise RuntimeError("the model broke")
        return super().probabilities(texts)


async def test_concurrent_turns_are_read_in_one_pass_each_getting_its_own_reading() -> None:
    model = _Recording({"this is awful": {"anger": 0.8, "ekman:anger": 0.8}})
    detector = EmotionDetector(model)
    texts = ["hi", "this is awful", "", "thanks", '/rate{"score": 5}']
    readings = await asyncio.gather(*(detector.read(text) for text in texts))
    # The first message starts a pass at once; the others, waiting meanwhile, share the next one.
    assert sorted(sum(model.batches, [])) == ["hi", "thanks", "this is awful"] and len(model.batches) <= 2
    assert readings == [detector.analyse(text) for text in texts]
    assert readings[1].dominant == "anger" and readings[2] == EmotionReading.neutral()


async def test_a_failing_pass_fails_each_of_its_turns_and_the_next_pass_runs() -> None:
    model = _Recording()
    detector = EmotionDetector(model)
    model.fail = True
    results = await asyncio.gather(detector.read("a"), detector.read("b"), return_exceptions=True)
    assert all(isinstance(r, RuntimeError) for r in results)
    model.fail = False
    assert (await detector.read("c")).dominant == "neutral"
