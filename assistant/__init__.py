"""Bürgerassistent: a German chat and voice assistant for residents of rural municipalities."""

__version__ = "0.1.0"
