"""The version, read from the installed package metadata (its one home is pyproject.toml)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("laneforge")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
