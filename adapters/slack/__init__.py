"""The Slack adapter (slack-bolt AsyncApp): Socket Mode or HTTP Events API."""

from adapters.slack.app import SlackAdapter

__all__ = ["SlackAdapter"]
