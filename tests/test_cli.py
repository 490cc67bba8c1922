import json
import re

import pytest

from tests.conftest import REPO

HIT_KEYS = {"rank", "paper_id", "title", "authors", "sentence", "score"}
PAPER_KEYS = {"rank", "paper_id", "title", "score"}


def _json_lines(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def _assert_contract(record, top, papers):
    assert set(record) == {"id", "question", "kind", "text", "hits", "papers", "following"}
    assert record["kind"] in ("passages", "papers", "paper", "none")
    assert isinstance(record["text"], str) and record["text"]
    assert len(record["hits"]) <= top and len(record["papers"]) <= papers
    for expected_rank, hit in enumerate(record["hits"], start=1):
        assert set(hit) == HIT_KEYS
        assert hit["rank"] == expected_rank
        assert isinstance(hit["authors"], list) and isinstance(hit["score"], float)
    for expected_rank, paper in enumerate(record["papers"], start=1):
        assert set(paper) == PAPER_KEYS and paper["rank"] == expected_rank
    scores = [hit["score"] for hit in record["hits"]]
    assert scores == sorted(scores, reverse=True)


def test_ask_json_follows_the_contract(run_cli_process):
    result = run_cli_process(
        "ask", "What is masked image modeling?", "--json", "--top", "2", "--papers", "3"
    )
    assert result.returncode == 0, result.stderr
    record = json.loads(result.stdout)
    _assert_contract(record, top=2, papers=3)
    assert record["question"] == "What is masked image modeling?"
    assert record["hits"][0]["paper_id"] == "mim-feature-position"
    assert "$" not in record["hits"][0]["sentence"]


def test_ask_text_names_the_paper_and_quotes_the_sentence(run_cli):
    result = run_cli("ask", "What is feature decoupling?")
    assert result.returncode == 0
    assert "Toward Understanding the Feature Learning Process" in result.stdout
    assert "“" in result.stdout and "feature decoupling" in result.stdout


def test_ask_with_nothing_relevant_says_so(run_cli):
    text = run_cli("ask", "recipe for chocolate cake")
    assert "Nothing in the papers answers that." in text.stdout
    record = json.loads(run_cli("ask", "recipe for chocolate cake", "--json").stdout)
    assert record["hits"] == [] and record["papers"] == []
    assert record["kind"] == "none" and record["text"] == "Nothing in the papers answers that."


def test_ask_json_text_is_the_console_answer_and_papers_exactly_the_matches(run_cli):
    question = "which papers were published in 2024 or later?"
    record = json.loads(run_cli("ask", question, "--json").stdout)
    printed = run_cli("ask", question).stdout
    assert record["kind"] == "papers" and record["hits"] == []
    assert [p["paper_id"] for p in record["papers"]] == [
        "faster-wind",
        "mim-feature-position",
        "disentanglement-necessity",
    ]
    assert record["text"] == printed.rstrip("\n")
    assert record["text"].startswith("3 papers from 2024 or later:")
    assert "https://arxiv.org/abs/2410.20727" in record["text"]
    fact = json.loads(run_cli("ask", "who wrote the masked image modeling paper?", "--json").stdout)
    assert fact["kind"] == "paper" and [p["paper_id"] for p in fact["papers"]] == [
        "mim-feature-position"
    ]
    assert "Authors: Yu Huang, Zixin Wen, Yuejie Chi, Yingbin Liang" in fact["text"]


def test_cite_prints_bibtex_or_apa_from_the_corpus_fields(run_cli):
    bibtex = run_cli("cite", "prediction head")
    assert bibtex.returncode == 0, bibtex.stderr
    assert bibtex.stdout.startswith("@inproceedings{wen2022mechanism,")
    assert (
        "booktitle = {NeurIPS 2022}" in bibtex.stdout and "eprint = {2205.06226}" in bibtex.stdout
    )
    assert "doi" not in bibtex.stdout and "url" not in bibtex.stdout  # the corpus has neither
    again = run_cli("cite", "prediction-head-non-contrastive")
    assert again.stdout == bibtex.stdout  # a stable key
    apa = run_cli("cite", "contrastive-feature-learning", "--style", "apa").stdout
    assert apa.startswith("Wen, Z., & Li, Y. (2021). Toward Understanding the Feature Learning")
    assert apa.rstrip().endswith("ICML 2021. https://proceedings.mlr.press/v139/wen21c.html")
    missing = run_cli("cite", "xyzzy")
    assert missing.returncode == 1 and "No paper matches 'xyzzy'." in missing.stderr
    bad = run_cli("cite", "wind", "--style", "mla")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def test_papers_filters_by_author_venue_and_year(run_cli):
    by_li = run_cli("papers", "--author", "yuanzhi li", "--json")
    assert [r["id"] for r in json.loads(by_li.stdout)] == [
        "disentanglement-necessity",
        "structured-pruning-glms",
        "prediction-head-non-contrastive",
        "contrastive-feature-learning",
    ]
    text = run_cli("papers", "--venue", "NeurIPS", "--year", "2022").stdout
    assert text.startswith("prediction-head-non-contrastive: The Mechanism of Prediction Head")
    assert "arXiv: https://arxiv.org/abs/2205.06226" in text and "faster-wind" not in text
    nobody = run_cli("papers", "--author", "Geoffrey Hinton")
    assert nobody.returncode == 1 and nobody.stderr.strip() == "No papers by Geoffrey Hinton here."
    assert json.loads(run_cli("papers", "--year", "1999", "--json").stdout) == []


def test_batch_reads_beir_queries_and_keeps_order_and_ids(run_cli, tmp_path):
    queries = tmp_path / "queries.jsonl"
    rows = [
        {
            "_id": "q7",
            "text": "How do transformers learn by predicting hidden image patches?",
            "metadata": {},
        },
        {"id": 3, "question": "recipe for chocolate cake"},
        {"_id": "q1", "text": "Why does contrastive learning need strong data augmentations?"},
    ]
    queries.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    result = run_cli("ask", "--batch", str(queries), "--top", "2", "--papers", "1")
    assert result.returncode == 0, result.stderr
    records = _json_lines(result.stdout)
    assert [r["id"] for r in records] == ["q7", 3, "q1"]
    for record in records:
        _assert_contract(record, top=2, papers=1)
    assert records[0]["hits"][0]["paper_id"] == "mim-feature-position"
    assert records[1]["hits"] == []
    assert records[2]["papers"][0]["paper_id"] == "contrastive-feature-learning"


def test_batch_of_plain_lines_uses_line_numbers_as_ids(run_cli, tmp_path):
    questions = tmp_path / "questions.txt"
    questions.write_text("what is BYOL?\n\nwhat is GUM?\n", encoding="utf-8")
    records = _json_lines(run_cli("ask", "--batch", str(questions)).stdout)
    assert [r["id"] for r in records] == [1, 3]
    assert [r["question"] for r in records] == ["what is BYOL?", "what is GUM?"]
    assert records[1]["hits"][0]["paper_id"] == "structured-pruning-glms"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            '{"id": 1, "question": "ok"}\n{"id": 2, "question": \n',
            "questions.jsonl:2: invalid JSON",
        ),
        ('{"id": 1}\n', "questions.jsonl:1: needs a 'question' or 'text' string"),
    ],
)
def test_batch_errors_name_the_line(run_cli, tmp_path, content, message):
    file = tmp_path / "questions.jsonl"
    file.write_text(content, encoding="utf-8")
    result = run_cli("ask", "--batch", str(file))
    assert result.returncode == 2
    assert message in result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["ask"],
        ["ask", "x", "--batch", "f"],
        ["ask", "x", "--top", "0"],
        ["ask", "x", "--top", "many"],
        ["ask", "--batch", "missing.jsonl"],
        ["nonsense"],
    ],
)
def test_bad_arguments_exit_2_without_traceback(run_cli_process, args):
    result = run_cli_process(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip()


def test_papers_lists_every_paper_with_cleaned_titles(run_cli, bundled_corpus):
    text = run_cli("papers").stdout
    assert "Best-of-N" in text and "$N$" not in text
    records = json.loads(run_cli("papers", "--json").stdout)
    assert [r["id"] for r in records] == [p.id for p in bundled_corpus.papers]
    assert records[0]["authors"][0] == "Tong Yang"
    assert records[2]["code_url"].startswith("https://github.com/")


@pytest.mark.parametrize(
    ("query", "title"),
    [
        ("faster-wind", "Faster WIND"),
        ("Transformers Provably", "Transformers Provably Learn"),
        ("mechanism of predicton head", "The Mechanism of Prediction Head"),
        ("WIND", "Faster WIND"),
    ],
)
def test_paper_by_id_prefix_or_close_title(run_cli, query, title):
    result = run_cli("paper", query)
    assert result.returncode == 0
    assert result.stdout.startswith(title)


def test_paper_shows_the_cleaned_abstract_and_links(run_cli):
    out = run_cli("paper", "disentanglement-necessity").stdout
    assert "Code: https://github.com/Richard-coder-Nai/disentanglement-lib-necessity" in out
    assert "abstract visual reasoning" in out


def test_unknown_paper_says_so_and_lists_near_matches(run_cli):
    result = run_cli("paper", "BYOL")
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        "No paper matches 'BYOL'. Did you mean:",
        "  prediction-head-non-contrastive: The Mechanism of Prediction Head in Non-contrastive "
        "Self-supervised Learning",
    ]


@pytest.mark.parametrize("query", ["qwertyuiop", "xyzzy"])
def test_a_paper_that_shares_nothing_gets_no_suggestions(run_cli, query):
    result = run_cli("paper", query)
    assert result.returncode == 1
    assert result.stderr == f"No paper matches '{query}'.\n"


def test_a_word_of_two_titles_lists_both_and_exits_1(run_cli):
    result = run_cli("paper", "contrastive")
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == "'contrastive' matches 2 papers. Give more of the title, or the id:"
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        "contrastive-feature-learning",
        "prediction-head-non-contrastive",
    ]


def test_chat_answers_questions_and_commands_from_stdin(run_cli):
    script = "what is BYOL?\n:papers\n:paper GUM\n:bogus\n:help\n:quit\nnot reached\n"
    result = run_cli("chat", stdin=script)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("paperbot: 6 papers in Zixin Wen's list, 54 sentences.")
    assert "Bootstrap Your Own Latent (BYOL)" in out
    assert "faster-wind: Faster WIND" in out
    assert "What Matters In The Structured Pruning" in out
    assert "Unknown command :bogus." in out
    assert ":paper X" in out
    assert "not reached" not in out


def test_chat_ends_cleanly_at_end_of_input(run_cli_process):
    result = run_cli_process("chat", stdin="what is GUM?")
    assert result.returncode == 0
    assert "Globally Unique Movement" in result.stdout
    assert result.stderr == ""


def test_no_token_prints_one_line_and_opens_the_console(run_cli):
    result = run_cli(stdin="what is masked image modeling?\n")
    lines = result.stdout.splitlines()
    assert result.returncode == 0
    assert (
        lines[0] == "No DISCORD_TOKEN configured: opening the local console on the bundled corpus."
    )
    assert lines[1].startswith("paperbot: 6 papers")
    assert "Masked image modeling (MIM)" in result.stdout


def test_check_warns_about_an_unknown_key_naming_the_paper_and_line(run_cli, tmp_path):
    corpus = tmp_path / "papers.toml"
    corpus.write_text(
        '[[papers]]\nid = "a"\ntitle = "T"\nabstract = "Words."\n\n'
        '[[papers]]\nid = "b"\ntitle = "U"\nvenu = "NeurIPS"\nabstract = "More words."\n',
        encoding="utf-8",
    )
    result = run_cli("check", "--corpus", str(corpus))
    assert result.returncode == 0
    assert f"paperbot: warning: {corpus}:9: unknown key 'venu' in paper 'b'" in result.stderr
    missing = tmp_path / "missing.toml"
    missing.write_text('[[papers]]\nid = "a"\ntitle = "T"\n', encoding="utf-8")
    failed = run_cli("check", "--corpus", str(missing))
    assert failed.returncode == 2
    assert "missing 'abstract' (paper 'a', line 1)" in failed.stderr


def test_check_summarises_corpus_and_settings(run_cli):
    result = run_cli("check", PAPERBOT_TOP_K="4")
    assert result.returncode == 0
    assert "6 papers, 54 sentences" in result.stdout
    assert "owner: Zixin Wen" in result.stdout
    assert "answer size: 4" in result.stdout
    assert "Discord token: not set" in result.stdout
    assert "recorded without user ids in .paperbot/paperbot.sqlite3" in result.stdout
    assert "corpus reload (Discord): when its files change, and by /reload" in result.stdout


def test_check_says_when_questions_are_not_recorded_and_the_corpus_not_watched(run_cli):
    result = run_cli("check", PAPERBOT_RECORD_QUESTIONS="off", PAPERBOT_WATCH_CORPUS="off")
    assert "not recorded (PAPERBOT_RECORD_QUESTIONS=off)" in result.stdout
    assert "by /reload only (PAPERBOT_WATCH_CORPUS=off)" in result.stdout


def test_check_reports_a_bad_setting(run_cli):
    result = run_cli("check", PAPERBOT_TOP_K="nine")
    assert result.returncode == 2
    assert "PAPERBOT_TOP_K must be a whole number, not 'nine'" in result.stderr


def test_invite_prints_the_oauth2_url_for_the_application_of_the_token(run_cli):
    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.fake-token-value-for-tests"
    result = run_cli("invite", DISCORD_TOKEN=token)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "https://discord.com/oauth2/authorize?client_id=123456789012345678"
        "&scope=bot+applications.commands&permissions=274877991936\n"
    )
    assert token not in result.stdout + result.stderr


def test_invite_prefers_the_configured_application_id(run_cli):
    result = run_cli(
        "invite", DISCORD_TOKEN="MTIzNDU2Nzg5MDEyMzQ1Njc4.x.y", DISCORD_APPLICATION_ID="1" * 18
    )
    assert "client_id=111111111111111111&" in result.stdout


def test_invite_without_an_application_id_is_one_line_and_exit_2(run_cli):
    result = run_cli("invite")
    assert result.returncode == 2
    assert result.stderr.startswith("paperbot: error: no application id")
    assert len(result.stderr.splitlines()) == 1


FAKE_TOKEN = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GaBcDe.fake-token-value-for-tests"
BROKEN_CORPUS = '{"id": "a", "title": "A", "abstract": "Fine."}\n{"id": "b", "title": \n'

# name -> (files to write in the working folder, settings, what the one line says)
STARTUP_FAULTS = {
    "malformed corpus": (
        {"broken.jsonl": BROKEN_CORPUS},
        {"PAPERBOT_CORPUS": "broken.jsonl"},
        "broken.jsonl:2",
    ),
    "bad number": ({}, {"PAPERBOT_COOLDOWN_SECONDS": "soon"}, "PAPERBOT_COOLDOWN_SECONDS"),
    "number out of range": ({}, {"PAPERBOT_TOP_K": "50"}, "between 1 and 5, not 50"),
    "unknown guild id format": ({}, {"DISCORD_GUILD_IDS": "my-server"}, "DISCORD_GUILD_IDS"),
    ".env is a folder": ({".env/x": ""}, {}, ".env: cannot read settings file: Is a directory"),
    ".env not UTF-8": ({".env": b"PAPERBOT_TOP_K=\xff\n"}, {}, "not UTF-8 text"),
    "token on the wrong line": (
        {".env": f"DISCORD_APPLICATION_ID={FAKE_TOKEN}\n"},
        {},
        "DISCORD_APPLICATION_ID must be a Discord id",
    ),
}


@pytest.mark.parametrize("command", ["serve", "check"])
@pytest.mark.parametrize("fault", STARTUP_FAULTS)
def test_a_startup_fault_is_one_clear_line_and_exit_2(run_cli, tmp_path, command, fault):
    files, settings, message = STARTUP_FAULTS[fault]
    for name, content in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    result = run_cli(command, DISCORD_TOKEN=FAKE_TOKEN, **settings)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2, result.stderr
    assert len(lines) == 1 and lines[0].startswith("paperbot: error: "), result.stderr
    assert message in lines[0]
    assert FAKE_TOKEN not in result.stdout + result.stderr
    assert "fake-token-value" not in result.stdout + result.stderr


@pytest.mark.parametrize(("mode", "warned"), [(0o644, True), (0o640, True), (0o600, False)])
def test_check_warns_when_env_holding_the_token_is_readable_by_others(
    run_cli, tmp_path, mode, warned
):
    env_file = tmp_path / ".env"
    env_file.write_text(f"DISCORD_TOKEN={FAKE_TOKEN}\n", encoding="utf-8")
    env_file.chmod(mode)
    result = run_cli("check")
    assert result.returncode == 0, result.stderr
    warning = f"warning: .env can be read by other users (mode {mode:o})"
    assert (warning in result.stderr) is warned
    if warned:
        assert "chmod 600 .env" in result.stderr


def _write_corpus(path, papers, owner=None):
    """A small TOML corpus of (id, title, authors, abstract) papers."""
    lines = [f'owner = "{owner}"', ""] if owner else []
    for paper_id, title, authors, abstract in papers:
        names = ", ".join(f'"{name}"' for name in authors)
        lines += [
            "[[papers]]",
            f'id = "{paper_id}"',
            f'title = "{title}"',
            f"authors = [{names}]",
            f'abstract = "{abstract}"',
            "",
        ]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


ONE_PAPER = [("zebras", "On Zebras", ["Ada"], "Zebras run fast.")]


def test_no_token_names_the_corpus_in_effect(run_cli, tmp_path):
    corpus = _write_corpus(tmp_path / "mine.toml", ONE_PAPER)
    result = run_cli(stdin="", PAPERBOT_CORPUS=str(corpus))
    assert result.returncode == 0, result.stderr
    first = result.stdout.splitlines()[0]
    assert (
        first
        == f"No DISCORD_TOKEN configured: opening the local console on the corpus at {corpus}."
    )


def test_one_paper_and_one_sentence_are_singular(run_cli, tmp_path):
    corpus = _write_corpus(tmp_path / "one.toml", ONE_PAPER)
    chat = run_cli("chat", "--corpus", str(corpus), stdin="")
    assert chat.stdout.startswith("paperbot: 1 paper, 1 sentence. Ask a question"), chat.stdout
    check = run_cli("check", "--corpus", str(corpus))
    assert "  1 paper, 1 sentence, " in check.stdout, check.stdout


def test_the_owner_line_says_whose_list_it_is_not_who_wrote_the_papers(run_cli, tmp_path):
    papers = [*ONE_PAPER, ("lions", "On Lions", ["Bob"], "Lions sleep. They roar.")]
    corpus = _write_corpus(tmp_path / "list.toml", papers, owner="Ada")
    result = run_cli("chat", "--corpus", str(corpus), stdin="")
    assert result.stdout.startswith("paperbot: 2 papers in Ada's list, 3 sentences."), result.stdout
    assert "by Ada" not in result.stdout


def test_an_edited_corpus_rebuilds_its_cached_index_without_a_warning(run_cli, tmp_path):
    corpus = _write_corpus(tmp_path / "mine.toml", ONE_PAPER)
    cache = tmp_path / "cache"
    first = run_cli("ask", "zebras", "--corpus", str(corpus), PAPERBOT_INDEX_CACHE=str(cache))
    assert first.returncode == 0 and any(cache.iterdir())
    _write_corpus(corpus, [("zebras", "On Zebras", ["Ada"], "Zebras run fast and far.")])
    edited = run_cli("ask", "zebras", "--corpus", str(corpus), PAPERBOT_INDEX_CACHE=str(cache))
    assert edited.returncode == 0
    assert "fast and far" in edited.stdout
    assert edited.stderr == ""


@pytest.mark.parametrize("before", [True, False])
def test_corpus_works_before_or_after_the_command(run_cli, tmp_path, before):
    corpus = _write_corpus(tmp_path / "mine.toml", ONE_PAPER)
    option = ["--corpus", str(corpus)]
    args = [*option, "papers"] if before else ["papers", *option]
    result = run_cli(*args)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("zebras: On Zebras")


def test_corpus_after_the_command_wins_over_one_before_it(run_cli, tmp_path):
    corpus = _write_corpus(tmp_path / "mine.toml", ONE_PAPER)
    result = run_cli("--corpus", str(tmp_path / "missing.toml"), "papers", "--corpus", str(corpus))
    assert result.returncode == 0, result.stderr
    assert "zebras" in result.stdout


def test_corpus_before_no_command_opens_the_console_on_it(run_cli, tmp_path):
    corpus = _write_corpus(tmp_path / "mine.toml", ONE_PAPER)
    result = run_cli("--corpus", str(corpus), stdin="")
    assert result.returncode == 0, result.stderr
    assert f"opening the local console on the corpus at {corpus}." in result.stdout
    assert "paperbot: 1 paper, 1 sentence." in result.stdout


def _help(run_cli, *args, **env):
    result = run_cli(*args, "--help", COLUMNS="200", **env)
    assert result.returncode == 0, result.stderr
    return " ".join(result.stdout.split())


def test_help_shows_the_corpus_in_effect(run_cli, tmp_path):
    assert "(default: the bundled corpus, " in _help(run_cli)
    from_env = _help(run_cli, PAPERBOT_CORPUS="lab/papers.toml")
    assert "(default: lab/papers.toml, from PAPERBOT_CORPUS)" in from_env
    (tmp_path / ".env").write_text("PAPERBOT_CORPUS=from-dotenv.jsonl\n", encoding="utf-8")
    assert "(default: from-dotenv.jsonl, from PAPERBOT_CORPUS)" in _help(run_cli, "ask")


@pytest.mark.parametrize("question", ["", "   ", "\t\n"])
def test_an_empty_question_gets_a_usage_hint_and_exit_2(run_cli, question):
    result = run_cli("ask", question)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.startswith("paperbot: error: the question is empty: paperbot ask")
    assert len(result.stderr.splitlines()) == 1


def test_ask_papers_lists_that_many_papers_in_the_text(run_cli):
    result = run_cli("ask", "What is self-supervised learning?", "--papers", "2")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    record = json.loads(
        run_cli("ask", "What is self-supervised learning?", "--papers", "2", "--json").stdout
    )
    listed = text[text.index("Papers, most relevant first:") :].splitlines()[1:]
    assert len(listed) == 2 == len(record["papers"])
    for number, (line, paper) in enumerate(zip(listed, record["papers"], strict=True), 1):
        assert line.startswith(f"{number}. {paper['title'][:40]}")
    assert "Related papers:" not in text
    none = run_cli("ask", "What is self-supervised learning?", "--papers", "0").stdout
    assert "Papers, most relevant first:" not in none and "Related papers:" not in none


def test_ask_without_papers_keeps_the_short_related_line(run_cli):
    text = run_cli("ask", "What is self-supervised learning?").stdout
    assert "Related papers: " in text and "Papers, most relevant first:" not in text


def test_chat_paper_lists_candidates_and_suggests_only_related_papers(run_cli):
    script = ":paper contrastive\n:paper qwertyuiop\n:paper BYOL\n"
    out = run_cli("chat", stdin=script).stdout
    assert "'contrastive' matches 2 papers. Give more of the title, or the id:" in out
    assert "No paper matches 'qwertyuiop'.\n\n" in out
    assert "No paper matches 'BYOL'. Did you mean:\n  prediction-head-non-contrastive:" in out


def test_batch_lines_of_one_conversation_follow_up_on_each_other(run_cli, tmp_path):
    rows = [
        {"id": "1", "conversation": "c", "question": "what is GUM?"},
        {"id": "2", "conversation": "c", "question": "who are the authors?"},
        {"id": "3", "question": "who are the authors?"},
        {"id": "4", "conversation": "d", "question": "who are the authors?"},
        {"id": "5", "conversation": 7, "question": "what is the prediction head for?"},
        {"id": "6", "conversation": 7, "question": "and how about the pruning one?"},
    ]
    batch = tmp_path / "talk.jsonl"
    batch.write_text("".join(json.dumps(row) + "\n" for row in rows))
    result = run_cli("ask", "--batch", str(batch))
    assert result.returncode == 0, result.stderr
    answers = {a["id"]: a for a in _json_lines(result.stdout)}
    for answer in answers.values():
        _assert_contract(answer, top=3, papers=10)
    assert answers["2"]["following"] == ["structured-pruning-glms"]
    assert answers["2"]["papers"][0]["paper_id"] == "structured-pruning-glms"
    assert answers["2"]["text"].startswith("Following up on: What Matters In The Structured")
    assert "Michael Santacroce, Zixin Wen, Yelong Shen, Yuanzhi Li" in answers["2"]["text"]
    # Alone, or in another conversation, the same words follow up on nothing.
    assert answers["3"]["following"] == [] == answers["4"]["following"]
    assert answers["6"]["following"] == []
    assert answers["6"]["hits"][0]["paper_id"] == "structured-pruning-glms"


def test_batch_conversation_must_be_a_string_or_number(run_cli, tmp_path):
    batch = tmp_path / "bad.jsonl"
    batch.write_text('{"question": "q", "conversation": [1]}\n')
    result = run_cli("ask", "--batch", str(batch))
    assert result.returncode == 2
    assert "bad.jsonl:1: 'conversation' must be a string or a number" in result.stderr


def test_chat_follows_up_until_new_and_shows_more_passages(run_cli):
    script = "what is GUM?\nwhat do they say about neurons?\n:more\n:new\n:more\n"
    result = run_cli("chat", "--corpus", str(REPO / "corpus"), stdin=script)
    assert result.returncode == 0, result.stderr
    first, *following = result.stdout.split("Following up on:")
    assert "    1. “" in first and "\n[1] What Matters In The Structured Pruning" in first
    assert following[0].startswith(" What Matters In The Structured Pruning")
    after_more = result.stdout.split("Following up on:")[2]  # :more repeats what it follows
    assert "4. “" in after_more
    assert "Ask a question first" in result.stdout.split("New conversation")[1]
    assert FAKE_TOKEN not in result.stdout + result.stderr


def test_check_does_not_warn_of_a_readable_env_without_a_token(run_cli, tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DISCORD_TOKEN=\nPAPERBOT_TOP_K=3\n", encoding="utf-8")
    env_file.chmod(0o644)
    result = run_cli("check")
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr


def test_check_hints_at_a_token_pasted_without_its_key(run_cli, tmp_path):
    (tmp_path / ".env").write_text(f"PAPERBOT_TOP_K=3\n{FAKE_TOKEN}\n", encoding="utf-8")
    (tmp_path / ".env").chmod(0o600)
    result = run_cli("check")
    assert result.returncode == 0, result.stderr
    assert "paperbot: warning: .env:2: this line looks like a bot token" in result.stderr
    assert "DISCORD_TOKEN=" in result.stderr
    assert FAKE_TOKEN not in result.stdout + result.stderr
    assert "fake-token-value" not in result.stdout + result.stderr


def test_every_bad_setting_is_one_error_line_naming_the_env_line(run_cli, tmp_path):
    (tmp_path / ".env").write_text("PAPERBOT_TOP_K=9\nPAPERBOT_COOLDOWN_SECONDS=soon\n")
    result = run_cli("check")
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "paperbot: error: .env:1: PAPERBOT_TOP_K must be between 1 and 5, not 9",
        "paperbot: error: .env:2: PAPERBOT_COOLDOWN_SECONDS must be a number of seconds, "
        "such as 30 or 2.5, not 'soon'",
    ]


def test_check_accepts_a_cooldown_of_fractional_seconds(run_cli):
    result = run_cli("check", PAPERBOT_COOLDOWN_SECONDS="2.5")
    assert result.returncode == 0, result.stderr
    assert "per 2.5 s" in result.stdout


def test_chat_greets_and_says_more_in_words_too(run_cli):
    script = "hello\nwhat is GUM?\n:more\nmore\nthanks\n"
    result = run_cli("chat", "--corpus", str(REPO / "corpus"), stdin=script)
    assert result.returncode == 0, result.stderr
    assert "Zixin Wen's 6 papers" in result.stdout
    quotes = re.findall(r"^\s*\d+\. “(.+)”$", result.stdout, flags=re.MULTILINE)
    assert len(quotes) >= 7  # three, three more with :more, then more in words
    assert len(quotes) == len(set(quotes))  # never one shown before
    assert "More for: what is GUM?" in result.stdout
    assert result.stdout.rstrip().endswith("You're welcome! Ask me anything else.")
