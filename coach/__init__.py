"""话术教练 — customer-service coaching: critique, drafting, roleplay and evaluation."""

__version__ = "0.1.0"
