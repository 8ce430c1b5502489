"""Tests for assistant.voice."""
