"""Optional parts of stackcheck: what to say when the package an extra installs is absent.

pyproject's optional dependencies: ``previews`` (matplotlib: dashboard previews, performance
plots) and ``tls`` (cryptography: a certificate for the SMTP sink's STARTTLS). Without them the
core still runs; the part that needs them is skipped with this message.
"""

from __future__ import annotations


def missing_extra(exc: ImportError, extra: str) -> str:
    """``No module named 'matplotlib'. Hint: pip install 'stackcheck[previews]'``."""
    return f"{exc}. Hint: pip install 'stackcheck[{extra}]'"
