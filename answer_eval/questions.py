"""The evaluation set's file format (``questions.yml``), validated on load."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator

from actions.config_files import load_yaml_model

_STRICT = ConfigDict(extra="forbid", frozen=True)


class AnswerableQuestion(BaseModel):
    """A question the help centre or catalogue answers, with the facts a right answer contains."""

    model_config = _STRICT

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    # Each fact is a string, or a list of acceptable ways to write it.
    facts: list[str | list[str]] = Field(min_length=1)
    source: str = Field(min_length=1)

    def missing_facts(self, reply: str) -> list[str]:
        """The facts (first wording of each) that the reply does not contain."""
        text = " ".join(reply.lower().split())
        missing = []
        for fact in self.facts:
            options = [fact] if isinstance(fact, str) else fact
            if not any(" ".join(o.lower().split()) in text for o in options):
                missing.append(options[0])
        return missing


class UnanswerableQuestion(BaseModel):
    """A question the store's knowledge cannot answer."""

    model_config = _STRICT

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    why: str = Field(min_length=1)


class InjectionAttempt(BaseModel):
    """A message that tries to steer the assistant or reach data it must not show."""

    model_config = _STRICT

    id: str = Field(min_length=1)
    question: str = Field(min_length=1)
    must_not_contain: list[str] = Field(default_factory=list)


class QuestionSet(BaseModel):
    """The whole evaluation set."""

    model_config = _STRICT

    answerable: list[AnswerableQuestion]
    unanswerable: list[UnanswerableQuestion]
    injection: list[InjectionAttempt]

    @model_validator(mode="after")
    def _unique_ids(self) -> QuestionSet:
        ids = [q.id for group in (self.answerable, self.unanswerable, self.injection) for q in group]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate ids: {', '.join(duplicates)}")
        return self


def load_questions(path: Path) -> QuestionSet:
    """Read and validate the file; errors name the entry and field."""
    return load_yaml_model(path, QuestionSet)
