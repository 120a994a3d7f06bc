"""Entry point of `make run`: settings → services (index the demo shop on first run) → web app → serve."""

from coach.offline import configure_offline

configure_offline()

import logging  # noqa: E402
import sys  # noqa: E402

import uvicorn  # noqa: E402

from coach.auth import Access  # noqa: E402
from coach.errors import CoachError  # noqa: E402
from coach.privacy import install_log_redaction  # noqa: E402
from coach.services import Services  # noqa: E402
from coach.settings import Settings  # noqa: E402
from coach.web.app import create_app  # noqa: E402


def main() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    install_log_redaction()  # customer messages are personal data: no phone/ID/address reaches a log line
    settings = Settings()
    try:  # before the slow first-run indexing: a users file, or a single local user on loopback only
        access = Access.from_settings(settings)
    except CoachError as exc:  # a malformed users file, or a public host without accounts
        logging.error("not starting: %s", exc)
        sys.exit(2)
    services = Services(settings)
    if services.ensure_demo_index():
        logging.info("demo shop indexed into %s", settings.data_dir)
    services.critic.facts()  # build the fact book now, not on the first request
    mode = f"LLM mode ({settings.llm_model})" if settings.llm_enabled else "rules mode (no LLM configured)"
    logging.info("话术教练 on http://%s:%d — %s; data in %s", settings.host, settings.port, mode, settings.data_dir)
    uvicorn.run(create_app(services, access), host=settings.host, port=settings.port, log_level="warning")


if __name__ == "__main__":
    main()
