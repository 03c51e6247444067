"""Scheduled reports (issue 15): schedules, their store, the content built from Sentry, and the runner."""
