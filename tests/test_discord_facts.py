"""The real bot against the Discord stand-in: /cite, the /papers filters and their autocomplete,
and the links and facts in answers."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.corpus.papers import load_corpus
from bot.index.retriever import Retriever
from tests.standin.harness import (
    ALICE,
    CALLBACK,
    CHANNEL_MESSAGES,
    bot_and_standin,
    interaction_reply,
    message_of,
)
from tests.standin.server import AUTOCOMPLETE_RESULT, EPHEMERAL

FACTS_CORPUS = Path(__file__).parent / "data" / "facts_corpus.toml"
TIDAL = "Tidal Gradients in Shallow Estuaries"
KELP = "Kelp Canopies Slow Coastal Currents"
SANDBAR = "Sandbar Migration under Storm Waves"
PLANKTON = "Plankton Blooms Follow Salinity Fronts"


@pytest.fixture(scope="module")
def facts():
    return Retriever(load_corpus(FACTS_CORPUS))


async def _autocomplete(standin, command: str, option: str, typed: str) -> list[dict]:
    typing = await standin.autocomplete(ALICE, command, option, typed, guild=standin.guilds[0])
    offered = await standin.wait_for_request(
        "POST", CALLBACK, where=lambda r: typing["token"] in r.path
    )
    assert offered.json["type"] == AUTOCOMPLETE_RESULT
    return offered.json["data"]["choices"]


async def _run(standin, command: str, **options) -> dict:
    interaction = await standin.slash(ALICE, command, guild=standin.guilds[0], **options)
    return message_of(await interaction_reply(standin, interaction))


# --- /cite ----------------------------------------------------------------------------------------


async def test_cite_autocompletes_the_paper_and_gives_bibtex_or_apa(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        choices = await _autocomplete(standin, "cite", "paper", "structured prun")
        bibtex = await _run(standin, "cite", paper=choices[0]["value"])
        apa = await _run(standin, "cite", paper="disentanglement-necessity", style="apa")
        unknown = await _run(standin, "cite", paper="zzzz qqqq")

    assert choices[0]["value"] == "structured-pruning-glms"
    (embed,) = bibtex["embeds"]
    assert embed["title"] == "What Matters In The Structured Pruning of Generative Language Models?"
    description = embed["description"]
    assert description.startswith("```bibtex\n@misc{santacroce2023matters,")
    assert (
        "author = {Michael Santacroce and Zixin Wen and Yelong Shen and Yuanzhi Li}" in description
    )
    assert "eprint = {2302.03773}" in description and "archivePrefix = {arXiv}" in description
    assert "booktitle" not in description and "doi" not in description  # nothing invented
    assert description.endswith("\n```")
    (embed,) = apa["embeds"]
    assert embed["description"].startswith("Nai, R., Wen, Z., Li, J., Li, Y., & Gao, Y. (2024).")
    assert "AAAI 2024. https://doi.org/10.1609/aaai.v38i13.29354" in embed["description"]
    assert unknown["flags"] & EPHEMERAL and "No paper matches" in unknown["content"]


# --- /papers filters ------------------------------------------------------------------------------


async def test_papers_filters_by_author_venue_and_year_with_autocomplete(tmp_path, facts):
    async with bot_and_standin(tmp_path, facts) as (standin, _bot):
        # Autocomplete answers from the authors and venues built with the index, never waiting.
        authors = await _autocomplete(standin, "papers", "author", "okaf")
        everyone = await _autocomplete(standin, "papers", "author", "")
        venues = await _autocomplete(standin, "papers", "venue", "oceanconf")
        by_author = await _run(standin, "papers", author=authors[0]["value"])
        by_last_name = await _run(standin, "papers", author="lindqvist", year=2023)
        by_venue = await _run(standin, "papers", venue="OceanConf 2019")
        nothing = await _run(standin, "papers", author="Geoffrey Hinton")

    assert [c["value"] for c in authors] == ["Lena Okafor", "Priya Okafor"]
    assert everyone[0] == {"name": "Åsa Lindqvist", "value": "Åsa Lindqvist"}
    assert [c["value"] for c in venues] == ["OceanConf", "OceanConf 2019", "OceanConf 2023"]

    (embed,) = by_author["embeds"]
    assert embed["title"] == "Papers by Lena Okafor"
    assert TIDAL in embed["description"] and PLANKTON in embed["description"]
    assert KELP not in embed["description"] and SANDBAR not in embed["description"]
    (embed,) = by_last_name["embeds"]
    assert embed["title"] == "Papers by Åsa Lindqvist, from 2023"
    assert SANDBAR in embed["description"] and PLANKTON in embed["description"]
    assert TIDAL not in embed["description"]
    (embed,) = by_venue["embeds"]
    assert TIDAL in embed["description"] and PLANKTON not in embed["description"]
    assert "[arXiv](https://arxiv.org/abs/1901.00001)" in embed["description"]
    assert "[Code](https://example.org/code/tidal)" in embed["description"]
    assert nothing["content"] == "No papers by Geoffrey Hinton here."
    assert nothing["flags"] & EPHEMERAL


# --- answers carry links and facts ----------------------------------------------------------------


async def test_answers_carry_masked_links_lists_and_facts(tmp_path, retriever):
    async with bot_and_standin(tmp_path, retriever) as (standin, _):
        passages = await _run(standin, "ask", question="what is feature decoupling?")
        listing = await _run(standin, "ask", question="which papers were at NeurIPS?")
        fact = await _run(standin, "ask", question="who wrote the Faster WIND paper?")
        nobody = await _run(standin, "ask", question="papers by Geoffrey Hinton")
        since = standin.mark()
        await standin.mention_bot(ALICE, "arXiv link for the prediction head paper")
        mention = await standin.wait_for_request("POST", CHANNEL_MESSAGES, since=since)

    description = passages["embeds"][0]["description"]
    assert "[arXiv](https://arxiv.org/abs/2105.15134)" in description
    assert "[Paper](https://proceedings.mlr.press/v139/wen21c.html)" in description

    description = listing["embeds"][0]["description"]
    assert description.startswith("1 paper at NeurIPS:")
    assert "The Mechanism of Prediction Head" in description and "NeurIPS 2022" in description
    assert "[arXiv](https://arxiv.org/abs/2205.06226)" in description
    assert "Toward Understanding" not in description and "Faster WIND" not in description

    description = fact["embeds"][0]["description"]
    assert "Faster WIND" in description
    assert (
        "**Authors:** Tong Yang, Jincheng Mei, Hanjun Dai, Zixin Wen, Shicong Cen, "
        "Dale Schuurmans, Yuejie Chi, Bo Dai"
    ) in description
    assert "et al." not in description

    assert nobody["embeds"][0]["description"].startswith("No papers by Geoffrey Hinton here.")
    assert not nobody.get("components"), "no vote buttons on an answer that found nothing"

    (embed,) = mention.json["embeds"]
    assert "The Mechanism of Prediction Head" in embed["description"]
    assert (
        "**arXiv:** [arxiv.org/abs/2205.06226](https://arxiv.org/abs/2205.06226)"
        in embed["description"]
    )
