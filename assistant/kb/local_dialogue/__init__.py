"""Local dialogues: Rasa story files that a municipality ships in ``kb/municipalities/<id>/dialogue/``.

``files`` reads them (with line numbers), ``check`` validates them (German messages naming file,
line and field), ``generate`` merges them into the training data, ``tables`` answers from the
local data tables (``dialogue/data/*.yml``) that the generic lookup action reads.
"""
