"""Container images: which one a run uses, and how provision gets them into the local engine.

``names`` — the pinned official name and the project's own name for a local build;
``choice`` — which image a containers run uses (the official one when present, else the
local build); ``context`` — a local build's context (pure file work); ``build`` — keep, pull
or build through the engine; ``provision`` — all of it per component for ``stackcheck provision``.
"""
