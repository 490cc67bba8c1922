"""A tiny sentence model written inside a test: a word-level tokenizer and an ONNX graph that
gives each word a fixed vector, saved in a folder as a real model is (model.onnx and its
tokenizer files), so that fastembed loads it through the same path as all-MiniLM-L6-v2.

Each word is given a topic: words of one topic (synonyms, for the test) get the same vector, so
mean pooling makes a sentence's vector the mix of its words' topics.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

SPECIAL = ("[PAD]", "[UNK]")


def write_tiny_model(folder: Path, topics: Mapping[str, Sequence[str]]) -> Path:
    """A model in `folder` whose vocabulary is `topics`' words, each topic one dimension; a word
    it does not know adds nothing to a sentence's vector. Returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    vocabulary = {token: number for number, token in enumerate(SPECIAL)}
    rows = [np.zeros(len(topics)), np.zeros(len(topics))]
    for dimension, words in enumerate(topics.values()):
        for word in words:
            vocabulary[word] = len(vocabulary)
            rows.append(np.eye(len(topics))[dimension])
    _write_tokenizer(folder, vocabulary)
    _write_graph(folder / "model.onnx", np.array(rows, dtype=np.float32))
    config = {"hidden_size": len(topics), "pad_token_id": 0}
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def _write_tokenizer(folder: Path, vocabulary: dict[str, int]) -> None:
    tokenizer = Tokenizer(models.WordLevel(vocab=vocabulary, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.save(str(folder / "tokenizer.json"))
    settings = {"model_max_length": 64, "pad_token": "[PAD]", "unk_token": "[UNK]"}
    (folder / "tokenizer_config.json").write_text(json.dumps(settings), encoding="utf-8")
    special = {"pad_token": "[PAD]", "unk_token": "[UNK]"}
    (folder / "special_tokens_map.json").write_text(json.dumps(special), encoding="utf-8")


def _write_graph(path: Path, table: np.ndarray) -> None:
    """last_hidden_state = table[input_ids] * attention_mask, as a transformer's output."""
    nodes = [
        helper.make_node("Gather", ["table", "input_ids"], ["gathered"], axis=0),
        helper.make_node("Cast", ["attention_mask"], ["mask"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask", "last_axis"], ["mask3"]),
        helper.make_node("Mul", ["gathered", "mask3"], ["last_hidden_state"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny-sentence-model",
        [
            helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "tokens"]),
            helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "tokens"]),
        ],
        [
            helper.make_tensor_value_info(
                "last_hidden_state", TensorProto.FLOAT, ["batch", "tokens", table.shape[1]]
            )
        ],
        initializer=[
            numpy_helper.from_array(table, "table"),
            numpy_helper.from_array(np.array([-1], dtype=np.int64), "last_axis"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # readable by every onnxruntime fastembed supports
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
