"""Scheduled reports (issue 15): schedules, their store, the content read from Sentry, the runner.

- `schedule`: local wall-clock ticks in an IANA zone, and the period a tick ends;
- `store`: `ReportStore` (the commands' add/list/remove) and `channel_reports(db, channel_ids)`,
  the read the Home tab makes;
- `content`: `build_report`, a period's `ReportContent` in seven Sentry calls;
- `runner`: `ReportRunner.tick`, run by the alert worker, which queues due reports as `report`
  deliveries for the alert senders (rendered by `bot.views.report`).
"""
