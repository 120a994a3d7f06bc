"""Child process of the real-kill test: plays a long session, printing `committed N` after each stored turn.

The critic is slowed down so that the turn after the one the parent waits for is still in flight when SIGKILL
arrives. Not a test module (no test_ prefix); run as `python kill_driver.py DATA_DIR SCRIPT`.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

from coach.offline import configure_offline

configure_offline()

from coach.models import Case, Critique  # noqa: E402
from coach.roleplay import service as rp  # noqa: E402
from coach.services import Services  # noqa: E402
from coach.settings import Settings  # noqa: E402


def main() -> None:
    data_dir, script = Path(sys.argv[1]), Path(sys.argv[2])
    settings = Settings(data_dir=data_dir, embeddings="hash", knowledge_dir=data_dir / "no-kb",
                        today=date(2026, 11, 23), _env_file=None)  # type: ignore[call-arg]
    services = Services(settings)
    real = services.critique

    def slow(case: Case) -> Critique:
        out = real(case)
        time.sleep(0.4)
        return out

    services.critique = slow  # type: ignore[method-assign]
    start = rp.start_session(services, "kill_test", trainee="killed", seed="5")
    print("session", start.session_id, flush=True)
    for text in rp.read_script(script):
        r = rp.take_turn(services, start.session_id, text)
        print("committed", r.turn, flush=True)


if __name__ == "__main__":
    main()
