"""Text as Slack sends it to an app, turned back into what the person typed.

Slack encodes `&`, `<`, `>` as `&amp; &lt; &gt;` in command text, event text and link_shared URLs,
and wraps what it recognised: `<@U123|bob>` for a user, `<#C123|general>` for a channel,
`<https://x|label>` for a link, `<mailto:a@b|a@b>` for an email, `<!here>` for a special mention
(api.slack.com/docs/formatting, "How to display formatted messages": Retrieving messages).

Each piece of text is decoded once, where it enters the bot (the slash command, the app_mention,
the link_shared event); the rest of the bot only ever sees decoded text. Modal input values arrive
as typed and are not decoded. People, channels and special mentions stay in the bare `<@U123>`,
`<#C123>`, `<!here>` form the commands (and Slack's mrkdwn) understand.
"""

from __future__ import annotations

import re

__all__ = ["from_slack", "slack_url"]

# One pass over both Slack's markup and its entities, so `&amp;lt;` (a typed `&lt;`) decodes to
# `&lt;`, never on to `<`.
_TOKEN = re.compile(r"<([^<>]*)>|&(amp|lt|gt);")
_ENTITIES = {"amp": "&", "lt": "<", "gt": ">"}
_ENTITY = re.compile(r"&(amp|lt|gt);")


def _entities(text: str) -> str:
    return _ENTITY.sub(lambda m: _ENTITIES[m.group(1)], text)


def _markup(inner: str) -> str:
    target = inner.split("|", 1)[0]
    if target.startswith(("@", "#", "!")):
        # A mention keeps only its id: `<@U123|bob>` and `<@U123>` (newer clients) mean the same person.
        return f"<{target}>"
    if target.startswith("mailto:"):
        return _entities(target.removeprefix("mailto:"))
    return _entities(target)


def from_slack(text: str) -> str:
    """What was typed, from command or event text as Slack sent it.

    >>> from_slack("link WEB-12A <https://t.example/?id=1&amp;view=full> R&amp;D-7")
    'link WEB-12A https://t.example/?id=1&view=full R&D-7'
    >>> from_slack("identity set <@U024BE7LH|bob> <mailto:bob@example.com|bob@example.com>")
    'identity set <@U024BE7LH> bob@example.com'
    """

    def decode(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return _markup(match.group(1))
        return _ENTITIES[match.group(2)]

    return _TOKEN.sub(decode, text)


def slack_url(url: str) -> str:
    """A link_shared event's URL as the browser has it: Slack keeps `&` there as `&amp;`
    (slackapi/python-slack-events-api issue #49)."""
    return _entities(url)
