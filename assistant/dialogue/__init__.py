"""The dialogue engine: typed conversation state, per-turn understanding and flows.

Plain Python below the Rasa actions (no Rasa imports here): the actions in ``assistant/actions``
turn a tracker into a :class:`~assistant.dialogue.turn.Turn`, call :func:`assistant.dialogue.engine.step`
and turn the result back into messages and slot events. See docs/adr/0006-dialogue-engine.md.
"""
