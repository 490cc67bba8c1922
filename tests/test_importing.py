"""`paperbot import`: reading BibTeX and JSON Lines, merging and skipping duplicates."""

import json
import shutil
from pathlib import Path

import pytest

from bot.corpus.importing import Entry, SourceError, plan_import, read_entries
from bot.corpus.papers import BUNDLED_CORPUS, load_corpus
from bot.index.retriever import Retriever

LIBRARY = Path(__file__).parent / "data" / "library.bib"
EXTRA = """\
[[papers]]
id = "pruning-journal"
title = '''What Matters in Pruning, Journal Version'''
doi = "10.1000/pruning.2023"
abstract = '''Pruning again.'''

[[papers]]
id = "mim-arxiv"
title = '''Masked Image Modeling, arXiv Version'''
url = "https://arxiv.org/abs/2403.02233"
abstract = '''Masked again.'''
"""


@pytest.fixture
def corpus_dir(tmp_path):
    """The bundled papers plus two that carry a DOI and an arXiv link, in a folder of their own."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(BUNDLED_CORPUS / "papers.toml", folder / "papers.toml")
    (folder / "extra.toml").write_text(EXTRA, encoding="utf-8")
    return folder


@pytest.fixture
def library_plan(corpus_dir):
    entries, unreadable = read_entries(LIBRARY)
    return plan_import(entries, load_corpus(corpus_dir).papers, unreadable)


def _added(plan):
    return {added.label: added.paper for added in plan.added}


def test_the_library_adds_merges_and_skips_what_it_should(library_plan):
    assert [(a.label, a.paper.id) for a in library_plan.added] == [
        ("rafailov_direct_2023", "direct-preference-optimization"),
        ("schölkopf2021causal", "toward-causal-representation-learning"),
        ("muller2024uber", "uber-bert-style-pre-training-for-cafe-reviews"),
        ("ho_denoising_2020", "denoising-diffusion-probabilistic-models"),
        ("wen2021toward (line 119)", "learning-sparse-features-with-contrastive-pairs"),
        ("lastentry2019", "last-entry-after-a-broken-one"),
    ]
    assert [(m.label, m.into, m.reason) for m in library_plan.merged] == [
        ("rafailov2023direct", "rafailov_direct_2023", "same arXiv id"),
        ("DBLP:conf/nips/HoJA20", "ho_denoising_2020", "same DOI"),
    ]
    assert [(s.label, s.reason) for s in library_plan.skipped] == [
        (
            "broken2020 (line 127)",
            "not valid BibTeX: Unexpected block start: `@misc`. "
            "Was still looking for field-value closing `}`",
        ),
        ("vaswani2017attention", "no abstract"),
        ("wen2021toward (line 85)", "duplicate of contrastive-feature-learning (same title)"),
        ("santacroce2023journal", "duplicate of pruning-journal (same DOI)"),
        ("huang2024transformers", "duplicate of mim-arxiv (same arXiv id)"),
        ("untitled2022", "no title"),
    ]


def test_latex_accents_and_nested_braces_are_decoded(library_plan):
    paper = _added(library_plan)["muller2024uber"]
    assert paper.title == "Über BERT-style Pre-training for Café Reviews: A Study of Nested Braces"
    assert paper.authors == ("Jörg Müller", "María García", "Google DeepMind", "Jan van der Berg")
    assert paper.venue == "Advances in Neural Information Processing Systems"  # from @string
    assert paper.year == 2024
    assert paper.abstract == (
        "We pre-train BERT on café reviews from Zürich and São Paulo. Accuracy improves by 12% on "
        r"sentiment and by $\alpha = 0.5$ points on aspect extraction, as predicted."
    )


def test_urls_are_taken_verbatim(library_plan):
    paper = _added(library_plan)["muller2024uber"]
    assert paper.url == "https://www.cs.example.edu/~jmueller/uber-bert.pdf"


def test_a_zotero_arxiv_item_and_its_google_scholar_twin_become_one_paper(library_plan):
    paper = _added(library_plan)["rafailov_direct_2023"]
    assert paper.title == (
        "Direct Preference Optimization: Your Language Model is Secretly a Reward Model"
    )
    assert paper.arxiv == "2305.18290" and paper.doi == "10.48550/arXiv.2305.18290"
    assert "95% of comparisons" in paper.abstract
    assert paper.authors[-2:] == ("Christopher D. Manning", "Chelsea Finn")
    assert paper.venue is None  # "arXiv preprint arXiv:..." is no venue


def test_merged_entries_unite_their_fields(library_plan):
    paper = _added(library_plan)["ho_denoising_2020"]
    assert paper.abstract.startswith("We present high quality image synthesis")  # from Zotero
    assert paper.venue.startswith("Advances in Neural Information Processing Systems 33")  # DBLP
    assert paper.url.startswith("https://proceedings.neurips.cc/")  # DBLP
    assert paper.doi == "10.5555/3495724.3496298"


def test_an_arxiv_export_with_eprint_gets_its_id_and_a_link(library_plan):
    paper = _added(library_plan)["schölkopf2021causal"]
    assert paper.arxiv == "2102.11107"
    assert paper.url == "https://arxiv.org/abs/2102.11107"
    assert paper.authors[0] == "Bernhard Schölkopf"


def test_import_appends_to_the_corpus_file_and_keeps_its_bytes(run_cli, corpus_dir):
    target = corpus_dir / "papers.toml"
    before = target.read_bytes()
    extra_before = (corpus_dir / "extra.toml").read_bytes()
    result = run_cli("import", str(LIBRARY), "--corpus", str(corpus_dir))
    assert result.returncode == 0, result.stderr
    assert "Added 6 papers to" in result.stdout
    assert "  = rafailov2023direct into rafailov_direct_2023 (same arXiv id)" in result.stdout
    assert "  - vaswani2017attention: no abstract" in result.stdout
    after = target.read_bytes()
    assert after.startswith(before)
    assert after[len(before) :].startswith(b'\n[[papers]]\nid = "direct-preference-optimization"')
    assert (corpus_dir / "extra.toml").read_bytes() == extra_before
    corpus = load_corpus(corpus_dir)
    assert len(corpus) == 6 + 2 + 6
    assert corpus.get("toward-causal-representation-learning").arxiv == "2102.11107"
    assert sorted(p.name for p in corpus_dir.iterdir()) == ["extra.toml", "papers.toml"]


def test_importing_the_same_file_again_adds_nothing(run_cli, corpus_dir):
    assert run_cli("import", str(LIBRARY), "--corpus", str(corpus_dir)).returncode == 0
    before = (corpus_dir / "papers.toml").read_bytes()
    result = run_cli("import", str(LIBRARY), "--corpus", str(corpus_dir))
    assert result.returncode == 0
    assert "No new papers" in result.stdout
    assert "  - rafailov_direct_2023: duplicate of direct-preference-optimization" in result.stdout
    assert (corpus_dir / "papers.toml").read_bytes() == before


def test_dry_run_changes_nothing(run_cli, corpus_dir):
    before = (corpus_dir / "papers.toml").read_bytes()
    result = run_cli("import", str(LIBRARY), "--corpus", str(corpus_dir), "--dry-run")
    assert result.returncode == 0 and "Would add 6 papers" in result.stdout
    assert (corpus_dir / "papers.toml").read_bytes() == before


def test_imported_papers_answer_questions(run_cli, corpus_dir):
    run_cli("import", str(LIBRARY), "--corpus", str(corpus_dir))
    answer = Retriever(load_corpus(corpus_dir)).ask("What is direct preference optimization?")
    assert answer.hits[0].paper.id == "direct-preference-optimization"


def test_into_a_new_file_creates_it_and_says_the_bot_does_not_read_it(run_cli, tmp_path):
    target = tmp_path / "elsewhere" / "new.toml"
    result = run_cli("import", str(LIBRARY), "--into", str(target))
    assert result.returncode == 0, result.stderr
    assert target.read_text(encoding="utf-8").startswith("# Papers that paperbot answers")
    assert "is not in the corpus the bot reads" in result.stdout
    assert f"PAPERBOT_CORPUS={target}" in result.stdout
    # a separate corpus: the bundled corpus's papers are no duplicates of its own
    assert "duplicate of contrastive-feature-learning" not in result.stdout
    assert "  - wen2021toward (line 85): no abstract" in result.stdout
    assert len(load_corpus(target)) == 7  # the journal version is new without extra.toml


def test_a_paper_of_the_bundled_corpus_is_new_to_a_separate_corpus(run_cli, tmp_path):
    row = {
        "title": "The Mechanism of Prediction Head in Non-contrastive Self-supervised Learning",
        "abstract": "Again.",
    }
    source = tmp_path / "one.jsonl"
    source.write_text(json.dumps(row) + "\n", encoding="utf-8")
    result = run_cli("import", str(source), "--into", str(tmp_path / "mine"))
    assert result.returncode == 0, result.stderr  # the folder is created
    assert "Added 1 paper to" in result.stdout and "duplicate" not in result.stdout
    (paper,) = load_corpus(tmp_path / "mine").papers
    assert paper.title == row["title"]


def test_into_a_folder_outside_the_served_corpus_is_checked_against_that_folder(
    run_cli, corpus_dir
):
    # corpus_dir holds the bundled papers too: checked against the bundled corpus as well, its
    # papers would collide with themselves.
    before = (corpus_dir / "papers.toml").read_bytes()
    result = run_cli("import", str(LIBRARY), "--into", str(corpus_dir))
    assert result.returncode == 0, result.stderr
    assert "Added 6 papers to" in result.stdout
    assert "  - wen2021toward (line 85): duplicate of contrastive-feature-learning" in result.stdout
    assert "is not in the corpus the bot reads" in result.stdout
    assert (corpus_dir / "papers.toml").read_bytes().startswith(before)
    assert len(load_corpus(corpus_dir)) == 6 + 2 + 6


def test_into_a_file_of_the_served_folder_is_checked_against_the_whole_folder(run_cli, corpus_dir):
    result = run_cli(
        "import",
        str(LIBRARY),
        "--into",
        str(corpus_dir / "more.toml"),
        PAPERBOT_CORPUS=str(corpus_dir),
    )
    assert result.returncode == 0, result.stderr
    assert "  - wen2021toward (line 85): duplicate of contrastive-feature-learning" in result.stdout
    assert "not in the corpus the bot reads" not in result.stdout
    assert len(load_corpus(corpus_dir)) == 6 + 2 + 6


def test_jsonl_records_are_imported_with_the_corpus_fields(run_cli, corpus_dir, tmp_path):
    rows = [
        {
            "id": "my-dpo",
            "title": "Direct Preference Optimization",
            "text": "DPO is simple.",
            "authors": ["Rafael Rafailov"],
            "arxiv": "2305.18290v3",
            "year": 2023,
        },
        {"_id": "42", "title": "A Paper Without an Abstract"},
        {
            "title": "The Mechanism of Prediction Head in Non-contrastive Self-supervised Learning",
            "abstract": "Again.",
        },
        {"id": "faster-wind", "title": "Some Other Paper", "abstract": "It wants a taken id."},
    ]
    source = tmp_path / "new.jsonl"
    source.write_text("\n".join(json.dumps(row) for row in rows) + "\n", encoding="utf-8")
    result = run_cli("import", str(source), "--corpus", str(corpus_dir))
    assert result.returncode == 0, result.stderr
    assert "  + my-dpo  (line 1)" in result.stdout
    assert "  - line 2: no abstract" in result.stdout
    assert "  - line 3: duplicate of prediction-head-non-contrastive (same title)" in result.stdout
    assert "  + some-other-paper  (line 4)" in result.stdout
    paper = load_corpus(corpus_dir).get("my-dpo")
    assert (paper.arxiv, paper.year, paper.authors) == ("2305.18290", 2023, ("Rafael Rafailov",))


def test_into_a_jsonl_corpus_appends_json_lines(run_cli, tmp_path):
    target = tmp_path / "corpus.jsonl"
    original = json.dumps({"_id": "1", "title": "Zebras", "text": "Zebras run fast."})
    target.write_text(original + "\n", encoding="utf-8")
    result = run_cli("import", str(LIBRARY), "--corpus", str(target))
    assert result.returncode == 0, result.stderr
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == original and len(lines) == 1 + 7  # the journal version is new here too
    assert json.loads(lines[1])["id"] == "direct-preference-optimization"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("refs.bib", b"\xff\xfe not utf-8", "refs.bib: not UTF-8 text"),
        ("refs.bib", b"just some notes\n", "refs.bib: no BibTeX entries"),
        (
            "refs.jsonl",
            b'{"title": "T", "abstract": "A"}\n{"title": \n',
            "refs.jsonl:2: invalid JSON",
        ),
        ("refs.jsonl", b'["a list"]\n', "refs.jsonl:1: expected a JSON object"),
        (
            "refs.jsonl",
            b'{"title": "T", "abstract": "A", "year": "soon"}\n',
            "'year' must be a number",
        ),
        ("refs.jsonl", b'{"title": "T", "abstract": "A", "doi": "nope"}\n', "'doi' must be a DOI"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    run_cli, corpus_dir, tmp_path, name, content, message
):
    source = tmp_path / name
    source.write_bytes(content)
    before = (corpus_dir / "papers.toml").read_bytes()
    result = run_cli("import", str(source), "--corpus", str(corpus_dir))
    assert result.returncode == 2
    assert message in result.stderr and result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert (corpus_dir / "papers.toml").read_bytes() == before


def test_a_missing_file_or_a_bad_target_exits_2(run_cli, tmp_path):
    assert "cannot read" in run_cli("import", str(tmp_path / "missing.bib")).stderr
    result = run_cli("import", str(LIBRARY), "--into", str(tmp_path / "papers.txt"))
    assert result.returncode == 2 and "--into takes a .toml or .jsonl" in result.stderr


def test_a_taken_slug_gets_the_year_then_a_number():
    from bot.corpus.papers import Paper

    existing = [Paper(id="faster-wind", title="Faster WIND: The Original", abstract="A.")]
    entries = [
        Entry("a", title="Faster WIND: A Sequel", abstract="B.", year=2025),
        Entry("b", title="Faster WIND: Another Sequel", abstract="C.", year=2025),
        Entry("c", title="Faster WIND: Yet Another", abstract="D."),
    ]
    plan = plan_import(entries, existing)
    assert [a.paper.id for a in plan.added] == [
        "faster-wind-2025",
        "faster-wind-2",
        "faster-wind-3",
    ]


def test_an_entry_that_links_two_earlier_ones_merges_all_three():
    entries = [
        Entry("a", title="One Title", doi="10.1000/x"),
        Entry("b", title="Another Title", arxiv="2101.00001", abstract="Text."),
        Entry("c", title="one title", arxiv="2101.00001", year=2021),
    ]
    plan = plan_import(entries, [])
    assert [(m.label, m.into, m.reason) for m in plan.merged] == [
        ("c", "a", "same title"),
        ("b", "a", "same arXiv id as c"),
    ]
    (added,) = plan.added
    assert (added.paper.title, added.paper.abstract, added.paper.year) == (
        "One Title",
        "Text.",
        2021,
    )
    assert (added.paper.doi, added.paper.arxiv) == ("10.1000/x", "2101.00001")


def test_read_entries_rejects_a_file_that_is_neither_format(tmp_path):
    source = tmp_path / "notes.txt"
    source.write_text("hello\n", encoding="utf-8")
    with pytest.raises(SourceError, match="no BibTeX entries"):
        read_entries(source)


def test_an_entry_joins_through_any_identifier_of_a_group():
    entries = [
        Entry("a", title="Journal Title", doi="10.1000/x", abstract="Text."),
        Entry("b", title="Preprint Title", doi="10.1000/X"),  # DOIs ignore case
        Entry("c", title="preprint title", venue="Workshop"),  # shares only b's title
    ]
    plan = plan_import(entries, [])
    assert [(m.label, m.into, m.reason) for m in plan.merged] == [
        ("b", "a", "same DOI"),
        ("c", "a", "same title"),
    ]
    assert [(a.paper.title, a.paper.venue) for a in plan.added] == [("Journal Title", "Workshop")]


def test_a_failed_write_reports_no_additions_and_changes_nothing(run_cli, tmp_path):
    target = tmp_path / "inline.toml"
    target.write_text('papers = [{id = "a", title = "A", abstract = "Alpha."}]\n', encoding="utf-8")
    before = target.read_bytes()
    result = run_cli("import", str(LIBRARY), "--corpus", str(target))
    assert result.returncode == 2
    assert result.stdout == "" and "left unchanged" in result.stderr
    assert target.read_bytes() == before


def test_a_corpus_paper_whose_doi_is_only_in_its_url_is_a_duplicate():
    from bot.corpus.papers import Paper

    existing = [
        Paper(
            id="kept",
            title="A Paper About Something",
            abstract="A.",
            url="https://doi.org/10.1000/Only.In.Url",
        )
    ]
    entries = [
        Entry("again", title="Another Title Altogether", abstract="B.", doi="10.1000/ONLY.in.url")
    ]
    plan = plan_import(entries, existing)
    assert plan.added == ()
    assert [(s.label, s.reason) for s in plan.skipped] == [
        ("again", "duplicate of kept (same DOI)")
    ]


def test_bibtex_takes_the_doi_from_a_doi_url(tmp_path):
    source = tmp_path / "one.bib"
    source.write_text(
        "@article{linked,\n  title = {Linked by Its DOI},\n  author = {Ada Lovelace},\n"
        "  url = {https://doi.org/10.1000/Linked.42},\n  abstract = {Text.}\n}\n",
        encoding="utf-8",
    )
    (entry,), problems = read_entries(source)
    assert not problems
    assert entry.doi == "10.1000/Linked.42" and entry.url == "https://doi.org/10.1000/Linked.42"
