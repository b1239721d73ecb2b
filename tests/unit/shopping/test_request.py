import pytest

from actions.shopping.request import parse_request


@pytest.mark.parametrize(
    ("text", "low", "high"),
    [
        ("running shoes under $100", None, 100),
        ("budget 100 dollars", None, 100),
        ("between 50 and 80", 50, 80),
        ("something over $150", 150, None),
        ("nothing over 120 please", None, 120),
        ("less than 30 bucks", None, 30),
        ("$40-$60", 40, 60),
        ("we have about 60 dollars max to spend", None, 60),
        ("a 2-person tent", None, None),  # a number of people is not a price
        ("a usb-c charger, at least 65w", None, None),  # nor are watts
        ("no more than 25 dollars", None, 25),
    ],
)
def test_price_ranges(text: str, low: float | None, high: float | None) -> None:
    request = parse_request(text)
    assert (request.price_min, request.price_max) == (low, high)


def test_what_who_and_why() -> None:
    request = parse_request("I need a gift for my dad who likes hiking, budget 100 dollars")
    assert request.words == ()
    assert request.interests == ("hiking",)
    assert request.recipient == "dad"
    assert request.gift


def test_a_person_named_is_not_a_gift() -> None:
    request = parse_request("it's going to my mum in toronto instead")
    assert request.recipient == "mum" and not request.gift


def test_colours_sizes_numbers_and_exclusions() -> None:
    request = parse_request("any in black? size 10 or 11")
    assert request.colours == ("black",) and request.sizes == ("10", "11")
    assert parse_request("10 inch please").sizes == ("10-inch",)
    assert parse_request("we need a big family tent, 6 people").numbers == (("people", 6.0, "min"),)
    assert parse_request("she already has shears. something under 60?").excluded == ("shears",)
    assert parse_request("actually forget the boots, show me tents").words == ("tents",)


def test_interests_from_what_people_do() -> None:
    assert parse_request("she drinks a lot of tea and reads a lot").interests == ("tea", "reading")
    assert parse_request("my grandpa loves birdwatching").interests == ("birdwatching",)


def test_out_of_stock_only_when_asked() -> None:
    assert not parse_request("show me headlamps").include_out_of_stock
    assert parse_request("show me all your headlamps, even the sold out ones").include_out_of_stock


def test_constraints_only_is_a_refinement() -> None:
    assert parse_request("under 60?").constraints_only
    assert parse_request("in blue").constraints_only
    assert not parse_request("blue tents").constraints_only
