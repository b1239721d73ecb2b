"""The offer rule schema: what a marketer writes, validated on save and again on load.

A rule set is a list of rules. Each rule says when it applies (``conditions``, all
of which must hold), what it shows (one or more ``variants``), how often it may be
shown (``caps``) and which share of customers is held out as a control group.
``docs/offers.md`` describes every field with an example.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, model_validator

from actions.emotion.labels import EKMAN_LABELS, GOEMOTIONS_LABELS, SUPPORT_STATES

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
DISCOUNT_CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{2,31}$"
MAX_CAP_WINDOW_DAYS = 365
MAX_CONTROL_SHARE = 0.5
# Every label the emotion detector can report: Ekman groups (the ``emotion`` slot),
# GoEmotions labels and support states.
KNOWN_EMOTIONS: frozenset[str] = (
    frozenset(EKMAN_LABELS) | frozenset(GOEMOTIONS_LABELS) | frozenset(SUPPORT_STATES)
)

# No inf or NaN: JSON (the store) has neither, so they would be saved as null, e.g. a
# never-met ``customer_value_min: .inf`` loaded back as no condition at all.
_STRICT = ConfigDict(strict=True, extra="forbid", frozen=True, str_strip_whitespace=True, allow_inf_nan=False)


class FieldProblem(ValueError):
    """A cross-field validation failure that names the offending field below the model."""

    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason
        super().__init__(reason)


def _window_bound(value: Any) -> Any:
    # Dates are whole UTC days; datetimes must say which timezone they mean, since
    # "midnight" differs by hours between the store's customers.
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if len(value) > 10 else date.fromisoformat(value)
        except ValueError as error:
            raise ValueError("must be a date (2026-12-01) or a datetime with a timezone") from error
    if not isinstance(value, date):  # a datetime is a date too
        raise ValueError("must be a date (2026-12-01) or a datetime with a timezone")
    if isinstance(value, datetime) and value.tzinfo is None:
        raise ValueError("must include a timezone, e.g. 2026-12-01T09:00:00+00:00, or be a plain date")
    return value


def _ids_as_text(value: Any) -> Any:
    # YAML reads unquoted segment ids (0, 1, 2) as integers; they are ids, not numbers.
    if isinstance(value, list):
        return [str(item) if isinstance(item, int) and not isinstance(item, bool) else item for item in value]
    return value


Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN, max_length=64)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=120)]
WindowBound = Annotated[datetime | date, BeforeValidator(_window_bound)]
NonEmptyTexts = Annotated[list[Text], Field(min_length=1)]
Money = Annotated[float, Field(ge=0)]
Sentiment = Annotated[float, Field(ge=-1, le=1)]
Days = Annotated[int, Field(ge=0)]


class Conditions(BaseModel):
    """When a rule applies. Every condition is optional; all given ones must hold.

    A condition on a value the conversation does not know (no cart, anonymous
    customer) does not hold. Text comparisons ignore case.
    """

    model_config = _STRICT

    segments: Annotated[NonEmptyTexts | None, BeforeValidator(_ids_as_text)] = Field(
        default=None, description="segment ids ('2') or words of a segment's label ('high value')"
    )
    intents: NonEmptyTexts | None = None
    topics: NonEmptyTexts | None = None
    emotions: NonEmptyTexts | None = Field(default=None, description="e.g. joy, neutral, anger, sadness")
    sentiment_min: Sentiment | None = None
    sentiment_max: Sentiment | None = None
    unhappy: bool | None = Field(
        default=None, description="true: only unhappy customers; false: only calm ones; omitted: either"
    )
    customer_value_min: Money | None = None
    customer_value_max: Money | None = None
    tenure_days_min: Days | None = None
    tenure_days_max: Days | None = None
    cart_value_min: Money | None = None
    cart_value_max: Money | None = None
    order_value_min: Money | None = None
    order_value_max: Money | None = None
    channels: NonEmptyTexts | None = None
    start: WindowBound | None = Field(default=None, description="first moment (or UTC day) the rule applies")
    end: WindowBound | None = Field(default=None, description="last moment (or UTC day, inclusive)")
    in_stock: NonEmptyTexts | None = Field(default=None, description="product ids that must all be in stock")
    signed_in_only: bool = False
    any_topic: bool = Field(
        default=False,
        description="true: shown whatever the conversation is about; false (default): a rule whose variants "
        "name products is shown only when the conversation is about those products or their categories",
    )

    @model_validator(mode="after")
    def _ranges_are_ordered(self) -> Conditions:
        for low, high in (
            ("sentiment_min", "sentiment_max"),
            ("customer_value_min", "customer_value_max"),
            ("tenure_days_min", "tenure_days_max"),
            ("cart_value_min", "cart_value_max"),
            ("order_value_min", "order_value_max"),
        ):
            low_value, high_value = getattr(self, low), getattr(self, high)
            if low_value is not None and high_value is not None and low_value > high_value:
                raise FieldProblem(low, f"must be <= {high}")
        if (
            self.start is not None
            and self.end is not None
            and window_start(self.start) > window_end(self.end)
        ):
            raise FieldProblem("start", "must be before end")
        for index, emotion in enumerate(self.emotions or ()):
            if emotion.lower() not in KNOWN_EMOTIONS:
                raise FieldProblem(
                    f"emotions[{index}]",
                    f"unknown emotion '{emotion}'; use one of {', '.join(EKMAN_LABELS)} "
                    "or a GoEmotions label or support state",
                )
        return self


def window_start(bound: datetime | date) -> datetime:
    """Return the first moment a window bound admits: a date starts at 00:00 UTC."""
    if isinstance(bound, datetime):
        return bound
    return datetime(bound.year, bound.month, bound.day, tzinfo=UTC)


def window_end(bound: datetime | date) -> datetime:
    """Return the last moment a window bound admits: a date ends at 24:00 UTC (inclusive day)."""
    if isinstance(bound, datetime):
        return bound
    return datetime(bound.year, bound.month, bound.day, 23, 59, 59, 999999, tzinfo=UTC)


class Variant(BaseModel):
    """One version of a rule's offer: what the customer sees, shown verbatim."""

    model_config = _STRICT

    id: Slug
    weight: float = Field(default=1.0, gt=0, description="traffic share with allocation: weighted")
    message: str = Field(min_length=1, max_length=500)
    discount_code: Annotated[str, StringConstraints(pattern=DISCOUNT_CODE_PATTERN)] | None = None
    product_ids: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(
        default_factory=list
    )
    # Copy written for a kind of customer (the console's "Draft copy") competes only among them;
    # matched like ``Conditions.segments``. Omitted: the variant is for every customer.
    segments: Annotated[NonEmptyTexts | None, BeforeValidator(_ids_as_text)] = Field(
        default=None, description="segment ids ('2') or words of a segment's label; omitted: every customer"
    )


class PerCustomerCap(BaseModel):
    """At most ``max_exposures`` per customer (or anonymous conversation) within ``window_days``."""

    model_config = _STRICT

    max_exposures: int = Field(ge=1)
    window_days: int = Field(ge=1, le=MAX_CAP_WINDOW_DAYS)


class Budget(BaseModel):
    """At most ``max`` exposures (or acceptances) of the rule across all customers."""

    model_config = _STRICT

    max: int = Field(ge=1)
    counts: Literal["exposures", "acceptances"] = "exposures"


class Caps(BaseModel):
    """How often a rule may be shown."""

    model_config = _STRICT

    per_customer: PerCustomerCap | None = None
    budget: Budget | None = None


class OfferRule(BaseModel):
    """One marketer-editable offer rule."""

    model_config = _STRICT

    id: Slug
    name: Text
    enabled: bool = True
    priority: int = Field(default=0, ge=-1000, le=1000, description="higher is tried first")
    kind: Literal["upsell", "service_recovery"]
    conditions: Conditions = Field(default_factory=Conditions)
    variants: list[Variant] = Field(min_length=1, max_length=10)
    allocation: Literal["thompson", "weighted"] = Field(
        default="thompson",
        description="thompson: learn the best variant; weighted: fixed A/B split by weight",
    )
    caps: Caps = Field(default_factory=Caps)
    control_share: float = Field(default=0.0, ge=0, le=MAX_CONTROL_SHARE)

    @model_validator(mode="after")
    def _variant_ids_are_unique(self) -> OfferRule:
        seen: dict[str, int] = {}
        for index, variant in enumerate(self.variants):
            if variant.id in seen:
                raise FieldProblem(
                    f"variants[{index}].id",
                    f"duplicate variant id '{variant.id}' (also variants[{seen[variant.id]}])",
                )
            seen[variant.id] = index
        return self

    def variant(self, variant_id: str) -> Variant | None:
        """Find the variant with that id, if the rule still has it."""
        return next((v for v in self.variants if v.id == variant_id), None)


class RuleSet(BaseModel):
    """A whole set of rules, as saved in one version."""

    model_config = _STRICT

    rules: list[OfferRule] = Field(default_factory=list)

    @model_validator(mode="after")
    def _rule_ids_are_unique(self) -> RuleSet:
        seen: dict[str, int] = {}
        for index, rule in enumerate(self.rules):
            if rule.id in seen:
                raise FieldProblem(
                    f"rules[{index}].id", f"duplicate rule id '{rule.id}' (also rules[{seen[rule.id]}])"
                )
            seen[rule.id] = index
        return self

    def get(self, rule_id: str) -> OfferRule | None:
        """Find the rule with that id, if any."""
        return next((r for r in self.rules if r.id == rule_id), None)
