"""Editors' decisions applied to a week's ranked stories: pins, drops, reordering, summaries.

Decisions are replayed in order on every build, so a rebuild (more articles, a re-ranking) keeps
them: a story is named by one of its articles, which it still contains after regrouping.
"""

from __future__ import annotations

from collections.abc import Sequence

from digest.models import Action, Article, Decision, Section, Story


class EditError(ValueError):
    """An edit that cannot apply, with the reason."""


def story_of(stories: Sequence[Story], target: str) -> Story | None:
    """The story that contains article ``target`` (or whose id is ``target``)."""
    return next((s for s in stories if target == s.id or target in s.article_ids), None)


def check(decision: Decision, stories: Sequence[Story]) -> Decision:
    """The decision, with its target resolved to an article id; EditError if it cannot apply."""
    story = story_of(stories, decision.target)
    if story is None:
        raise EditError(f"no story or article {decision.target!r} in this edition's week")
    if decision.action is Action.pin and decision.section is None:
        raise EditError("a pin needs a section")
    if decision.action is Action.summary and not (decision.text or "").strip():
        raise EditError("a summary cannot be empty")
    target = decision.target if decision.target in story.article_ids else story.article_ids[0]
    return decision.model_copy(update={"target": target})


def pins_from_articles(articles: Sequence[Article]) -> list[Decision]:
    """Hand-picked articles that carry a section become pins, unless an editor decided otherwise."""
    return [
        Decision(action=Action.pin, target=a.id, section=a.pin, who="pick", at=a.ingested)
        for a in articles
        if a.hand_picked and a.pin
    ]


class Plan:
    """The net effect of a list of decisions on a list of stories."""

    def __init__(self, stories: Sequence[Story], decisions: Sequence[Decision]) -> None:
        self.dropped: set[str] = set()
        self.pins: dict[str, tuple[Section, int | None, int]] = {}  # story id -> (section, position, order)
        self.summaries: dict[str, str] = {}
        for order, decision in enumerate(decisions):
            story = story_of(stories, decision.target)
            if story is None:  # its article left the window or the store: nothing to apply it to
                continue
            if decision.action is Action.drop:
                self.dropped.add(story.id)
            elif decision.action is Action.restore:
                self.dropped.discard(story.id)
            elif decision.action is Action.pin and decision.section:
                self.pins[story.id] = (decision.section, decision.position, order)
                self.dropped.discard(story.id)
            elif decision.action is Action.unpin:
                self.pins.pop(story.id, None)
            elif decision.action is Action.summary and decision.text:
                self.summaries[story.id] = decision.text.strip()

    def free(self, stories: Sequence[Story]) -> list[Story]:
        """Stories the ranking may place: neither dropped nor pinned."""
        return [s for s in stories if s.id not in self.dropped and s.id not in self.pins]

    def pinned(self, stories: Sequence[Story], section: Section) -> list[tuple[int | None, Story]]:
        chosen = [(pin, s) for s in stories if (pin := self.pins.get(s.id)) and pin[0] is section]
        chosen.sort(key=lambda item: (item[0][1] or 0, item[0][2]))
        return [(pin[1], s.model_copy(update={"pinned": True})) for pin, s in chosen]

    def with_summary(self, story: Story) -> Story:
        text = self.summaries.get(story.id)
        return story.model_copy(update={"summary": text}) if text else story


def insert_pins(placed: list[Story], pins: list[tuple[int | None, Story]]) -> list[Story]:
    """Put pinned stories at their positions (1-based; none means first), ranking fills the rest."""
    result = list(placed)
    for position, story in pins:
        index = 0 if position is None else min(position - 1, len(result))
        result.insert(index, story)
    return result
