"""Values inside a sentence of the other direction, kept whole: `<bdi>`.

A reference (RQA-2026-000014), an e-mail address or a name in Latin letters inside an
Arabic sentence, or an Arabic name inside an English one, is a run of the other direction:
left to the page's bidirectional algorithm, its neutral characters (hyphens, dots, the
sentence's own full stop or parenthesis) attach to the wrong side and the sentence reads
"(.RQA-2026-000014". Isolated in `<bdi>`, the value is laid out on its own and its
punctuation lands where the writer put it. Pages use the ``bdi`` filter
(``_("Case %(reference)s saved.", reference=case.reference|bdi)``); messages built in Python
(flash messages) use :func:`isolated`, which keeps the sentence escaped and the values
isolated.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape


def isolate(value: Any) -> Markup:
    """The value, escaped, in a `<bdi>` of its own."""
    return Markup("<bdi>{}</bdi>").format(value)


def isolated(sentence: str, **values: Any) -> Markup:
    """A translated sentence with its %(name)s data values (references, names, addresses,
    titles) each isolated: ``flash(isolated(_("Case %(reference)s opened."),
    reference=case.reference))``. Values already in the reader's language (lazily
    translated labels, markup) are left as they are."""
    return escape(sentence) % {
        name: value if hasattr(value, "__html__") else isolate(value)
        for name, value in values.items()}
