"""Answers composed from the knowledge base: plain German, most important fact first.

Pure functions (no Rasa): each returns :class:`Reply` objects that actions send under a response
key. Keep every reply short (about 80 words at most).
"""
