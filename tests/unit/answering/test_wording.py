"""The answerer's own words come from its wording file, which is checked on load."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.answering.wording import WORDING, load_wording
from actions.errors import ConfigError
from actions.knowledge.passages import Passage


def test_the_pointer_names_the_article_and_its_link() -> None:
    article = Passage(
        id="article:returns:1", kind="article", source_id="returns", topic="returns",
        title="What is your return policy?", url="https://help.example/returns", text="Within 30 days.",
    )  # fmt: skip
    assert WORDING.pointer(article) == (
        'More in our help centre: "What is your return policy?" https://help.example/returns'
    )


def test_a_wording_file_without_a_sentence_names_it(tmp_path: Path) -> None:
    path = tmp_path / "wording.yml"
    path.write_text('partial_lead: "Closest:"\nsource_pointer: "{title} {url}"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="apology"):
        load_wording(path)
