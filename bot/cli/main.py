"""The `paperbot` command line. Nothing here imports discord unless Discord is asked for."""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from bot import __version__
from bot.bundled import BUNDLED_CORPUS
from bot.corpus.jsonlines import json_object, read_utf8
from bot.corpus.papers import corpus_files, load_corpus, read_corpus_file
from bot.errors import PaperbotError
from bot.render.presentation import count
from bot.settings import (
    EnvFile,
    Settings,
    exposed_mode,
    load_settings,
    read_env_file,
    settings_from,
)

if TYPE_CHECKING:  # the modules behind the commands load only when a command runs
    from bot.corpus.importing import ImportPlan
    from bot.evaluation.scoring import (
        BenchmarkReport,
        ConversationReport,
        ConversationTurn,
        DevReport,
        FactReport,
        QuerySet,
    )
    from bot.feedback.store import FeedbackReport
    from bot.index.answer import Answer
    from bot.index.documents import PaperText
    from bot.index.live_corpus import LiveCorpus
    from bot.index.retriever import Retriever
    from bot.index.semantic import SentenceModel

EXIT_NOT_FOUND = 1
EXIT_BAD_INPUT = 2
DEFAULT_PAPERS = 10  # ranked papers per answer in JSON, unless --papers says otherwise


@dataclass(frozen=True)
class Setup:
    """What every command runs with, read once by `main`: the settings (their corpus is the one
    --corpus names, when given) and the .env file they came from."""

    settings: Settings
    env_file: EnvFile


Handler = Callable[[argparse.Namespace, Setup], int]
ENV_FILE = Path(".env")  # the settings file, in the folder paperbot runs in
# `serve` gave up reaching Discord (a passing fault: the service manager should start it again);
# 75 is EX_TEMPFAIL, "try again later". A bad setting or a rejected token is EXIT_BAD_INPUT.
EXIT_DISCORD_UNAVAILABLE = 75


class UsageError(PaperbotError):
    """Input the user can fix (a batch file line, a missing file); exits with code 2."""


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args, _setup(args))
    except PaperbotError as exc:
        for line in str(exc).splitlines():  # settings name every bad key, one line each
            print(f"paperbot: error: {line}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print(file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `paperbot papers | head`: the reader left; say nothing more.
        sys.stderr.close()
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="paperbot",
        formatter_class=_HelpFormatter,
        description="Answer questions about a researcher's papers, in Discord or a local console. "
        "With no command: run the Discord bot if DISCORD_TOKEN is set, else the local console.",
    )
    corpus_help = "corpus file or folder"  # completed by _HelpFormatter when help is shown
    parser.add_argument("--corpus", type=Path, metavar="PATH", help=corpus_help)
    parser.add_argument("--version", action="version", version=f"paperbot {__version__}")
    parser.set_defaults(handler=_cmd_run)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(name: str, handler: Handler, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(
            name, help=help_text, description=help_text, formatter_class=_HelpFormatter
        )
        # SUPPRESS: without --corpus after the command, the one before it (or None) stands.
        sub.add_argument(
            "--corpus", type=Path, metavar="PATH", default=argparse.SUPPRESS, help=corpus_help
        )
        sub.set_defaults(handler=handler)
        return sub

    ask = command("ask", _cmd_ask, "answer one question, or a file of questions with --batch")
    ask.add_argument("question", nargs="?", help="the question (quote it)")
    ask.add_argument(
        "--batch",
        type=Path,
        metavar="FILE",
        help="JSON Lines ({id|_id, question|text, conversation}) or one question per line",
    )
    ask.add_argument(
        "--top",
        type=_positive,
        default=None,
        metavar="K",
        help="best sentences per answer (default 3)",
    )
    ask.add_argument(
        "--papers",
        type=_non_negative,
        default=None,
        metavar="N",
        help="the N most relevant papers with the answer (default: 10 in JSON, a few in text)",
    )
    ask.add_argument("--json", action="store_true", help="print the answer as one JSON object")

    papers = command("papers", _cmd_papers, "list the papers, or those by an author, venue, year")
    papers.add_argument(
        "--author", metavar="NAME", help="only the papers by NAME (a last name works)"
    )
    papers.add_argument(
        "--venue", metavar="VENUE", help="only the papers at VENUE (NeurIPS, or NeurIPS 2022)"
    )
    papers.add_argument("--year", type=_whole, metavar="YEAR", help="only the papers of YEAR")
    papers.add_argument("--json", action="store_true", help="print a JSON array")

    cite = command("cite", _cmd_cite, "print a paper's citation, from its corpus fields")
    cite.add_argument("paper", metavar="ID_OR_TITLE", help="an id, a title, a title prefix")
    cite.add_argument(
        "--style", choices=("bibtex", "apa"), default="bibtex", help="bibtex (default) or apa"
    )

    paper = command("paper", _cmd_paper, "show one paper: its abstract, authors and links")
    paper.add_argument("paper", metavar="ID_OR_TITLE", help="an id, a title, a title prefix")

    serve = command("serve", _cmd_serve, "run the Discord bot (needs DISCORD_TOKEN)")
    serve.add_argument(
        "--sync",
        action="store_true",
        help="sync the slash commands with Discord even if they did not change",
    )
    commands.add_parser(
        "invite",
        help="print the link that adds the bot to a server",
        description="print the link that adds the bot to a server",
    ).set_defaults(handler=_cmd_invite)

    init = commands.add_parser(
        "init",
        help="create a folder for your lab's papers and settings, with a sample paper",
        description="create a folder for your lab's papers and settings: papers/papers.toml "
        "with a commented sample paper, and a .env from the example (corpus set to papers/)",
        formatter_class=_HelpFormatter,
    )
    init.add_argument(
        "folder",
        nargs="?",
        type=Path,
        default=None,
        metavar="DIR",
        help="the folder to create or fill (default: ~/paperbot)",
    )
    init.set_defaults(handler=_cmd_init)

    importer = command(
        "import", _cmd_import, "add papers from a BibTeX or JSON Lines file to the corpus"
    )
    importer.add_argument(
        "file",
        type=Path,
        metavar="FILE",
        help="a .bib file (Zotero, Google Scholar, arXiv, DBLP)"
        " or a .jsonl file with the corpus fields",
    )
    importer.add_argument(
        "--into",
        type=Path,
        metavar="PATH",
        help="the .toml or .jsonl file to add to (default: the corpus file, or papers.toml in "
        "the corpus folder)",
    )
    importer.add_argument(
        "--dry-run", action="store_true", help="say what would be added; change nothing"
    )

    report = command(
        "report", _cmd_report, "list unanswered questions and answers voted not helpful"
    )
    report.add_argument(
        "--since", type=_positive, metavar="DAYS", help="only the last DAYS days (default: all)"
    )
    report.add_argument(
        "--limit", type=_positive, default=20, metavar="N", help="questions per list (default 20)"
    )
    report.add_argument("--json", action="store_true", help="print the report as one JSON object")

    evaluate = command(
        "eval", _cmd_eval, "measure answer quality on a benchmark (BEIR files) or dev questions"
    )
    evaluate.add_argument(
        "--queries",
        type=Path,
        required=True,
        metavar="FILE",
        help="BEIR queries.jsonl (SciFact evidence in 'metadata' is used), dev questions "
        "({id, question, titles, phrase}), fact questions ({id, question, must, must_not, "
        "title}) or conversations ({id, conversation, question, expect})",
    )
    evaluate.add_argument(
        "--qrels", type=Path, metavar="FILE", help="BEIR qrels TSV with a header (BEIR queries)"
    )
    evaluate.add_argument(
        "--sentences",
        type=Path,
        metavar="FILE",
        help="gold sentence lists ({doc_id, abstract: [...]}) for evidence hit@1 and hit@10",
    )
    evaluate.add_argument("--json", action="store_true", help="print the figures as one JSON line")

    command("chat", _cmd_chat, "ask questions in an interactive console")
    check = command("check", _cmd_check, "validate the corpus and the settings and print a summary")
    check.add_argument(
        "--online",
        action="store_true",
        help="also ask Discord whose the token is and which privileged intents the application has",
    )
    return parser


class _HelpFormatter(argparse.HelpFormatter):
    """Help whose --corpus line names the corpus in effect, read from the settings only when
    help is shown (a command reads them itself, once)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.dest == "corpus":
            return _corpus_help()
        return super()._get_help_string(action)


def _corpus_help() -> str:
    """The --corpus help, naming the corpus in effect without it (the settings decide)."""
    try:
        path = load_settings().corpus_path
    except PaperbotError:  # `paperbot check` reports bad settings; help is still shown
        where = "PAPERBOT_CORPUS, else the bundled corpus"
    else:
        bundled = path.resolve() == BUNDLED_CORPUS.resolve()
        where = f"the bundled corpus, {path}" if bundled else f"{path}, from PAPERBOT_CORPUS"
    text = f"corpus file or folder, before or after the command (default: {where})"
    return text.replace("%", "%%")  # argparse formats help strings with %


def _positive(text: str) -> int:
    value = _whole(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _non_negative(text: str) -> int:
    value = _whole(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def _setup(args: argparse.Namespace) -> Setup:
    """The .env file and the settings, read once; each line of the file worth a warning is
    said once, on stderr."""
    env_file = read_env_file(ENV_FILE)
    for hint in env_file.hints():
        print(f"paperbot: warning: {hint}", file=sys.stderr)
    settings = settings_from(env_file)
    if args.corpus is not None:
        settings = replace(settings, corpus_path=args.corpus)
    return Setup(settings, env_file)


def _retriever(settings: Settings, *, one_question: bool = False) -> Retriever:
    """The corpus's retriever; for `one_question`, without numba's loops (see `Retriever`)."""
    # imported here so `paperbot --help` stays instant
    from bot.index.corpus_cache import load_corpus_cached
    from bot.index.index_cache import load_retriever

    corpus = load_corpus_cached(settings.corpus_path, settings.index_cache)
    return load_retriever(
        corpus,
        cache_dir=settings.index_cache,
        semantic=_sentence_model(settings),
        compiled_loops=not one_question,
    )


def _sentence_model(settings: Settings) -> SentenceModel | None:
    """The semantic stage's model when PAPERBOT_SEMANTIC is on; None when it is off."""
    if not settings.semantic:
        return None
    from bot.index.semantic import SentenceModel

    models = settings.index_cache / "models" if settings.index_cache else None
    return SentenceModel(settings.semantic_model, models)


def _live_corpus(settings: Settings) -> LiveCorpus:
    """The corpus the bot serves and reloads, its index kept in the index cache."""
    from bot.index.corpus_cache import load_corpus_cached
    from bot.index.index_cache import load_retriever
    from bot.index.live_corpus import LiveCorpus

    model = _sentence_model(settings)  # loaded once, for every reload
    build = functools.partial(load_retriever, cache_dir=settings.index_cache, semantic=model)
    load = functools.partial(load_corpus_cached, cache_dir=settings.index_cache)
    return LiveCorpus(settings.corpus_path, build=build, load=load)


def _cmd_run(args: argparse.Namespace, setup: Setup) -> int:
    settings = setup.settings
    if settings.discord_token is None:
        retriever = _retriever(settings)  # first: a corpus that cannot be read is said alone
        where = _describe_corpus(settings.corpus_path)
        print(f"No DISCORD_TOKEN configured: opening the local console on {where}.")
        return _console(retriever, settings)
    return _serve(settings, force_sync=False)


def _describe_corpus(path: Path) -> str:
    """'the bundled corpus', or 'the corpus at PATH'."""
    if path.resolve() == BUNDLED_CORPUS.resolve():
        return "the bundled corpus"
    return f"the corpus at {path}"


def _cmd_serve(args: argparse.Namespace, setup: Setup) -> int:
    return _serve(setup.settings, force_sync=args.sync)


def _serve(settings: Settings, *, force_sync: bool) -> int:
    if settings.discord_token is None:
        raise UsageError(
            "DISCORD_TOKEN is not set: copy the bot token from the Developer Portal into .env"
        )
    live = _live_corpus(settings)
    from bot.discord_app.runner import DiscordUnavailable, run  # the CLI's one discord import

    try:
        run(settings, live, force_sync=force_sync)  # a StartupError is a PaperbotError: exit 2
    except DiscordUnavailable as exc:
        print(f"paperbot: error: {exc}", file=sys.stderr)
        return EXIT_DISCORD_UNAVAILABLE
    return 0


def _cmd_invite(args: argparse.Namespace, setup: Setup) -> int:
    from bot.discord_app.invite import invite_url

    settings = setup.settings
    application_id = settings.bot_application_id()
    if application_id is None:
        raise UsageError(
            "no application id: set DISCORD_TOKEN or DISCORD_APPLICATION_ID (see .env.example)"
        )
    print(invite_url(application_id, answer_threads=settings.answer_threads))
    return 0


def _cmd_init(args: argparse.Namespace, setup: Setup) -> int:
    from bot.cli.lab_home import DEFAULT_HOME, create_lab_home

    home = create_lab_home(args.folder or DEFAULT_HOME)
    print(f"Created {home.corpus}/papers.toml (a sample paper) and {home.env_file}.")
    print("Next:")
    for line in home.next_steps():
        print(f"  {line}")
    return 0


def _cmd_chat(args: argparse.Namespace, setup: Setup) -> int:
    return _console(_retriever(setup.settings), setup.settings)


def _console(retriever: Retriever, settings: Settings) -> int:
    from bot.cli.console import run_console

    return run_console(retriever, top=settings.top_k)


def _cmd_ask(args: argparse.Namespace, setup: Setup) -> int:
    from bot.answering.conversation import Turn, answer_in_conversation, turn_of
    from bot.answering.questions import answer_question
    from bot.render.plain import answer_json, render_answer

    if (args.question is None) == (args.batch is None):
        raise UsageError("give either a QUESTION or --batch FILE")
    if args.question is not None and not args.question.strip():
        raise UsageError(
            'the question is empty: paperbot ask "QUESTION", '
            'for example paperbot ask "what is feature decoupling?"'
        )
    settings = setup.settings
    top = args.top or settings.top_k
    papers = DEFAULT_PAPERS if args.papers is None else args.papers
    if args.batch is not None:
        questions = list(_read_batch(args.batch))
        retriever = _retriever(settings)
        turns: dict[str, list[Turn]] = {}  # conversation -> its turns so far, in file order
        for query_id, question, conversation in questions:
            earlier = turns.setdefault(conversation, []) if conversation is not None else []
            answer = answer_in_conversation(retriever, question, earlier, top=top, papers=papers)
            earlier.append(turn_of(answer))
            print(json.dumps(answer_json(answer, query_id), ensure_ascii=False))
        return 0
    retriever = _retriever(settings, one_question=True)
    answer = answer_question(retriever, args.question, top=top, papers=papers)
    if args.json:
        print(json.dumps(answer_json(answer, None), ensure_ascii=False))
    else:
        hint = "Run `paperbot papers` to see what the papers cover."
        width = _terminal_width()
        print(render_answer(answer, more_hint=hint, papers=args.papers, width=width))
    return 0


def _read_batch(path: Path) -> Iterator[tuple[str | int, str, str | None]]:
    """(id, question, conversation) per non-blank line: a JSON object, or the line itself as the
    question. Lines with the same "conversation" value are one conversation."""
    for number, line in enumerate(read_utf8(path, UsageError).splitlines(), start=1):
        if not line.strip():
            continue
        if not line.lstrip().startswith("{"):
            yield number, line.strip(), None
            continue
        record = json_object(line, f"{path}:{number}", UsageError)
        question = record.get("question", record.get("text"))
        if not isinstance(question, str):
            raise UsageError(f"{path}:{number}: needs a 'question' or 'text' string")
        conversation = record.get("conversation")
        if conversation is not None and not isinstance(conversation, (str, int)):
            raise UsageError(f"{path}:{number}: 'conversation' must be a string or a number")
        key = None if conversation is None else str(conversation)
        yield record.get("id", record.get("_id", number)), question, key


def _terminal_width() -> int | None:
    """The terminal's width when stdout is one (text is wrapped to it), else None."""
    if not sys.stdout.isatty():
        return None
    import shutil

    return shutil.get_terminal_size().columns


def _cmd_papers(args: argparse.Namespace, setup: Setup) -> int:
    from bot.answering.facets import choose
    from bot.index.catalogue import Catalogue
    from bot.index.documents import prepare
    from bot.render.plain import render_paper_list

    corpus = load_corpus(setup.settings.corpus_path)
    papers = [prepare(paper) for paper in corpus.papers]
    if args.author is not None or args.venue is not None or args.year is not None:
        catalogue = Catalogue.of(papers, corpus.venues)
        chosen = choose(catalogue, author=args.author, venue=args.venue, year=args.year)
        papers = list(chosen.papers)
        if not papers and not args.json:
            print(f"No papers {chosen.described} here.", file=sys.stderr)
            return EXIT_NOT_FOUND
    if args.json:
        records = [
            {
                "id": p.id,
                "title": p.record.title,
                "authors": list(p.record.authors),
                "year": p.record.year,
                "venue": p.record.venue,
                "url": p.record.url,
                "code_url": p.record.code_url,
                "doi": p.record.doi,
                "arxiv": p.record.arxiv,
            }
            for p in papers
        ]
        print(json.dumps(records, ensure_ascii=False, indent=2))
    else:
        print(render_paper_list(papers))
    return 0


def _cmd_cite(args: argparse.Namespace, setup: Setup) -> int:
    from bot.render.citation import cite

    paper = _looked_up(args, setup.settings)
    if paper is None:
        return EXIT_NOT_FOUND
    print(cite(paper.record, args.style))
    return 0


def _cmd_paper(args: argparse.Namespace, setup: Setup) -> int:
    from bot.render.plain import render_paper

    paper = _looked_up(args, setup.settings)
    if paper is None:
        return EXIT_NOT_FOUND
    print(render_paper(paper))
    return 0


def _looked_up(args: argparse.Namespace, settings: Settings) -> PaperText | None:
    """The paper `args.paper` names; else None, once the candidates or near matches are shown."""
    from bot.answering.lookup import find_paper
    from bot.render.plain import render_near

    found = find_paper(_retriever(settings, one_question=True), args.paper)
    if found.paper is None:
        print(render_near(args.paper, found.near, found.matched), file=sys.stderr)
    return found.paper


def _cmd_eval(args: argparse.Namespace, setup: Setup) -> int:
    if importlib.util.find_spec("pytrec_eval") is None:
        raise UsageError("paperbot eval needs its extra: pip install 'paperbot[eval]'")
    from bot.evaluation import scoring as evaluation

    queries = evaluation.read_queries(args.queries)
    if isinstance(queries, evaluation.BenchmarkSet) and args.qrels is None:
        raise UsageError("BEIR queries need --qrels FILE")
    report = _evaluate(args, queries, _retriever(setup.settings))
    if args.json:
        print(json.dumps(report.to_json()))
    else:
        print(evaluation.render_table(report.rows()))
    return 0


def _evaluate(
    args: argparse.Namespace, queries: QuerySet, retriever: Retriever
) -> DevReport | FactReport | BenchmarkReport | ConversationReport:
    """The report of the kind of queries read: each kind is answered as it is scored."""
    from bot.answering.questions import answer_question
    from bot.evaluation import scoring as evaluation
    from bot.render.plain import render_answer

    match queries:
        case evaluation.ConversationSet(turns):
            return _evaluate_conversations(retriever, turns)
        case evaluation.FactSet(questions):
            text = lambda q: render_answer(answer_question(retriever, q))  # noqa: E731
            return evaluation.evaluate_facts(text, questions)
        case evaluation.DevSet(questions):
            return evaluation.evaluate_dev(
                lambda q: answer_question(retriever, q, top=3), questions
            )
        case evaluation.BenchmarkSet(benchmark):
            sentences = evaluation.read_sentence_lists(args.sentences) if args.sentences else None
            return evaluation.evaluate_benchmark(
                lambda q: answer_question(retriever, q, top=10, papers=100),
                benchmark,
                evaluation.read_qrels(args.qrels),
                sentences,
                progress=evaluation.progress_bar,
            )


def _evaluate_conversations(
    retriever: Retriever, turns: Sequence[ConversationTurn]
) -> ConversationReport:
    """Each turn answered as `ask --batch` answers it, scored on the text the console prints."""
    from bot.answering.conversation import answer_in_conversation, turn_of
    from bot.evaluation.scoring import evaluate_conversations
    from bot.render.plain import render_answer

    def ask(question: str, earlier: Sequence[Answer]) -> Answer:
        return answer_in_conversation(retriever, question, [turn_of(a) for a in earlier])

    return evaluate_conversations(ask, turns, render_answer)


def _cmd_check(args: argparse.Namespace, setup: Setup) -> int:
    settings = setup.settings
    retriever = _retriever(settings, one_question=True)
    corpus = retriever.corpus
    stats = retriever.stats
    files = ", ".join(str(path) for path in corpus.sources)
    for warning in corpus.warnings:
        print(f"paperbot: warning: {warning}", file=sys.stderr)
    print(f"Corpus: {files}")
    print(f"  owner: {corpus.owner or '(not set)'}")
    print(
        f"  {count(stats.papers, 'paper')}, {count(stats.sentences, 'sentence')}, "
        f"{count(stats.vocabulary, 'term')}"
    )
    print("Settings:")
    print(f"  Discord token: {'set' if settings.discord_token else 'not set (console only)'}")
    mode = exposed_mode(ENV_FILE)
    if mode is not None and setup.env_file.holds_token():
        print(
            f"paperbot: warning: .env can be read by other users (mode {mode:o}), and it holds "
            "the bot token: run `chmod 600 .env`",
            file=sys.stderr,
        )
    if settings.guild_ids:
        print(f"  command guilds: {', '.join(map(str, settings.guild_ids))}")
    print(
        f"  answer size: {settings.top_k}; cooldown: {settings.cooldown_questions} questions "
        f"per {settings.cooldown_seconds:g} s; log level: {settings.log_level}"
    )
    if settings.record_questions:
        who = "with user ids" if settings.store_user_ids else "without user ids"
        print(f"  unanswered questions and votes: recorded {who} in {settings.database_path()}")
    else:
        print("  unanswered questions and votes: not recorded (PAPERBOT_RECORD_QUESTIONS=off)")
    if settings.watch_corpus:
        print("  corpus reload (Discord): when its files change, and by /reload")
    else:
        print("  corpus reload (Discord): by /reload only (PAPERBOT_WATCH_CORPUS=off)")
    return _check_online(settings) if args.online else 0


def _check_online(settings: Settings) -> int:
    """`check --online`: the bot and application the token belongs to, and whether the
    application has the privileged intents the settings need."""
    if settings.discord_token is None:
        raise UsageError("check --online needs DISCORD_TOKEN: the token is what Discord is asked")
    from bot.discord_app.identity import DiscordNotReached, ask_discord

    try:
        found = ask_discord(settings.discord_token, settings.discord_api_base)
    except DiscordNotReached as exc:
        print(f"paperbot: error: {exc}", file=sys.stderr)
        return EXIT_DISCORD_UNAVAILABLE
    print("Discord (asked with the token):")
    print(f"  bot user: {found.user_name} (id {found.user_id})")
    print(f"  application: {found.application_name} (id {found.application_id})")
    if found.servers is not None:
        print(f"  in {count(found.servers, 'server')}")
    print(f"  privileged intents on: {', '.join(found.intents) or 'none'}")
    configured = settings.application_id
    if configured is not None and configured != found.application_id:
        print(
            f"paperbot: warning: DISCORD_APPLICATION_ID is {configured}, but the token is of "
            f"application {found.application_id}: `paperbot invite` would add another bot",
            file=sys.stderr,
        )
    if found.servers == 0:
        print("  (the bot is in no server yet: `paperbot invite` prints the link that adds it)")
    if settings.answer_threads and not found.has_intent("Message Content"):
        raise UsageError(
            "PAPERBOT_ANSWER_THREADS=on needs the Message Content intent, which the application "
            "does not have: switch it on (Developer Portal, Bot, Privileged Gateway Intents) "
            "or set PAPERBOT_ANSWER_THREADS=off"
        )
    return 0


def _cmd_report(args: argparse.Namespace, setup: Setup) -> int:
    from datetime import timedelta

    from bot.feedback.store import FeedbackStore
    from bot.render.plain import render_report

    settings = setup.settings
    store = FeedbackStore.from_settings(settings)
    since = timedelta(days=args.since) if args.since else None
    report = store.report(since=since, limit=args.limit)
    if args.json:
        print(json.dumps(_report_json(report), ensure_ascii=False, indent=2))
    else:
        print(render_report(report, str(store.path), recording=settings.record_questions))
    return 0


def _report_json(report: FeedbackReport) -> dict[str, object]:
    return {
        "since": report.since.isoformat() if report.since else None,
        "unanswered_count": report.unanswered_count,
        "unanswered": [
            {"question": q.question, "count": q.count, "last_asked": q.last_asked.isoformat()}
            for q in report.unanswered
        ],
        "helpful_votes": report.helpful_votes,
        "unhelpful_votes": report.unhelpful_votes,
        "unhelpful": [
            {
                "question": a.question,
                "count": a.count,
                "paper_ids": list(a.paper_ids),
                "last_voted": a.last_voted.isoformat(),
            }
            for a in report.unhelpful
        ],
    }


def _cmd_import(args: argparse.Namespace, setup: Setup) -> int:
    from bot.corpus.importing import plan_import, read_entries
    from bot.corpus.writer import append_papers

    served = setup.settings.corpus_path
    target = _import_target(args.into or served)
    if _inside_package(target):
        raise UsageError(
            f"{target} is inside the installed package (an upgrade would lose the papers): set "
            "PAPERBOT_CORPUS to a folder of your own, or pass --into DIR"
        )
    # An import is checked against the corpus its target belongs to: the served one when the
    # target is part of it, else the target itself (a folder of its own, or one file).
    inside = _serves(target, served)
    corpus_path = served if inside else (target.parent if _is_folder(args.into) else target)
    files = _existing_corpus_files(corpus_path)
    others = [
        paper
        for file in files
        if file.resolve() != target.resolve()
        for paper in read_corpus_file(file)[1]
    ]
    own = read_corpus_file(target)[1] if target.exists() else []
    entries, unreadable = read_entries(args.file)
    plan = plan_import(entries, [*others, *own], unreadable)
    if plan.added and not args.dry_run:
        append_papers(target, [added.paper for added in plan.added], others)  # first: it may fail
    _print_plan(plan, target, dry_run=args.dry_run)
    if plan.added and not args.dry_run and not inside:
        print(
            f"Note: {target} is not in the corpus the bot reads ({served}); "
            f"to serve it, set PAPERBOT_CORPUS={corpus_path} or pass --corpus {corpus_path}."
        )
    return 0


def _print_plan(plan: ImportPlan, target: Path, dry_run: bool) -> None:
    if plan.added:
        verb = "Would add" if dry_run else "Added"
        print(f"{verb} {count(len(plan.added), 'paper')} to {target}:")
        for added in plan.added:
            print(f"  + {added.paper.id}  ({added.label})")
    else:
        print(f"No new papers for {target}.")
    if plan.merged:
        print(f"Merged {count(len(plan.merged), 'duplicate entry', 'duplicate entries')}:")
        for merged in plan.merged:
            print(f"  = {merged.label} into {merged.into} ({merged.reason})")
    if plan.skipped:
        print(f"Skipped {count(len(plan.skipped), 'entry', 'entries')}:")
        for skipped in plan.skipped:
            print(f"  - {skipped.label}: {skipped.reason}")
    if plan.notes:
        print(f"Read with {count(len(plan.notes), 'warning')}:")
        for noted in plan.notes:
            print(f"  ! {noted.label}: {noted.note}")


def _import_target(path: Path) -> Path:
    if path.suffix in (".toml", ".jsonl") and not path.is_dir():
        return path
    if _is_folder(path):
        return path / "papers.toml"  # a folder that does not exist yet is created
    raise UsageError(f"{path}: --into takes a .toml or .jsonl corpus file, or a folder")


def _is_folder(path: Path) -> bool:
    """A folder, or a path that names nothing yet and has no file suffix ("mine", not "a.txt")."""
    return path.is_dir() or (not path.exists() and not path.suffix)


def _inside_package(path: Path) -> bool:
    """Whether `path` is inside the installed `bot` package (the bundled papers of a wheel)."""
    package = Path(__file__).resolve().parent.parent
    return path.resolve().is_relative_to(package)


def _existing_corpus_files(corpus_path: Path) -> list[Path]:
    """The corpus files that exist now; a corpus yet to be created by an import has none."""
    if not corpus_path.exists() or (corpus_path.is_dir() and not any(corpus_path.iterdir())):
        return []
    return corpus_files(corpus_path)


def _serves(target: Path, corpus_path: Path) -> bool:
    corpus = corpus_path.resolve()
    return target.resolve() == corpus or target.resolve().parent == corpus
