"""Offline German speech: speech-to-text (faster-whisper) and text-to-speech (SVOX Pico / eSpeak NG).

Entry points:

* :mod:`assistant.voice.service` – small facade for the web server and the Telegram bridge.
* :mod:`assistant.voice.model_files` – assembles and verifies the Whisper model from its wheels.
* :mod:`assistant.voice.cli` – ``assistant voice transcribe|speak``.

Importing this package has no side effects: models load lazily on first use.
"""
