"""toolshift: move a Python service between toolchains as a reviewed, reversible change."""

__version__ = "0.1.0"
