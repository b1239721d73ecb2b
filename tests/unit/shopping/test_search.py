from actions.shopping.request import parse_request
from tests.unit.shopping.catalogue_fixture import product_search


async def test_a_kind_by_another_name_matches_and_its_modifiers_must_hold() -> None:
    result = await product_search().search(parse_request("do you sell wireless headphones?"))
    assert result.kind == "match"
    # Earbuds are headphones; "wireless" holds for the earbuds (named) and the Bluetooth headphones.
    assert {p.id for p in result.products} == {"P1", "P2"}
    assert result.what == "wireless headphones"


async def test_a_misspelt_kind_is_understood() -> None:
    result = await product_search().search(parse_request("hi im looking for hedphones"))
    assert result.kind == "match" and result.what == "headphones"


async def test_a_kind_without_its_modifier_is_a_partial_match() -> None:
    result = await product_search().search(parse_request("do you have video headphones"))
    assert result.kind == "partial" and result.missing == ("video",)


async def test_something_not_sold_names_the_nearest_department() -> None:
    result = await product_search().search(parse_request("do you sell garden hoses for watering"))
    assert result.kind == "none"
    assert result.nearest_category == "Garden"
    assert result.products == []


async def test_nothing_over_budget_and_nothing_out_of_stock_unless_asked() -> None:
    result = await product_search().search(parse_request("tents under 200"))
    assert [p.id for p in result.products] == ["P5"]  # P6 is out of stock
    with_sold_out = await product_search().search(parse_request("all your tents, even the sold out ones"))
    assert {p.id for p in with_sold_out.products} == {"P5", "P6"}
    too_cheap = await product_search().search(parse_request("hiking boots under 50"))
    assert too_cheap.kind == "filtered_out" and too_cheap.blocked_by == "price" and too_cheap.products == []


async def test_a_number_that_rules_everything_out_shows_what_there_is() -> None:
    result = await product_search().search(parse_request("a tent for 6 people, even sold out"))
    assert result.kind == "filtered_out" and result.blocked_by == "numbers"
    assert result.options == ("2", "3")
    assert [p.id for p in result.products] == ["P6", "P5"]  # the largest first


async def test_a_colour_family_matches_its_shades() -> None:
    result = await product_search().search(parse_request("headphones in blue"))
    assert [p.id for p in result.products] == ["P2"]  # navy is a blue


async def test_interests_give_ideas_within_the_budget() -> None:
    result = await product_search().search(
        parse_request("a gift for my dad who likes hiking and camping, under 100")
    )
    assert result.kind == "ideas"
    ids = [p.id for p in result.products]
    assert "P7" in ids and "P4" not in ids  # the boot is over budget
    assert all(p.price <= 100 for p in result.products)


async def test_a_ruled_out_kind_is_left_out() -> None:
    result = await product_search().search(parse_request("something for the garden, she already has shears"))
    assert "P9" not in [p.id for p in result.products]


async def test_products_named_in_full_are_found() -> None:
    index = await product_search().index()
    named = index.named_in(
        "what's the difference between the Greenthumb Watering Can and the Basecamp Headlamp?"
    )
    assert {p.id for p in named} == {"P10", "P7"}
