"""Chinese PII redaction and restoration (issue 5, "Privacy and injection").

Every text that leaves the process (LLM calls, reports, logs) goes through here first:

    redactor = Redactor()                      # one per request
    customer = redactor.redact(case.customer)  # .text has ⟦手机号1⟧, ⟦地址1⟧ …
    draft = redactor.redact(case.draft)        # same value -> same placeholder as in the customer message
    answer = redactor.restore(llm_answer)      # placeholders back to the originals for the agent

`mask(text)` is the irreversible form for logs; `install_log_redaction()` applies it to every log record.
"""

from coach.privacy.detect import PII_TYPES, PiiType, Span, detect
from coach.privacy.logs import RedactingFilter, install_log_redaction, uninstall_log_redaction
from coach.privacy.redact import LABELS, Redaction, Redactor, mask, redact

__all__ = [
    "LABELS",
    "PII_TYPES",
    "PiiType",
    "RedactingFilter",
    "Redaction",
    "Redactor",
    "Span",
    "detect",
    "install_log_redaction",
    "mask",
    "redact",
    "uninstall_log_redaction",
]
