"""The extractive answer: the article's lead, its best sentence, and the link."""

from __future__ import annotations

from actions.answering.extractive import ExtractiveAnswerer, quote_with_pointer
from actions.knowledge.passages import Passage


def _chunk(number: int, text: str) -> Passage:
    return Passage(
        id=f"article:cutoff:{number}", kind="article", source_id="cutoff", topic="shipping",
        title="What time do I need to order by?", url="https://help.example/cutoff", text=text,
    )  # fmt: skip


CHUNKS = [
    _chunk(1, "Order by 2 pm ET on a weekday and we dispatch the same day. Later orders go out the next business day."),
    _chunk(2, "Weekends and holidays. Orders placed on Saturday or Sunday are dispatched on Monday."),
    _chunk(3, "Express orders. Express parcels arrive 1-2 business days after dispatch."),
]


async def test_the_lead_and_the_best_sentence_are_quoted_in_order_with_the_link() -> None:
    quote = await ExtractiveAnswerer(None).quote("are orders placed on sunday dispatched", [CHUNKS[1]], {"cutoff": CHUNKS})
    assert quote.best_sentence == "Orders placed on Saturday or Sunday are dispatched on Monday."
    assert quote.text == (
        "Order by 2 pm ET on a weekday and we dispatch the same day. Later orders go out the next business day. "
        "… Orders placed on Saturday or Sunday are dispatched on Monday."
    )
    assert quote_with_pointer(quote).endswith('More in our help centre: "What time do I need to order by?" https://help.example/cutoff')


async def test_a_product_is_quoted_whole_without_a_link() -> None:
    product = Passage(id="product:P1", kind="product", source_id="P1", topic="Electronics", title="Voltra Webcam", url=None,
                      text="Voltra Webcam (Electronics) costs $24.99. It is in stock.")  # fmt: skip
    quote = await ExtractiveAnswerer(None).quote("voltra webcam price", [product, CHUNKS[0]], {"cutoff": CHUNKS})
    assert quote_with_pointer(quote) == "Voltra Webcam (Electronics) costs $24.99. It is in stock."


async def test_a_runner_up_sentence_close_to_the_best_is_quoted_too() -> None:
    chunks = [
        _chunk(1, "Order by 2 pm ET on a weekday and we dispatch the same day."),
        _chunk(2, "Pay no attention to this filler line here. Saturday orders are dispatched on Monday."),
        _chunk(3, "Sunday orders are dispatched on Monday as well. Another filler sentence follows right here."),
    ]
    quote = await ExtractiveAnswerer(None).quote("are saturday and sunday orders dispatched monday", [chunks[1]], {"cutoff": chunks})
    assert quote.text == (
        "Order by 2 pm ET on a weekday and we dispatch the same day. … Saturday orders are dispatched on Monday. "
        "Sunday orders are dispatched on Monday as well."
    )
