import json

import pytest

from bot.corpus.papers import CorpusError, load_corpus, slugify

SEED_IDS = {
    "faster-wind",
    "mim-feature-position",
    "disentanglement-necessity",
    "structured-pruning-glms",
    "prediction-head-non-contrastive",
    "contrastive-feature-learning",
}


def test_bundled_corpus_has_the_six_seed_papers(bundled_corpus):
    assert {paper.id for paper in bundled_corpus.papers} == SEED_IDS
    assert bundled_corpus.owner == "Zixin Wen"


def test_bundled_authors_are_lists_of_full_names(bundled_corpus):
    wind = bundled_corpus.get("faster-wind")
    assert wind.authors[:2] == ("Tong Yang", "Jincheng Mei")
    assert all("Zixin Wen" in paper.authors for paper in bundled_corpus.papers)


def test_bundled_abstracts_keep_their_latex_source(bundled_corpus):
    assert "Best-of-$N$" in bundled_corpus.get("faster-wind").title
    assert r"$\mathbf{ReLU}$" in bundled_corpus.get("contrastive-feature-learning").abstract


def test_code_url_from_the_abstract_is_recorded(bundled_corpus):
    assert bundled_corpus.get("disentanglement-necessity").code_url.startswith(
        "https://github.com/"
    )


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def test_jsonl_in_beir_layout_loads_with_underscore_id(tmp_path):
    rows = [
        {
            "_id": "4983",
            "title": "White matter",
            "text": "Alterations of white matter.",
            "metadata": {},
        },
        {"id": "p2", "title": "Second", "abstract": "Another abstract.", "authors": ["A B", "C D"]},
    ]
    file = _write(tmp_path / "corpus.jsonl", "\n".join(json.dumps(r) for r in rows) + "\n\n")
    corpus = load_corpus(file)
    assert [p.id for p in corpus.papers] == ["4983", "p2"]
    assert corpus.get("4983").abstract == "Alterations of white matter."
    assert corpus.get("p2").authors == ("A B", "C D")


def test_a_folder_loads_every_corpus_file(tmp_path):
    _write(
        tmp_path / "a.toml", 'owner = "X"\n[[papers]]\nid = "a"\ntitle = "A"\nabstract = "Alpha."\n'
    )
    _write(tmp_path / "b.jsonl", json.dumps({"id": "b", "title": "B", "text": "Beta."}) + "\n")
    _write(tmp_path / "notes.txt", "ignored")
    corpus = load_corpus(tmp_path)
    assert [p.id for p in corpus.papers] == ["a", "b"]
    assert corpus.owner == "X"


def test_missing_id_becomes_a_slug_of_the_title(tmp_path):
    file = _write(
        tmp_path / "c.toml", '[[papers]]\ntitle = "Best-of-$N$ Sampling"\nabstract = "A."\n'
    )
    assert load_corpus(file).papers[0].id == slugify("Best-of-$N$ Sampling") == "best-of-n-sampling"


def test_authors_given_as_one_bibtex_string_are_split(tmp_path):
    file = _write(
        tmp_path / "c.jsonl",
        json.dumps({"id": "x", "title": "T", "text": "A.", "authors": "Ann Lee and Bo Chen"})
        + "\n",
    )
    assert load_corpus(file).papers[0].authors == ("Ann Lee", "Bo Chen")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("c.toml", '[[papers]]\nid = "a"\nabstract = "x"\n', "c.toml, paper 1: missing 'title'"),
        (
            "c.toml",
            '[[papers]]\nid = "a"\ntitle = "T"\nabstract = "  "\n',
            "paper 1: empty 'abstract'",
        ),
        ("c.toml", '[[papers]]\nid = "a"\ntitle = "T"\n', "paper 1: missing 'abstract'"),
        ("c.toml", "[[papers]\ntitle = 1\n", "c.toml: invalid TOML"),
        ("c.toml", 'owner = "x"\n', "the corpus has no papers"),
        (
            "c.jsonl",
            '{"id": "a", "title": "T", "text": "x"}\n{"id": "b", "title": \n',
            "c.jsonl:2: invalid JSON",
        ),
        ("c.jsonl", '{"id": "a", "title": "T"}\n', "c.jsonl:1: missing 'abstract' or 'text'"),
        ("c.jsonl", '["not", "an", "object"]\n', "c.jsonl:1: expected a JSON object, not list"),
        (
            "c.jsonl",
            '{"id": "a", "title": "T", "text": "x", "authors": 3}\n',
            "'authors' must be a list",
        ),
        (
            "c.jsonl",
            '{"id": "a", "title": "T", "text": "x", "year": "soon"}\n',
            "'year' must be a number",
        ),
        (
            "c.jsonl",
            '{"id": "a", "title": "T", "text": "x"}\n{"id": "a", "title": "U", "text": "y"}\n',
            "c.jsonl:2: duplicate paper id 'a' (first used at",
        ),
        ("c.txt", "whatever", "unknown corpus format"),
    ],
)
def test_each_validation_problem_is_one_message_naming_the_place(tmp_path, name, content, message):
    file = _write(tmp_path / name, content)
    with pytest.raises(CorpusError) as caught:
        load_corpus(file)
    assert message in str(caught.value)
    assert str(tmp_path) in str(caught.value)


def test_non_utf8_file_is_reported(tmp_path):
    file = tmp_path / "c.jsonl"
    file.write_bytes(b'{"id": "a", "title": "\xff", "text": "x"}\n')
    with pytest.raises(CorpusError, match="not UTF-8"):
        load_corpus(file)


def test_a_path_without_corpus_files_is_reported(tmp_path):
    folder = tmp_path / "papers"
    folder.mkdir()
    with pytest.raises(CorpusError, match=r"no \.toml or \.jsonl corpus files"):
        load_corpus(folder)
    with pytest.raises(CorpusError, match="no such file or folder"):
        load_corpus(tmp_path / "missing.toml")


@pytest.mark.parametrize("command", [["ask", "anything"], ["papers"], ["check"], ["chat"]])
def test_cli_exits_2_with_one_line_and_no_traceback_on_a_bad_corpus(run_cli, tmp_path, command):
    bad = _write(tmp_path / "bad.toml", '[[papers]]\nid = "a"\ntitle = ""\nabstract = "x"\n')
    result = run_cli(*command, "--corpus", str(bad))
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "bad.toml, paper 1: empty 'title'" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_corpus_setting_is_used_when_no_flag_is_given(run_cli, tmp_path):
    corpus = _write(
        tmp_path / "mine.jsonl",
        json.dumps({"id": "z", "title": "Zebra", "text": "Zebras run."}) + "\n",
    )
    result = run_cli("papers", "--json", PAPERBOT_CORPUS=str(corpus))
    assert [p["id"] for p in json.loads(result.stdout)] == ["z"]


def test_doi_and_arxiv_are_read_in_canonical_form(tmp_path):
    file = _write(
        tmp_path / "c.toml",
        '[[papers]]\nid = "a"\ntitle = "T"\nabstract = "A."\n'
        'doi = "https://doi.org/10.1145/3442188.3445922"\narxiv = "arXiv:2101.00001v3"\n',
    )
    paper = load_corpus(file).papers[0]
    assert (paper.doi, paper.arxiv) == ("10.1145/3442188.3445922", "2101.00001")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("doi", "doi.org/whatever", "'doi' must be a DOI such as 10.1145/3442188"),
        ("arxiv", "2101", "'arxiv' must be an arXiv id such as 2101.00001"),
        ("doi", 10, "'doi' must be text"),
    ],
)
def test_a_malformed_doi_or_arxiv_id_is_reported(tmp_path, field, value, message):
    record = {"id": "a", "title": "T", "text": "x", field: value}
    file = _write(tmp_path / "c.jsonl", json.dumps(record) + "\n")
    with pytest.raises(CorpusError, match=message):
        load_corpus(file)
