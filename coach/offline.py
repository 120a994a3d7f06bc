"""Offline by construction.

Chroma and Gradio phone home by default (telemetry, analytics, version checks) and Hugging Face libraries try to
download. None of that may happen here: the machine has no internet and customer data is personal data. These
variables must be set before chromadb or gradio are imported, so every entry point calls `configure_offline()` first.
"""

from __future__ import annotations

import os

OFFLINE_ENV = {
    "ANONYMIZED_TELEMETRY": "False",  # chromadb
    "CHROMA_TELEMETRY": "False",
    "GRADIO_ANALYTICS_ENABLED": "False",
    "GRADIO_TELEMETRY_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def configure_offline() -> None:
    """Force the no-phone-home settings (overriding what a shell may have set)."""
    os.environ.update(OFFLINE_ENV)
