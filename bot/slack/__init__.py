"""The Slack side: Bolt wiring, the only place that knows Slack's request shapes."""
