import pytest

from bot.text.cleaning import latex_to_text


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("Best-of-$N$ Distillation", "Best-of-N Distillation"),
        (r"using $\mathbf{ReLU}$ networks", "using ReLU networks"),
        (r"called $\textbf{feature decoupling}$ to", "called feature decoupling to"),
        (r"as shown \cite{ouyang2022} before", "as shown before"),
        (r"the $\alpha$-helix", "the α-helix"),
        (r"accents: \'{e}t\'e", "accents: été"),
    ],
)
def test_latex_becomes_plain_text(source, shown):
    assert latex_to_text(source) == shown


def test_a_bare_percent_never_drops_the_rest_of_a_latex_abstract():
    assert latex_to_text(r"In $N$ runs, 50% of cases improved. The rest did not.") == (
        "In N runs, 50% of cases improved. The rest did not."
    )


@pytest.mark.parametrize(
    "plain",
    [
        "About ~5 mg per dose.",
        "50% of {all} cases & more",
        "C_18 chains",
        "from $AU355 million to $AU784 million",
        "AUD$11–$19 was preferred",
        "the cost per DALY ($/DALY) and the $/QALY",
    ],
)
def test_text_without_latex_markers_is_left_alone(plain):
    assert latex_to_text(plain) == plain


def test_whitespace_is_folded():
    assert latex_to_text("  two\n\tlines  ") == "two lines"
