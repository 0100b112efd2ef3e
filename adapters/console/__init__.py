"""The console adapter: a local channel on the terminal, for trying the bot with no chat app."""

from adapters.console.adapter import run_console

__all__ = ["run_console"]
