"""The orders domain: pure, no I/O."""
