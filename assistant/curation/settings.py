"""The staff area's settings live in :mod:`assistant.config` (section :class:`CurationSettings`).

Environment variables (all optional): ASSISTANT_CURATED_NLU, ASSISTANT_NLU_DATA_DIR,
ASSISTANT_DOMAIN_FILE, ASSISTANT_MODELS_DIR, ASSISTANT_TRAIN_COMMAND, ASSISTANT_VALIDATE_COMMAND,
ASSISTANT_STORY_TEST_COMMAND, ASSISTANT_TEST_STORIES, ASSISTANT_INBOX_DAYS,
ASSISTANT_STAFF_SESSION_HOURS (see README.md).
"""
from assistant.config import (DEFAULT_STORY_TEST, DEFAULT_TRAIN, DEFAULT_VALIDATE, CurationSettings,
                              curation_settings)

__all__ = ["CurationSettings", "curation_settings", "DEFAULT_TRAIN", "DEFAULT_VALIDATE", "DEFAULT_STORY_TEST"]
