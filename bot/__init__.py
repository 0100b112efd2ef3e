"""The platform-neutral bot: settings now; messages, commands and storage as they land."""

from bot.settings import Settings, SettingsError, load_settings

__all__ = ["Settings", "SettingsError", "load_settings"]
