"""The Rasa SDK action server (``python -m rasa_sdk`` with the same arguments), with the redacting
log filter installed once logging is configured: nothing a resident typed reaches the log in clear.

Usage: python -m assistant.action_server --actions assistant.actions --port 5055
"""
from __future__ import annotations

import logging

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_argument_parser, run

from assistant.redaction import install_log_redaction


def warm_up() -> None:
    """Load the knowledge base before the server listens, so the first resident's turn does not
    pay for it (on a fresh database that is the whole kb/ folder: YAML, validation, SQLite).
    A failure is logged, not fatal: the actions report it on their own turn."""
    logger = logging.getLogger(__name__)
    try:
        from assistant.kb.provider import get_kb

        get_kb()
    except Exception:  # noqa: BLE001 - the server must still start and answer /health
        logger.exception("knowledge base could not be loaded at start-up")


def main() -> None:
    args = create_argument_parser().parse_args()
    logging.getLogger("matplotlib").setLevel(logging.WARNING)
    utils.configure_colored_logging(args.loglevel)
    sdk_logger = logging.getLogger(APPLICATION_ROOT_LOGGER_NAME)
    utils.configure_file_logging(sdk_logger, args.log_file, args.loglevel, args.logging_config_file)
    utils.update_sanic_log_level()
    install_log_redaction()
    install_log_redaction(sdk_logger)
    warm_up()
    run(args.actions, args.port, args.cors, args.ssl_certificate, args.ssl_keyfile, args.ssl_password,
        args.auto_reload)


if __name__ == "__main__":
    main()
