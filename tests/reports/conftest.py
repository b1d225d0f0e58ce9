"""Fixtures of the statistics / what-if tests."""
