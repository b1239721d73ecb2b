"""Reads the demo store's help-centre articles from their Markdown sources."""

from __future__ import annotations

from pathlib import Path

import yaml

from actions.store.models import Article

SOURCE_DIR = Path(__file__).parent / "help_centre"


def read_articles(url_base: str, source: Path = SOURCE_DIR) -> list[Article]:
    """Parse every ``<slug>.md`` (front matter: title, topic, tags) into an Article."""
    articles = []
    for path in sorted(source.glob("*.md")):
        text = path.read_text()
        _, front, body = text.split("---", 2)
        meta = yaml.safe_load(front)
        articles.append(
            Article(
                id=path.stem,
                title=meta["title"],
                topic=meta["topic"],
                tags=[str(tag) for tag in meta.get("tags") or []],
                body=body.strip(),
                url=f"{url_base}{path.stem}",
            )
        )
    return articles
