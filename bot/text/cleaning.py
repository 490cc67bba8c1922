"""LaTeX source -> the plain text that is shown and indexed.

Titles and abstracts often carry inline LaTeX ("Best-of-$N$", "$\\mathbf{ReLU}$"). pylatexenc turns
it into Unicode text; plain text without LaTeX markers is left as it is, which is both faster and
safer ("~5 mg", "50%" or "$5 and $7" mean what they say outside LaTeX).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.text.normalise import normalise

if TYPE_CHECKING:  # pylatexenc loads when a text has markup: a start from the cache needs none
    from pylatexenc import latex2text, macrospec

# A command (\textbf, \'e), a short math span ($N$) or one with math in it ($x_i$); not amounts of
# money ("from $AU355 million to $AU784 million", "$/DALY").
_LATEX_MARKERS = re.compile(r"\\[A-Za-z'\"`^~=.]|\$[^\s\d$][^$]{0,2}\$|\$[^$]*[\\^_{}][^$]*\$")
_UNESCAPED_PERCENT = re.compile(r"(?<!\\)%")
# Mathematical Alphanumeric Symbols (U+1D400..U+1D7FF): what \mathbf{ReLU} becomes; shown plainly.
_MATH_ALPHANUMERICS = re.compile("[\U0001d400-\U0001d7ff]")
_DROPPED_MACROS = ("cite", "citep", "citet", "citealp", "ref", "eqref", "autoref", "label")


def latex_context() -> macrospec.LatexContextDb:
    """pylatexenc's macros, with citations and labels dropped and \\url{x} shown as x."""
    from pylatexenc import latex2text

    context = latex2text.get_default_latex_context_db()
    context.add_context_category(
        "paperbot",
        prepend=True,
        macros=[latex2text.MacroTextSpec(name, simplify_repl="") for name in _DROPPED_MACROS]
        + [latex2text.MacroTextSpec("url", simplify_repl="%s")],
    )
    return context


def escape_bare_percents(text: str) -> str:
    """A bare % would start a LaTeX comment and silently drop the rest of the text."""
    return _UNESCAPED_PERCENT.sub(r"\\%", text)


@lru_cache(maxsize=1)
def _converter() -> latex2text.LatexNodes2Text:
    from pylatexenc import latex2text

    return latex2text.LatexNodes2Text(latex_context=latex_context(), math_mode="text")


def latex_to_text(source: str) -> str:
    """Plain Unicode text for `source`, with whitespace folded to single spaces."""
    text = source
    if _LATEX_MARKERS.search(text):
        text = escape_bare_percents(text)
        try:
            text = _converter().latex_to_text(text)
        except Exception:  # pylatexenc is lenient, but never lose an abstract over odd markup
            text = source
    if not text.isascii():
        text = _MATH_ALPHANUMERICS.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)
        text = unicodedata.normalize("NFC", text)
    return normalise(text, casefold=False)
