"""toolshift: move a Python service between toolchains as a reviewed, verified, reversible change."""

__version__ = "0.1.0"
