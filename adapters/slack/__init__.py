"""The Slack adapter (slack-bolt AsyncApp): Socket Mode or HTTP Events API."""

from adapters.slack.app import SlackAdapter, serve_slack

__all__ = ["SlackAdapter", "serve_slack"]
