"""The ticket modal is built from whatever form a tracker serves, and reads its submission back."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.sentry.models import FormField, TicketForm
from bot.views.routing import encode
from bot.views.tickets import (
    MAX_OPTIONS,
    field_action,
    field_block,
    form_values,
    submission_errors,
    ticket_modal,
)
from tests.fakes.slack_api import modal_errors
from tests.views.builders import issue

names = st.from_regex(r"[a-z][a-z0-9_]{0,30}", fullmatch=True)
texts = st.text(min_size=0, max_size=300)
choices = st.lists(st.tuples(st.text(min_size=1, max_size=200), texts), max_size=130)
fields = st.builds(
    FormField,
    name=names,
    label=st.one_of(st.none(), st.text(max_size=2100)),
    type=st.sampled_from(["select", "string", "text", "textarea", "boolean", "number", "checkbox"]),
    required=st.booleans(),
    default=st.one_of(st.none(), texts, st.lists(texts, max_size=3), st.booleans()),
    choices=choices,
    multiple=st.booleans(),
    url=st.one_of(st.none(), st.just("/extensions/jira/search/acme/130415/")),
    help=st.one_of(st.none(), texts),
)


def form(*config: FormField, provider: str = "Jira") -> TicketForm:
    return TicketForm.model_validate(
        {
            "id": "130415",
            "name": "acme",
            "domainName": "acme.atlassian.net",
            "provider": {"key": provider.lower(), "name": provider, "features": ["issue-basic"]},
            "createIssueConfig": [f.model_dump(by_alias=True) for f in config],
        }
    )


def modal(*config: FormField) -> dict[str, Any]:
    return ticket_modal(form(*config), issue(), kind="create", metadata=encode(issue="1", integ="130415"))


@settings(max_examples=60, deadline=None)
@given(st.lists(fields, max_size=110, unique_by=lambda f: f.name))
def test_any_form_a_tracker_serves_makes_a_modal_slack_accepts(config):
    view = modal(*config)
    assert modal_errors(view) == []
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert {b["block_id"] for b in inputs} <= {field_block(f.name) for f in config}


def test_a_select_with_choices_a_required_text_and_a_default_become_their_inputs():
    view = modal(
        FormField(
            name="issuetype",
            label="Issue Type",
            type="select",
            required=True,
            default="2",
            choices=[("1", "Bug"), ("2", "Task")],
        ),
        FormField(name="title", label="Title", type="string", required=True, default="TypeError"),
        FormField(name="description", label="Description", type="textarea", default="Sentry Issue: WEB-12A"),
    )
    issuetype, title, description = (b for b in view["blocks"] if b["type"] == "input")
    assert issuetype["element"]["type"] == "static_select"
    assert issuetype["element"]["initial_option"]["text"]["text"] == "Task"
    assert "optional" not in issuetype and "optional" not in title
    assert title["element"]["initial_value"] == "TypeError"
    assert description["optional"] is True and description["element"]["multiline"] is True


def test_choices_fetched_as_you_type_or_too_many_for_slack_become_a_text_input():
    typed = FormField(name="externalIssue", label="Issue", type="select", url="/extensions/jira/search/acme/1/")
    many = FormField(name="component", type="select", choices=[(str(n), f"C{n}") for n in range(MAX_OPTIONS + 1)])
    for block in (b for b in modal(typed, many)["blocks"] if b["type"] == "input"):
        assert block["element"]["type"] == "plain_text_input"
        assert "Type the value" in block["hint"]["text"]


def test_an_empty_choice_is_the_select_left_empty_not_an_option():
    # GitHub's assignee select starts with ("", "Unassigned"); Slack refuses an option with no value.
    assignee = FormField(name="assignee", type="select", choices=[("", "Unassigned"), ("alice-acme", "alice-acme")])
    (block,) = (b for b in modal(assignee)["blocks"] if b["type"] == "input")
    assert [o["value"] for o in block["element"]["options"]] == ["alice-acme"]


def test_a_submission_reads_back_by_field_name_lists_and_checkboxes_included():
    values = {
        field_action("title"): "Checkout crashes",
        field_action("labels"): "bug\np1",
        field_action("notify"): "true",
        field_action("empty"): "",
    }
    body = form_values(
        values, names=["title", "labels", "notify", "empty", "absent"], multiple=["labels"], booleans=["notify"]
    )
    assert body == {"title": "Checkout crashes", "labels": ["bug", "p1"], "notify": True}


def test_sentrys_field_errors_go_on_their_inputs_and_the_rest_on_the_first():
    shown = [field_block("title"), field_block("repo")]
    errors = submission_errors({"repo": ["This field is required."], "detail": ["Repository is archived."]}, shown)
    assert errors == {field_block("repo"): "This field is required.", field_block("title"): "Repository is archived."}
