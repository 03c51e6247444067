"""Secrets (hook secrets, client key secrets, forwarder credentials) never appear in full."""

from __future__ import annotations

from bot.views.hooks import hook_created, hook_list
from bot.views.integrations import forwarder_list
from bot.views.keys import client_key_list
from bot.views.routing import Action, decode
from tests.views.builders import HOOK_SECRET, KEY_SECRET, client_key, forwarder, hook, page
from tests.views.limits import assert_within_limits
from tests.views.read import button, field, visible_text


def test_hook_list_masks_the_secret():
    msg = hook_list("web", page([hook()]), command="/sentry hooks web")
    assert_within_limits(msg)
    text = visible_text(msg)
    assert HOOK_SECRET not in text
    assert "••••cbc2" in text
    assert "4f9d73e63b7144ecb8944c41620a090b" in text
    assert "https://hooks.acme.example/sentry" in text
    assert "`event.alert`, `event.created`" in text


def test_hook_list_pages_with_more():
    msg = hook_list("web", page([hook()], cursor="0:1:0"), command="/sentry hooks web")
    more = button(msg, Action.MORE)
    assert more is not None
    assert decode(more["value"]) == {"cmd": "/sentry hooks web", "cursor": "0:1:0"}


def test_created_hook_reveals_the_secret_only_when_asked_and_says_it_once():
    revealed = hook_created("web", hook(), reveal_secret=True)
    assert_within_limits(revealed)
    assert field(revealed, "Secret") == f"`{HOOK_SECRET}`"
    assert "won't be shown again" in visible_text(revealed)


def test_created_hook_masks_the_secret_otherwise():
    masked = hook_created("web", hook(), reveal_secret=False)
    assert HOOK_SECRET not in visible_text(masked)
    assert field(masked, "Secret") == "••••cbc2"
    assert "won't be shown again" not in visible_text(masked)


def test_client_keys_show_the_public_dsn_and_never_the_secret():
    msg = client_key_list(page([client_key()]), command="/sentry keys")
    assert_within_limits(msg)
    text = visible_text(msg)
    assert KEY_SECRET not in text
    assert "••••8858" in text
    assert "https://a785682ddda742d7a8a4088810e67791@o4504765715316736.ingest.sentry.io/4505281256090153" in text
    assert "project `4505281256090153`" in text
    assert "✅ active" in text


def test_an_old_style_public_dsn_loses_its_password():
    old = client_key(dsn={"public": f"https://a785682ddda742d7a8a4088810e67791:{KEY_SECRET}@sentry.acme.example/1"})
    text = visible_text(client_key_list(page([old]), command="/sentry keys"))
    assert KEY_SECRET not in text
    assert "https://a785682ddda742d7a8a4088810e67791@sentry.acme.example/1" in text


def test_forwarder_credentials_are_masked_and_the_rest_shown():
    msg = forwarder_list([forwarder()])
    assert_within_limits(msg)
    text = visible_text(msg)
    assert "wJalrXUtnFEMI1K7MDENGSbPxRfiCYEXAMPLEKEY" not in text
    assert "AKIAIOSFODNN7EXAMPLE" not in text
    assert "`secret_key`=••••EKEY" in text
    assert "`access_key`=••••MPLE" in text
    assert "`region`=us-east-1" in text
    assert "sentry-errors.fifo" in text


def test_segment_write_key_and_splunk_token_are_masked():
    segment = forwarder(id="2", provider="segment", config={"write_key": "itA5bLOPNxccvZ9ON1NYg9EXAMPLEKEY"})
    splunk = forwarder(id="3", provider="splunk", config={"token": "b6a4c3a1-5b8e-4a0e-9f3e-2f0c1d2e3f4a"})
    text = visible_text(forwarder_list([segment, splunk]))
    assert "itA5bLOPNxccvZ9ON1NYg9EXAMPLEKEY" not in text
    assert "b6a4c3a1-5b8e-4a0e-9f3e-2f0c1d2e3f4a" not in text
