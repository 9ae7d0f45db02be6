"""The one error type for bad configuration: its message names the bad entry."""


class ConfigError(ValueError):
    """Configuration that cannot be used; the message says which entry and why."""
