"""The package version, in one place for the package, its build and its command line."""

__version__ = "0.2.0"
