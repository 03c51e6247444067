"""A chart posted with Slack's upload flow: URL, bytes, completion, checked by the fake Slack."""

from __future__ import annotations

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.charts import render_events
from bot.metrics import REGISTRY
from bot.slack.calls import UPLOAD_STEP, counted
from bot.slack.files import upload_chart
from tests.fakes import FakeSlack
from tests.fakes.slack_api import UPLOAD

CHANNEL = "C0123ABCDE"
POINTS = [(1_764_633_600 + i * 3600, i % 7) for i in range(24)]


def calls(method: str, status: str = "ok") -> float:
    return REGISTRY.get_sample_value("sentry_bot_slack_api_calls_total", {"method": method, "status": status}) or 0.0


@pytest.fixture
def client(fake_slack: FakeSlack) -> AsyncWebClient:
    return counted(AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url))


async def test_a_chart_round_trips_the_three_upload_steps(fake_slack: FakeSlack, client: AsyncWebClient):
    chart = render_events(POINTS, title="Received events · web")
    before = {m: calls(m) for m in ("files.getUploadURLExternal", UPLOAD_STEP, "files.completeUploadExternal")}

    file_id = await upload_chart(client, channel_id=CHANNEL, chart=chart, thread_ts="1700000000.000100", comment="hi")

    (asked,) = fake_slack.calls_to("files.getUploadURLExternal")
    assert (asked["filename"], int(asked["length"]), asked["alt_txt"]) == (chart.filename, len(chart.png), chart.alt)
    assert fake_slack.calls_to(UPLOAD) == [{"file_id": file_id, "size": len(chart.png)}]
    (shared,) = fake_slack.shared_files(CHANNEL)
    assert shared.id == file_id
    assert shared.content == chart.png
    assert (shared.title, shared.thread_ts, shared.initial_comment) == (chart.title, "1700000000.000100", "hi")
    after = {m: calls(m) for m in before}
    assert {m: after[m] - before[m] for m in before} == dict.fromkeys(before, 1)


async def test_a_channel_the_bot_was_never_invited_to_is_refused(fake_slack: FakeSlack, client: AsyncWebClient):
    fake_slack.not_member_of.add(CHANNEL)
    with pytest.raises(SlackApiError) as refused:
        await upload_chart(client, channel_id=CHANNEL, chart=render_events(POINTS, title="t"))
    assert refused.value.response["error"] == "not_in_channel"
    assert fake_slack.shared_files() == []


async def test_a_user_id_is_no_channel_for_a_file(fake_slack: FakeSlack, client: AsyncWebClient):
    with pytest.raises(SlackApiError) as refused:
        await upload_chart(client, channel_id="U0123ABCDE", chart=render_events(POINTS, title="t"))
    assert refused.value.response["error"] == "invalid_arguments"


async def test_the_fake_refuses_what_slack_refuses(fake_slack: FakeSlack, client: AsyncWebClient):
    with pytest.raises(SlackApiError) as empty:
        await client.files_getUploadURLExternal(filename="a.png", length=0)
    assert empty.value.response["error"] == "missing_argument"
    step1 = await client.files_getUploadURLExternal(filename="a.png", length=10)
    # Completing a file whose bytes never came, or an id Slack never gave, is refused.
    for file_id in (step1["file_id"], "F404"):
        with pytest.raises(SlackApiError):
            await client.files_completeUploadExternal(files=[{"id": file_id, "title": "a"}], channel_id=CHANNEL)
    # Bytes of another size than announced are refused by the upload URL.
    short = await client._upload_file(
        url=step1["upload_url"], data=b"12345", logger=client._logger, timeout=5, proxy=None, ssl=None
    )
    assert short.status == 400
    whole = await client._upload_file(
        url=step1["upload_url"], data=b"0123456789", logger=client._logger, timeout=5, proxy=None, ssl=None
    )
    assert whole.status == 200
    done = await client.files_completeUploadExternal(files=[{"id": step1["file_id"], "title": "a"}], channel_id=CHANNEL)
    assert done["files"] == [{"id": step1["file_id"], "title": "a"}]
    with pytest.raises(SlackApiError):  # "This method can only be called once."
        await client.files_completeUploadExternal(files=[{"id": step1["file_id"], "title": "a"}], channel_id=CHANNEL)
