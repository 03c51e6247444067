"""Pure functions from Sentry models to Block Kit. Nothing in this package does I/O."""
