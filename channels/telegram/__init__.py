"""Telegram bridge: python-telegram-bot in front of Rasa's REST channel.

Run with ``python -m channels.telegram`` (polling) or ``python -m channels.telegram --webhook``.
See :mod:`channels.telegram.bridge` and docs/adr/0004-telegram-bridge.md.
"""
