"""Roleplay trainer (角色扮演): scenarios as data, a simulated customer whose mood and trust move with the critic's
verdicts on each trainee turn, per-turn coaching, debriefs, progress and recommendations, persisted in SQLite.

Plain functions for the CLI, web tab and REST API live in `coach.roleplay.service`; the Customer seam (scripted
now, LLM later) in `coach.roleplay.customer`.
"""

from coach.roleplay.customer import Customer, CustomerDeps, CustomerView, ScriptedCustomer, register_customer
from coach.roleplay.service import (
    RoleplayService,
    SessionStart,
    SessionView,
    TurnResult,
    debrief,
    end_session,
    export_session,
    get_session,
    list_scenarios,
    list_sessions,
    progress,
    recommend,
    roleplay,
    start_session,
    take_turn,
    warm_up,
)

__all__ = [
    "Customer",
    "CustomerDeps",
    "CustomerView",
    "RoleplayService",
    "ScriptedCustomer",
    "SessionStart",
    "SessionView",
    "TurnResult",
    "debrief",
    "end_session",
    "export_session",
    "get_session",
    "list_scenarios",
    "list_sessions",
    "progress",
    "recommend",
    "register_customer",
    "roleplay",
    "start_session",
    "take_turn",
    "warm_up",
]
