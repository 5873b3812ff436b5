"""Argument parsing and printing only; one module per command. The library raises, the CLI exits."""
