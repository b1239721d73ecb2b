"""The answerer's own words to the customer, read once from ``wording.yml`` next to this module."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict

from actions.config_files import load_yaml_model
from actions.knowledge.passages import Passage

WORDING_FILE = Path(__file__).with_name("wording.yml")


class AnswerWording(BaseModel):
    """The sentences the answerer puts around a quote or a generated reply."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    partial_lead: str
    apology: str
    # Formatted with the article's ``title`` and ``url``.
    source_pointer: str

    def pointer(self, source: Passage) -> str:
        """Where the reply comes from: 'More in our help centre: "<title>" <url>'."""
        return self.source_pointer.format(title=source.title, url=source.url)


def load_wording(path: Path = WORDING_FILE) -> AnswerWording:
    """Read and validate the file; errors name the file and the field."""
    return load_yaml_model(path, AnswerWording)


WORDING = load_wording()
