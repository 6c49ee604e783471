"""Criteria as data and the one renderer that turns their checks into text."""
