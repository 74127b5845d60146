"""Subcommands of the ``xlperf`` command line, one module each."""
