"""RulePolicy's rule lookup, with the rules indexed by what their last state requires.

Stock ``RulePolicy._get_possible_keys`` walks the conversation's states from the newest
back to the first, and at every step re-tests every rule still possible, parsing its key
again. On this assistant's 333 rules that was a tenth of the Rasa server's time on simple
turns (py-spy, benchmarks/README.md). Two facts of the stock check make most of it
unnecessary, without changing its answer:

- a rule whose last state names a previous action or an intent (other than "must not be
  set") can only match a current state with that same action and intent, so the first
  step only tests the rules filed under the current state's action and intent, and those
  that name none;
- a rule can only fail at a step within its own length (``_is_rule_applicable`` answers
  True past it), so the walk stops once it is past the longest rule left.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rasa.core.policies.rule_policy import RulePolicy
from rasa.shared.core.constants import PREVIOUS_ACTION, SHOULD_NOT_BE_SET, USER
from rasa.shared.core.generator import State
from rasa.shared.nlu.constants import ACTION_NAME, INTENT

STOCK_POSSIBLE_KEYS = RulePolicy._get_possible_keys

# (previous action, intent) a rule's last state requires; None where it requires neither.
Requirement = tuple[str | None, str | None]


def _required(state: State, sub_state: str, key: str) -> str | None:
    value: Any = state.get(sub_state, {}).get(key)
    return value if isinstance(value, str) and value and value != SHOULD_NOT_BE_SET else None


@dataclass(frozen=True)
class RuleIndex:
    """A lookup table's rules by their length and by what their last state requires."""

    size: int
    lengths: dict[str, int]
    by_requirement: dict[Requirement, list[str]]

    @classmethod
    def of(cls, lookup: dict[str, str]) -> RuleIndex:
        """Index a RulePolicy lookup table (rule key -> action)."""
        lengths: dict[str, int] = {}
        by_requirement: dict[Requirement, list[str]] = {}
        for key in lookup:
            rule_states = json.loads(key)
            lengths[key] = len(rule_states)
            last = rule_states[-1] if rule_states else {}
            requirement = (_required(last, PREVIOUS_ACTION, ACTION_NAME), _required(last, USER, INTENT))
            by_requirement.setdefault(requirement, []).append(key)
        return cls(len(lookup), lengths, by_requirement)

    def candidates(self, state: State) -> set[str] | None:
        """The rules whose last state could match ``state`` (a superset of those that do), or None for all.

        A conversation's first state has no previous action; stock Rasa then accepts any rule
        that starts a conversation whatever else it requires, so nothing is filtered out.
        """
        if not state.get(PREVIOUS_ACTION):
            return None
        action = state.get(PREVIOUS_ACTION, {}).get(ACTION_NAME)
        intent = state.get(USER, {}).get(INTENT)
        keys: set[str] = set()
        for requirement in ((None, None), (action, None), (None, intent), (action, intent)):
            keys.update(self.by_requirement.get(requirement, ()))
        return keys


def _index(policy: RulePolicy, lookup: dict[str, str]) -> RuleIndex:
    """The index of one of ``policy``'s lookup tables, built once (they do not change after loading)."""
    cache: dict[int, RuleIndex] = policy.__dict__.setdefault("_cs_rule_index", {})
    index = cache.get(id(lookup))
    if index is None or index.size != len(lookup):
        index = cache[id(lookup)] = RuleIndex.of(lookup)
    return index


def possible_keys(self: RulePolicy, lookup: dict[str, str], states: list[State]) -> set[str]:
    """Drop-in for ``RulePolicy._get_possible_keys``: the rules of ``lookup`` that ``states`` satisfy."""
    if not states:
        return set(lookup)
    index = _index(self, lookup)
    lengths = index.lengths
    keys: set[str] = set(lookup)
    for turn, state in enumerate(reversed(states)):
        filed = index.candidates(state) if turn == 0 else None
        considered = keys if filed is None else filed
        keys = {
            key for key in considered if turn >= lengths[key] or self._is_rule_applicable(key, turn, state)
        }
        if all(lengths[key] <= turn + 1 for key in keys):
            break
    return keys


def install() -> None:
    """Make Rasa's RulePolicy use the indexed lookup."""
    RulePolicy._get_possible_keys = possible_keys
