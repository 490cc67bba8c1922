"""The `paperbot` command line. Nothing here imports discord unless Discord is asked for."""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, cast

from bot import __version__
from bot.bundled import BUNDLED_CORPUS
from bot.corpus.jsonlines import json_object, read_utf8
from bot.corpus.papers import corpus_files, load_corpus, read_corpus_file
from bot.errors import PaperbotError
from bot.render.presentation import count
from bot.settings import Settings, exposed_mode, load_settings, read_env_file

if TYPE_CHECKING:  # the modules behind the commands load only when a command runs
    from bot.corpus.importing import ImportPlan
    from bot.evaluation.scoring import ConversationReport, ConversationTurn
    from bot.feedback.store import FeedbackReport
    from bot.search.answer import Answer
    from bot.search.documents import PaperText
    from bot.search.live_corpus import LiveCorpus
    from bot.search.retriever import Retriever
    from bot.search.semantic import SentenceModel

EXIT_NOT_FOUND = 1
EXIT_BAD_INPUT = 2
DEFAULT_PAPERS = 10  # ranked papers per answer in JSON, unless --papers says otherwise


Handler = Callable[[argparse.Namespace], int]
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
        return handler(args)
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
    command("check", _cmd_check, "validate the corpus and the settings and print a summary")
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


def _settings() -> Settings:
    return load_settings(env_file=ENV_FILE)


def _retriever(args: argparse.Namespace, settings: Settings | None = None) -> Retriever:
    from bot.search.index_cache import (
        load_retriever,  # imported here so `paperbot --help` stays instant
    )

    settings = settings or _settings()
    corpus = load_corpus(args.corpus or settings.corpus_path)
    model = _sentence_model(settings)
    return load_retriever(corpus, cache_dir=settings.index_cache, semantic=model)


def _sentence_model(settings: Settings) -> SentenceModel | None:
    """The semantic stage's model when PAPERBOT_SEMANTIC is on; None when it is off."""
    if not settings.semantic:
        return None
    from bot.search.semantic import SentenceModel

    models = settings.index_cache / "models" if settings.index_cache else None
    return SentenceModel(settings.semantic_model, models)


def _live_corpus(args: argparse.Namespace, settings: Settings) -> LiveCorpus:
    """The corpus the bot serves and reloads, its index kept in the index cache."""
    from bot.search.index_cache import load_retriever
    from bot.search.live_corpus import LiveCorpus

    model = _sentence_model(settings)  # loaded once, for every reload
    build = functools.partial(load_retriever, cache_dir=settings.index_cache, semantic=model)
    return LiveCorpus(args.corpus or settings.corpus_path, build=build)


def _warn_of_stray_tokens() -> None:
    for hint in read_env_file(ENV_FILE).hints():
        print(f"paperbot: warning: {hint}", file=sys.stderr)


def _cmd_run(args: argparse.Namespace) -> int:
    settings = _settings()
    if settings.discord_token is None:
        _warn_of_stray_tokens()
        where = _describe_corpus(args.corpus or settings.corpus_path)
        print(f"No DISCORD_TOKEN configured: opening the local console on {where}.")
        return _cmd_chat(args, settings)
    return _serve(args, settings, force_sync=False)


def _describe_corpus(path: Path) -> str:
    """'the bundled corpus', or 'the corpus at PATH'."""
    if path.resolve() == BUNDLED_CORPUS.resolve():
        return "the bundled corpus"
    return f"the corpus at {path}"


def _cmd_serve(args: argparse.Namespace) -> int:
    return _serve(args, _settings(), force_sync=args.sync)


def _serve(args: argparse.Namespace, settings: Settings, *, force_sync: bool) -> int:
    if settings.discord_token is None:
        _warn_of_stray_tokens()
        raise UsageError(
            "DISCORD_TOKEN is not set: copy the bot token from the Developer Portal into .env"
        )
    live = _live_corpus(args, settings)
    from bot.discord_app.runner import DiscordUnavailable, run  # the CLI's one discord import

    try:
        run(settings, live, force_sync=force_sync)  # a StartupError is a PaperbotError: exit 2
    except DiscordUnavailable as exc:
        print(f"paperbot: error: {exc}", file=sys.stderr)
        return EXIT_DISCORD_UNAVAILABLE
    return 0


def _cmd_invite(args: argparse.Namespace) -> int:
    from bot.discord_app.invite import invite_url

    application_id = _settings().bot_application_id()
    if application_id is None:
        raise UsageError(
            "no application id: set DISCORD_TOKEN or DISCORD_APPLICATION_ID (see .env.example)"
        )
    print(invite_url(application_id))
    return 0


def _cmd_chat(args: argparse.Namespace, settings: Settings | None = None) -> int:
    from bot.cli.console import run_console

    settings = settings or _settings()
    return run_console(_retriever(args, settings), top=settings.top_k)


def _cmd_ask(args: argparse.Namespace) -> int:
    from bot.render.plain import answer_json, render_answer
    from bot.search.conversation import Turn, answer_in_conversation, turn_of
    from bot.search.questions import answer_question

    if (args.question is None) == (args.batch is None):
        raise UsageError("give either a QUESTION or --batch FILE")
    if args.question is not None and not args.question.strip():
        raise UsageError(
            'the question is empty: paperbot ask "QUESTION", '
            'for example paperbot ask "what is feature decoupling?"'
        )
    settings = _settings()
    top = args.top or settings.top_k
    papers = DEFAULT_PAPERS if args.papers is None else args.papers
    if args.batch is not None:
        questions = list(_read_batch(args.batch))
        retriever = _retriever(args, settings)
        turns: dict[str, list[Turn]] = {}  # conversation -> its turns so far, in file order
        for query_id, question, conversation in questions:
            earlier = turns.setdefault(conversation, []) if conversation is not None else []
            answer = answer_in_conversation(retriever, question, earlier, top=top, papers=papers)
            earlier.append(turn_of(answer))
            print(json.dumps(answer_json(answer, query_id), ensure_ascii=False))
        return 0
    answer = answer_question(_retriever(args, settings), args.question, top=top, papers=papers)
    if args.json:
        print(json.dumps(answer_json(answer, None), ensure_ascii=False))
    else:
        hint = "Run `paperbot papers` to see what the papers cover."
        print(render_answer(answer, more_hint=hint, papers=args.papers))
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


def _cmd_papers(args: argparse.Namespace) -> int:
    from bot.render.plain import render_paper_list
    from bot.search.documents import prepare
    from bot.search.facets import Catalogue, choose

    corpus = load_corpus(args.corpus or _settings().corpus_path)
    papers = [prepare(paper) for paper in corpus.papers]
    if args.author is not None or args.venue is not None or args.year is not None:
        chosen = choose(Catalogue.of(papers), author=args.author, venue=args.venue, year=args.year)
        papers = list(chosen.papers)
        if not papers and not args.json:
            print(f"No papers {chosen.described} here.", file=sys.stderr)
            return EXIT_NOT_FOUND
    if args.json:
        records = [
            {
                "id": p.id,
                "title": p.paper.title,
                "authors": list(p.paper.authors),
                "year": p.paper.year,
                "venue": p.paper.venue,
                "url": p.paper.url,
                "code_url": p.paper.code_url,
                "doi": p.paper.doi,
                "arxiv": p.paper.arxiv,
            }
            for p in papers
        ]
        print(json.dumps(records, ensure_ascii=False, indent=2))
    else:
        print(render_paper_list(papers))
    return 0


def _cmd_cite(args: argparse.Namespace) -> int:
    from bot.render.citation import cite

    paper = _looked_up(args)
    if paper is None:
        return EXIT_NOT_FOUND
    print(cite(paper.paper, args.style))
    return 0


def _cmd_paper(args: argparse.Namespace) -> int:
    from bot.render.plain import render_paper

    paper = _looked_up(args)
    if paper is None:
        return EXIT_NOT_FOUND
    print(render_paper(paper))
    return 0


def _looked_up(args: argparse.Namespace) -> PaperText | None:
    """The paper `args.paper` names; else None, once the candidates or near matches are shown."""
    from bot.render.plain import render_near
    from bot.search.lookup import find_paper

    found = find_paper(_retriever(args), args.paper)
    if found.paper is None:
        print(render_near(args.paper, found.near, found.matched), file=sys.stderr)
    return found.paper


def _cmd_eval(args: argparse.Namespace) -> int:
    if importlib.util.find_spec("pytrec_eval") is None:
        raise UsageError("paperbot eval needs its extra: pip install 'paperbot[eval]'")
    from bot.evaluation import scoring as evaluation
    from bot.search.questions import answer_question

    queries = evaluation.read_queries(args.queries)
    is_dev = isinstance(queries[0], evaluation.DevQuestion | evaluation.FactQuestion)
    is_conversation = isinstance(queries[0], evaluation.ConversationTurn)
    if not is_dev and not is_conversation and args.qrels is None:
        raise UsageError("BEIR queries need --qrels FILE")
    qrels = evaluation.read_qrels(args.qrels) if args.qrels and not is_dev else None
    sentences = evaluation.read_sentence_lists(args.sentences) if args.sentences else None
    retriever = _retriever(args)
    # read_queries returns one kind of query, so the first one tells which (casts: mypy cannot
    # narrow a list by its first item); qrels were read above for every benchmark.
    report: (
        evaluation.DevReport
        | evaluation.FactReport
        | evaluation.BenchmarkReport
        | ConversationReport
    )
    if is_conversation:
        turns = cast("list[ConversationTurn]", queries)
        report = _evaluate_conversations(retriever, turns)
    elif isinstance(queries[0], evaluation.FactQuestion):
        from bot.render.plain import render_answer

        report = evaluation.evaluate_facts(
            lambda q: render_answer(answer_question(retriever, q)), queries
        )
    elif is_dev:
        dev_questions = cast("list[evaluation.DevQuestion]", queries)
        report = evaluation.evaluate_dev(
            lambda q: answer_question(retriever, q, top=3), dev_questions
        )
    else:
        report = evaluation.evaluate_benchmark(
            lambda q: answer_question(retriever, q, top=10, papers=100),
            cast("list[evaluation.BenchmarkQuery]", queries),
            cast("dict[str, dict[str, int]]", qrels),
            sentences,
            progress=evaluation.progress_bar,
        )
    if args.json:
        print(json.dumps(report.to_json()))
    else:
        print(evaluation.render_table(report.rows()))
    return 0


def _evaluate_conversations(
    retriever: Retriever, turns: Sequence[ConversationTurn]
) -> ConversationReport:
    """Each turn answered as `ask --batch` answers it, scored on the text the console prints."""
    from bot.evaluation.scoring import evaluate_conversations
    from bot.render.plain import render_answer
    from bot.search.conversation import answer_in_conversation, turn_of

    def ask(question: str, earlier: Sequence[Answer]) -> Answer:
        return answer_in_conversation(retriever, question, [turn_of(a) for a in earlier])

    return evaluate_conversations(ask, turns, render_answer)


def _cmd_check(args: argparse.Namespace) -> int:
    settings = _settings()
    retriever = _retriever(args, settings)
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
    env_file = read_env_file(ENV_FILE)
    for hint in env_file.hints():
        print(f"paperbot: warning: {hint}", file=sys.stderr)
    mode = exposed_mode(ENV_FILE)
    if mode is not None and env_file.holds_token():
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
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from bot.feedback.store import FeedbackStore
    from bot.render.plain import render_report

    settings = _settings()
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


def _cmd_import(args: argparse.Namespace) -> int:
    from bot.corpus.importing import plan_import, read_entries
    from bot.corpus.writer import append_papers

    served = args.corpus or _settings().corpus_path
    target = _import_target(args.into or served)
    # An import is checked against the corpus its target belongs to: the served one when the
    # target is part of it, else the target itself (a folder of its own, or one file).
    inside = _serves(target, served)
    corpus_path = served if inside else (args.into if args.into.is_dir() else target)
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


def _import_target(path: Path) -> Path:
    if path.is_dir():
        return path / "papers.toml"
    if path.suffix in (".toml", ".jsonl"):
        return path
    raise UsageError(f"{path}: --into takes a .toml or .jsonl corpus file, or a folder")


def _existing_corpus_files(corpus_path: Path) -> list[Path]:
    """The corpus files that exist now; a corpus yet to be created by an import has none."""
    if not corpus_path.exists() or (corpus_path.is_dir() and not any(corpus_path.iterdir())):
        return []
    return corpus_files(corpus_path)


def _serves(target: Path, corpus_path: Path) -> bool:
    corpus = corpus_path.resolve()
    return target.resolve() == corpus or target.resolve().parent == corpus
