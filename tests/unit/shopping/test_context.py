from actions.shopping.context import ShoppingContext, refine, refinement
from actions.shopping.references import about_all_shown, ordinal, pick, superlative
from actions.shopping.request import parse_request
from tests.unit.shopping.catalogue_fixture import PRODUCTS


def test_refinements_are_recognised() -> None:
    assert refinement("anything cheeper?") == "cheaper"
    assert refinement("show me more") == "more"
    assert refinement("which ones can i actually order today") == "in_stock"
    assert refinement("the second one") is None


def test_cheaper_means_under_the_cheapest_shown_unless_a_budget_is_given() -> None:
    previous = parse_request("headphones")
    cheaper = refine(previous, parse_request("something cheaper"), "cheaper", [94.99, 167.99])
    assert cheaper.price_max == 94.98 and cheaper.words == previous.words
    budget = refine(previous, parse_request("cheap ones, under 40"), "cheaper", [94.99])
    assert budget.price_max == 40


def test_a_refinement_keeps_the_request_and_adds_its_filters() -> None:
    previous = parse_request("running shoes under 100")
    narrowed = refine(previous, parse_request("any in black?"), None, [])
    assert narrowed.colours == ("black",) and narrowed.price_max == 100 and narrowed.words == previous.words


def test_the_context_survives_the_slot_and_forgets_a_bad_one() -> None:
    context = ShoppingContext(
        request=parse_request("tents"), shown=("P5", "P6"), seen=("P5", "P6"), focus="P5"
    )
    assert ShoppingContext.from_slot(context.to_slot()) == context
    assert ShoppingContext.from_slot({"request": "nonsense"}) is None
    assert ShoppingContext.from_slot(None) is None


def test_references_to_shown_products() -> None:
    shown = PRODUCTS[:3]
    assert ordinal("the second one") == 1 and ordinal("number 3") == 2 and ordinal("the last one") == -1
    assert pick("ok the second one", shown, None) == PRODUCTS[1]
    assert pick("which one is the cheapest", shown, None) == PRODUCTS[2]
    assert superlative("which lasts longest on a charge") == ("hours", True)
    assert pick("which lasts longest on a charge", shown, None) == PRODUCTS[2]  # 120 hours
    assert pick("is it waterproof?", shown, PRODUCTS[0]) == PRODUCTS[0]  # the product in focus
    assert pick("is it waterproof?", shown, None) is None  # several shown, none in focus
    assert about_all_shown("do they have gps")
    tents = [PRODUCTS[4], PRODUCTS[5]]
    assert pick("whats the biggest one", tents, None) == PRODUCTS[5]  # a tent's size is its people
