"""Helpers shared by the test levels: building sites and reading their output."""
