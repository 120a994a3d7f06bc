"""One small module per principle family. Each analyzer takes the shared `Ctx` and returns one Finding.

Analyzers never decide the overall score: they say applied / violated / not_applicable with the evidence span
(offsets into the raw draft), a reason and a fix. coach/critic/engine.py runs them in rubric order.
"""
