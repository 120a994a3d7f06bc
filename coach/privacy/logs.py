"""Keep PII out of logs: a logging.Filter that masks each record, installed on the root logger and its handlers.

Filters on a logger only see records logged on that very logger, not those propagated from children, so the filter
goes on every existing handler as well; a LogRecord factory covers handlers added later (uvicorn, gradio, tests).
Records are masked irreversibly (⟦手机号⟧): a log has no business holding anything that restores PII.
"""

from __future__ import annotations

import logging
from typing import Any

from coach.privacy.redact import mask

_MARK = "_pii_masked"


class RedactingFilter(logging.Filter):
    """Masks the formatted message (msg % args), the traceback text and the stack info of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, _MARK, False):
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed format string must not make the log call fail or leak the args
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = mask(message), None
        if record.exc_info:
            # Pre-render the traceback masked; handlers that render exc_info themselves would print raw values.
            record.exc_text = record.exc_text or logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        setattr(record, _MARK, True)
        return True


_installed: dict[str, Any] = {}


def install_log_redaction() -> RedactingFilter:
    """Attach the filter to the root logger, every existing handler and the record factory (idempotent)."""
    flt: RedactingFilter = _installed.setdefault("filter", RedactingFilter())
    root = logging.getLogger()
    loggers = [root] + [lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)]
    if flt not in root.filters:
        root.addFilter(flt)
    for lg in loggers:
        for handler in lg.handlers:
            if flt not in handler.filters:
                handler.addFilter(flt)
    if "factory" not in _installed:
        previous = logging.getLogRecordFactory()

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            flt.filter(record)
            return record

        _installed["factory"], _installed["previous"] = factory, previous
        logging.setLogRecordFactory(factory)
    return flt


def uninstall_log_redaction() -> None:
    """Undo install_log_redaction (tests)."""
    flt = _installed.pop("filter", None)
    if flt is None:
        return
    for lg in [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]:
        if isinstance(lg, logging.Logger):
            lg.removeFilter(flt)
            for handler in lg.handlers:
                handler.removeFilter(flt)
    if logging.getLogRecordFactory() is _installed.get("factory"):
        logging.setLogRecordFactory(_installed["previous"])
    _installed.clear()
