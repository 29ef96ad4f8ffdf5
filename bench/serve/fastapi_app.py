"""The spam model in PyTorch behind FastAPI + uvicorn: the twin of Ingot's POST /v1/models/spam/predict.

It reads the model directory that bench/serve/spam-model.ts saved (config.json: architecture, the fitted
TF-IDF vectorizer and label encoder; model.safetensors: the weights under nn.Sequential's names), and
serves the same JSON shapes:

    POST /v1/models/{name}/predict  {"rows": [{"text": "..."}]}
    -> {"model": "spam", "version": 1, "predictions": [{"label": "spam", "probability": 0.97}]}

TF-IDF runs server-side in Python with exactly Ingot's analyzer (src/data/text): lower-case, tokens are
runs of 2+ Unicode letters/digits/underscores, counts over the training vocabulary, tf * idf, L2 row
norm. Run (single worker):

    INGOT_SPAM_MODEL_DIR=bench/out/serve/spam-model /usr/bin/python3 -m uvicorn --app-dir bench/serve \
        fastapi_app:app --port 8001 --workers 1 --no-access-log
"""
import json
import math
import os
import re
import struct
import sys
import unicodedata
from typing import Dict, List

import numpy as np
import torch
from fastapi import FastAPI, HTTPException
from pydantic import BaseModel, StrictStr, conlist

MODEL_DIR = os.environ.get("INGOT_SPAM_MODEL_DIR", "bench/out/serve/spam-model")
MODEL_NAME = os.environ.get("INGOT_SPAM_MODEL_NAME", "spam")
MODEL_VERSION = int(os.environ.get("INGOT_SPAM_MODEL_VERSION", "1"))
# One intra-op thread: a one-row forward pass gains nothing from more, and on the 2-core bench machine
# wrk needs the other core.
torch.set_num_threads(int(os.environ.get("TORCH_THREADS", "1")))
torch.set_num_interop_threads(1)


def read_safetensors(path: str) -> Dict[str, np.ndarray]:
    """A tiny safetensors reader: u64 header length, JSON header, raw little-endian tensors."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + n])
    dtypes = {"F32": np.float32, "I32": np.int32, "F64": np.float64}
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        start, end = t["data_offsets"]
        out[name] = np.frombuffer(raw[8 + n + start : 8 + n + end], dtype=dtypes[t["dtype"]]).reshape(t["shape"]).copy()
    return out


def token_pattern() -> "re.Pattern[str]":
    """Ingot's default token pattern [\\p{L}\\p{N}_]{2,}: Python's re has no \\p{..}, so the class is spelled out."""
    ranges = []
    start = None
    for cp in range(sys.maxunicode + 2):
        inside = cp <= sys.maxunicode and (unicodedata.category(chr(cp))[0] in "LN" or cp == 0x5F)
        if inside and start is None:
            start = cp
        elif not inside and start is not None:
            ranges.append(re.escape(chr(start)) + ("" if cp - 1 == start else "-" + re.escape(chr(cp - 1))))
            start = None
    return re.compile("[" + "".join(ranges) + "]{2,}")


class TfidfVectorizer:
    """Ingot's fitted TfidfVectorizer (default analyzer and clean options), read from its JSON form."""

    def __init__(self, spec: dict):
        if spec.get("kind") != "TfidfVectorizer":
            raise ValueError(f"expected a TfidfVectorizer, got {spec.get('kind')!r}")
        if spec["clean"] != {"lowercase": True} or spec["ngramRange"] != [1, 1] or spec["binary"] or spec.get("sublinearTf"):
            raise ValueError("this twin implements only the default analyzer: clean {lowercase}, unigrams, raw counts")
        if spec["tokenizer"] != {"kind": "regex", "pattern": "[\\p{L}\\p{N}_]{2,}", "flags": "u"}:
            raise ValueError(f"unsupported tokenizer {spec['tokenizer']!r}")
        if spec.get("norm") != "l2":
            raise ValueError("this twin implements only norm l2")
        self.vocab = {t: i for i, t in enumerate(spec["vocabulary"])}
        self.idf = spec["idf"]
        self.width = len(self.vocab)
        self.pattern = token_pattern()

    def transform(self, texts: List[str]) -> torch.Tensor:
        out = np.zeros((len(texts), self.width), dtype=np.float32)
        vocab, idf = self.vocab, self.idf
        for i, text in enumerate(texts):
            counts: Dict[int, int] = {}
            for term in self.pattern.findall(text.lower()):
                j = vocab.get(term)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if not counts:
                continue
            weights = {j: c * idf[j] for j, c in counts.items()}
            norm = math.sqrt(sum(w * w for w in weights.values()))
            for j, w in weights.items():
                out[i, j] = w / norm
        return torch.from_numpy(out)


def build_module(arch: dict) -> torch.nn.Sequential:
    """nn.Sequential from Ingot's architecture JSON (the layer types this model uses)."""
    layers = []
    for layer in arch["layers"]:
        kind = layer["type"]
        if kind == "Linear":
            layers.append(torch.nn.Linear(layer["inFeatures"], layer["outFeatures"], bias=layer.get("bias", True)))
        elif kind == "ReLU":
            layers.append(torch.nn.ReLU())
        elif kind == "Sigmoid":
            layers.append(torch.nn.Sigmoid())
        else:
            raise ValueError(f"unsupported layer {kind!r}")
    return torch.nn.Sequential(*layers)


with open(os.path.join(MODEL_DIR, "config.json"), encoding="utf-8") as f:
    CONFIG = json.load(f)
VECTORIZER = TfidfVectorizer(CONFIG["preprocessing"]["vectorizer"])
CLASSES: List[str] = CONFIG["preprocessing"]["label"]["classes"]
TEXT_FIELD = CONFIG.get("metadata", {}).get("textField", "text")
if TEXT_FIELD != "text":
    raise ValueError(f"this twin reads rows[].text; the model's textField is {TEXT_FIELD!r}")
MODEL = build_module(CONFIG["architecture"])
MODEL.load_state_dict({k: torch.from_numpy(v) for k, v in read_safetensors(os.path.join(MODEL_DIR, "model.safetensors")).items()})
MODEL.eval()


class Row(BaseModel):
    text: StrictStr


class PredictRequest(BaseModel):
    rows: conlist(Row, min_items=1, max_items=10_000)  # type: ignore[valid-type]


class Prediction(BaseModel):
    label: str
    probability: float


class PredictResponse(BaseModel):
    model: str
    version: int
    predictions: List[Prediction]


app = FastAPI(title="spam model (PyTorch twin)")


@app.get("/healthz")
async def healthz() -> dict:
    return {"status": "ok"}


# async def: the forward pass is short and CPU-bound, so it runs on the event loop rather than paying
# a threadpool hand-off per request (a plain `def` endpoint would run in anyio's threadpool).
@app.post("/v1/models/{name}/predict", response_model=PredictResponse)
async def predict(name: str, body: PredictRequest) -> dict:
    if name != MODEL_NAME:
        raise HTTPException(status_code=404, detail=f'no model "{name}" with alias "production"')
    x = VECTORIZER.transform([r.text for r in body.rows])
    with torch.no_grad():
        p = MODEL(x).reshape(-1).tolist()
    return {
        "model": MODEL_NAME,
        "version": MODEL_VERSION,
        "predictions": [{"label": CLASSES[1 if q >= 0.5 else 0], "probability": q} for q in p],
    }
