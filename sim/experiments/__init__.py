"""Experiments: read the run folders of a sweep, aggregate them, compare scenarios, draw figures."""
