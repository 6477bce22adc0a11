"""The package version, kept in one place for the CLI, the User-Agent and the discovery answers."""

__version__ = "0.1.0"
