"""The ticket modal, built from the tracker's own create or link form, and what its submission says.

Sentry serves each tracker's form (`createIssueConfig` / `linkIssueConfig`, a list of fields with
`name`, `label`, `type`, `required`, `choices`, `default`, `multiple`, `url`); each field becomes one
input block, in the form's order:

    field                                       element
    select with choices (at most 100)           static_select, or multi_static_select when `multiple`
    select with async choices (`url`) or more   plain_text_input: the value as the tracker knows it
      than Slack's 100 options                  (a Jira key, a GitHub issue number)
    textarea                                    plain_text_input, multiline
    boolean / checkbox                          checkboxes with one option
    anything else (string, text, number...)     plain_text_input

A field's `default` becomes the element's initial value; a field not `required` is optional. Every
input's block id is `field_block(name)` and its action id `field_action(name)`, so a submission and
Sentry's field errors (a 400 `{name: [message]}`) map back to the form without a lookup table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.sentry.models import FormField, Integration, Issue, TicketForm, TicketLink
from bot.views import text as t
from bot.views.blocks import LIMITS, Block, context, esc, guard, link, section, truncate
from bot.views.common import Message, error_message
from bot.views.routing import Callback

__all__ = [
    "MAX_OPTIONS",
    "OPTION_VALUE_MAX",
    "TRACKER_FEATURES",
    "View",
    "answered_fields",
    "field_action",
    "field_block",
    "form_not_opened",
    "form_values",
    "is_tracker",
    "loading_modal",
    "message_modal",
    "submission_errors",
    "ticket_modal",
    "ticket_note",
    "tracker_label",
]

View = dict[str, Any]

# Sentry marks the integrations that create and link tickets with these provider features.
TRACKER_FEATURES = frozenset({"issue-basic", "issue-sync"})
MAX_OPTIONS = 100  # Slack: a static select has at most 100 options
OPTION_VALUE_MAX = 150  # Slack: an option's value is at most 150 characters
INPUT_MAX = 3000  # Slack: plain_text_input's max_length and initial_value
LABEL_MAX = 2000
HINT_MAX = 2000
_PREFIX = "ticket."
_CHECKED = "true"


def field_block(name: str) -> str:
    return truncate(_PREFIX + name, LIMITS["block_id"])


def field_action(name: str) -> str:
    return truncate(_PREFIX + name + ".input", LIMITS["action_id"])


def answered_fields(values: Mapping[str, str]) -> list[str]:
    """The names of the form's fields in a submission's flattened state (its action ids name them)."""
    suffix = ".input"
    return [k[len(_PREFIX) : -len(suffix)] for k in values if k.startswith(_PREFIX) and k.endswith(suffix)]


def is_tracker(integration: Integration) -> bool:
    """Whether Sentry can create and link tickets through this integration."""
    features = set(integration.provider.features) if integration.provider else set()
    return bool(features & TRACKER_FEATURES)


def tracker_label(integration: Integration) -> str:
    """`Jira (acme.atlassian.net)`: the provider and which installation, as plain text."""
    provider = integration.provider.name if integration.provider and integration.provider.name else None
    where = integration.domain_name or integration.name
    return f"{provider} ({where})" if provider else where


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}


def _option(value: str, label: str) -> dict[str, Any]:
    return {"text": _plain(truncate(label or value or " ", LIMITS["option_text"])), "value": value}


def _defaults(field: FormField) -> list[str]:
    default = field.default
    if default is None or default == "":
        return []
    if isinstance(default, list | tuple):
        return [str(d) for d in default]
    return [str(default)]


def _selectable(field: FormField) -> bool:
    """A select Slack can show as one: its choices are known, at most 100, and each value fits."""
    return (
        field.type == "select"
        and not field.url
        and 0 < len(field.choices) <= MAX_OPTIONS
        and all(len(value) <= OPTION_VALUE_MAX for value, _ in field.choices)
    )


def _select(field: FormField) -> Block:
    # Slack refuses an option with an empty value: "Unassigned" (value "") is the select left empty.
    options = [_option(value, label) for value, label in field.choices if value != ""]
    chosen = [o for o in options if o["value"] in _defaults(field)]
    element: Block = {
        "type": "multi_static_select" if field.multiple else "static_select",
        "action_id": field_action(field.name),
        "options": options,
    }
    if field.multiple and chosen:
        element["initial_options"] = chosen
    elif chosen:
        element["initial_option"] = chosen[0]
    if field.placeholder:
        element["placeholder"] = _plain(truncate(field.placeholder, 150))
    return element


def _text(field: FormField) -> Block:
    element: Block = {"type": "plain_text_input", "action_id": field_action(field.name), "max_length": INPUT_MAX}
    if field.type == "textarea":
        element["multiline"] = True
    defaults = _defaults(field)
    if defaults:
        element["initial_value"] = truncate(", ".join(defaults), INPUT_MAX)
    if field.placeholder:
        element["placeholder"] = _plain(truncate(field.placeholder, 150))
    return element


def _checkbox(field: FormField) -> Block:
    option = _option(_CHECKED, field.label or field.name)
    element: Block = {"type": "checkboxes", "action_id": field_action(field.name), "options": [option]}
    if field.default in (True, "true", "on"):
        element["initial_options"] = [option]
    return element


def _element(field: FormField) -> tuple[Block, str | None]:
    """The input element for `field`, and a hint when the element is a fallback for it."""
    if field.type in ("boolean", "checkbox"):
        return _checkbox(field), None
    if _selectable(field):
        return _select(field), None
    if field.type == "select":
        return _text(field), t.TICKET_TYPE_VALUE
    return _text(field), None


def _input(field: FormField) -> Block:
    element, fallback_hint = _element(field)
    block: Block = {
        "type": "input",
        "block_id": field_block(field.name),
        "label": _plain(truncate(field.label or field.name, LABEL_MAX)),
        "element": element,
    }
    if not field.required or element["type"] == "checkboxes":
        block["optional"] = True
    hint = " ".join(h for h in (field.help, fallback_hint) if h)
    if hint:
        block["hint"] = _plain(truncate(hint, HINT_MAX))
    return block


def _title(kind: str, integration: TicketForm) -> str:
    provider = integration.provider.name if integration.provider and integration.provider.name else "tracker"
    words = t.TICKET_LINK_TITLE if kind == "link" else t.TICKET_CREATE_TITLE
    return truncate(words.format(provider=provider), LIMITS["modal_title"])


def ticket_modal(
    form: TicketForm,
    issue: Issue,
    *,
    kind: str,
    metadata: str,
    others: Sequence[Integration] = (),
    command: str = "/sentry",
) -> View:
    """The tracker's form as a modal: a line naming the issue, then one input per field.

    Args:
        form: what Sentry served for `?action=create` (`kind="create"`) or `?action=link`.
        issue: the Sentry issue the ticket is for.
        metadata: the encoded `private_metadata` (issue, integration, where the answer goes).
        others: other installed trackers, named with the command that uses each.
        command: the configured slash command, for that line.
    """
    fields = form.link_issue_config if kind == "link" else form.create_issue_config
    where = esc(form.domain_name or form.name)
    intro = (t.TICKET_LINK_INTRO if kind == "link" else t.TICKET_CREATE_INTRO).format(
        issue=esc(issue.short_id or issue.id), where=where
    )
    blocks: list[Block] = [section(intro)]
    blocks += [_input(f) for f in fields]
    if others:
        names = ", ".join(
            f"{esc(tracker_label(i))}: `{command} ticket {esc(issue.short_id or issue.id)} {esc(i.id)}`" for i in others
        )
        blocks.append(context(t.TICKET_OTHERS.format(others=names)))
    view: View = {
        "type": "modal",
        "callback_id": str(Callback.TICKET),
        "private_metadata": metadata,
        "title": _plain(_title(kind, form)),
        "submit": _plain(t.TICKET_LINK_SUBMIT if kind == "link" else t.TICKET_CREATE_SUBMIT),
        "close": _plain(t.MODAL_CLOSE),
        "blocks": blocks,
    }
    return guard(view, modal=True)


def loading_modal() -> View:
    """What opens at once (a trigger_id lasts 3 s), until the tracker's form has been fetched."""
    view: View = {
        "type": "modal",
        "title": _plain(t.TICKET_LOADING_TITLE),
        "close": _plain(t.MODAL_CLOSE),
        "blocks": [section(t.TICKET_LOADING)],
    }
    return guard(view, modal=True)


def form_not_opened() -> Message:
    """The answer when Slack refused to open the modal (its trigger expired)."""
    return error_message(t.TICKET_NOT_OPENED)


def message_modal(message: Mapping[str, Any]) -> View:
    """A message (an error, a notice) shown in the modal that was waiting for a form."""
    blocks = [b for b in message.get("blocks") or [] if b.get("type") in ("section", "context", "divider")]
    if not blocks:
        blocks = [section(esc(message.get("text") or " "))]
    view: View = {
        "type": "modal",
        "title": _plain(t.TICKET_LOADING_TITLE),
        "close": _plain(t.MODAL_CLOSE),
        "blocks": blocks,
    }
    return guard(view, modal=True)


def form_values(
    values: Mapping[str, str], *, names: Sequence[str], multiple: Sequence[str] = (), booleans: Sequence[str] = ()
) -> dict[str, Any]:
    """What to send Sentry for a submission: each answered field by its name.

    `values` is the flattened view state (`bot.interactions.flatten_state`: a multi-select's choices
    joined by newlines); `multiple` names the fields Sentry takes as lists, `booleans` its checkboxes.
    Unanswered fields are left out, so the tracker applies its own defaults.
    """
    body: dict[str, Any] = {}
    for name in names:
        raw = values.get(field_action(name))
        if raw is None or raw == "":
            continue
        if name in booleans:
            body[name] = raw == _CHECKED
        elif name in multiple:
            body[name] = [v for v in raw.split("\n") if v]
        else:
            body[name] = raw
    return body


def submission_errors(errors: Mapping[str, Sequence[str]], block_ids: Sequence[str]) -> dict[str, str]:
    """Sentry's field errors as Slack's `response_action: errors` (block id → message).

    An error on a field the modal does not show (`detail`, `non_field_errors`) goes on its first input.
    """
    shown: dict[str, str] = {}
    for name, messages in errors.items():
        text = truncate(" ".join(str(m) for m in messages) or t.TICKET_REFUSED, 150)
        block = field_block(name)
        if block not in block_ids:
            if not block_ids:
                continue
            block = block_ids[0]
            text = truncate(f"{name}: {text}" if name not in ("detail", "non_field_errors") else text, 150)
        shown[block] = f"{shown[block]} {text}" if block in shown else text
    return shown


def ticket_note(ticket: TicketLink, *, provider: str, kind: str) -> str:
    """The card's line about the new ticket: "Jira ticket <url|SHOP-1501> created"."""
    label = link(ticket.url, ticket.display_name or ticket.key)
    words = t.TICKET_LINKED if kind == "link" else t.TICKET_CREATED
    return words.format(provider=esc(provider), ticket=label)
