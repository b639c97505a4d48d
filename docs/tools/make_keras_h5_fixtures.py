#!/usr/bin/env python3
"""Writes the Keras .h5 test files of the `convert --keras-h5` tests with h5py, the real producer.

Not part of the build: the files it writes are committed. Run it in a scratch venv with h5py and numpy:

    python3 -m venv /tmp/venv-h5 && /tmp/venv-h5/bin/pip install h5py numpy
    /tmp/venv-h5/bin/python docs/tools/make_keras_h5_fixtures.py

Every weights file is written along tf-keras' legacy `save_weights_to_hdf5_group` code path
(tf_keras/src/saving/legacy/hdf5_format.py), copied below with two knobs: the string style (h5py 3 writes a
list of bytes as variable-length strings, h5py 2.x as fixed-length byte strings) and the attribute size limit
(64512 bytes in tf-keras; lowered here so that a small model's lists are split into `weight_names0`,
`weight_names1`, ... as a big model's are). The encoder weights are those of the shared fixture
tf-fixtures/p01_keras_h5/w.h5 (tf-keras 2.15 layout, written by h5py 3), so every file converts to that
case's expected/model.safetensors.

Outputs:
- src-test/src/test/resources/tf-fixtures/keras-h5/p01_h5py2_split.h5: h5py-2-style fixed-length strings,
  `layer_names` split in 2 and `weight_names` of the encoder split in 4.
- .../p01_pretrainer.h5: a pretraining model: the encoder layer plus a `masked_lm` layer holding the
  masked-LM head (`cls/predictions/...`) and repeating the shared word embedding table (same values).
- .../p01_shared_mismatch.h5: the same, but the repeated table differs in one value.
- weights-loader/src/test/resources/keras-h5/datatypes.h5: small datasets of every dtype and storage the
  reader meets or must refuse, in the Keras layout, with lists in both string styles (see write_datatypes).
- .../whole_model.h5: a small model as tf-keras' model.save("m.h5") writes it (weights under model_weights).
- .../tiny_postnorm_moe.h5 + tiny_config.json: a two-layer post-norm encoder with a MoE layer, stored as
  float64, that still holds the MoE layer's output layer norm, inside a pretraining model (see write_tiny).
"""
import os
import sys

import h5py
import numpy as np

HDF5_OBJECT_HEADER_LIMIT = 64512
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SOURCE = os.path.join(ROOT, "src-test/src/test/resources/tf-fixtures/p01_keras_h5/w.h5")
OUT = os.path.join(ROOT, "src-test/src/test/resources/tf-fixtures/keras-h5")
OUT_READER = os.path.join(ROOT, "weights-loader/src/test/resources/keras-h5")


def save_attributes_to_hdf5_group(group, name, data, style, limit=HDF5_OBJECT_HEADER_LIMIT):
    """tf-keras' save_attributes_to_hdf5_group; style 'h5py2' stores what h5py 2.x stored for a list of bytes."""
    bad_attributes = [x for x in data if len(x) > limit]
    if bad_attributes:
        raise RuntimeError("attributes longer than %d bytes: %s" % (limit, bad_attributes))
    data_npy = np.asarray(data)
    num_chunks = 1
    chunked_data = np.array_split(data_npy, num_chunks)
    while any(x.nbytes > limit for x in chunked_data):
        num_chunks += 1
        chunked_data = np.array_split(data_npy, num_chunks)
    if num_chunks > 1:
        for chunk_id, chunk_data in enumerate(chunked_data):
            group.attrs["%s%d" % (name, chunk_id)] = chunk_data   # a numpy 'S' array: fixed-length in both
    elif style == "h5py2" and len(data) > 0:
        group.attrs[name] = data_npy
    else:
        group.attrs[name] = data


def save_subset_weights_to_hdf5_group(f, weights, style, limit=HDF5_OBJECT_HEADER_LIMIT):
    """tf-keras' save_subset_weights_to_hdf5_group; weights are (name, value) pairs."""
    weight_names = [name.encode("utf8") for name, _ in weights]
    save_attributes_to_hdf5_group(f, "weight_names", weight_names, style, limit)
    for name, val in zip(weight_names, [v for _, v in weights]):
        param_dset = f.create_dataset(name, val.shape, dtype=val.dtype)
        if not val.shape:
            param_dset[()] = val
        else:
            param_dset[:] = val


def save_weights_to_hdf5_group(path, layers, style, top_level=(), layer_limit=HDF5_OBJECT_HEADER_LIMIT,
                               weight_limit=HDF5_OBJECT_HEADER_LIMIT):
    """tf-keras' save_weights_to_hdf5_group; layers are (name, [(weight name, value)]) in model order."""
    with h5py.File(path, "w") as f:
        save_attributes_to_hdf5_group(f, "layer_names", [name.encode("utf8") for name, _ in layers], style,
                                      layer_limit)
        text = (lambda s: np.bytes_(s.encode("utf8"))) if style == "h5py2" else (lambda s: s.encode("utf8"))
        f.attrs["backend"] = text("tensorflow")
        f.attrs["keras_version"] = text("2.15.0" if style == "h5py3" else "2.3.1")
        for name, weights in sorted(layers, key=lambda x: x[0]):
            g = f.create_group(name)
            save_subset_weights_to_hdf5_group(g, weights, style, weight_limit)
        g = f.create_group("top_level_model_weights")
        save_subset_weights_to_hdf5_group(g, list(top_level), style)


def read_encoder(path):
    """(layer names, the encoder layer's [(weight name, value)]) of the shared fixture, in stored order."""
    with h5py.File(path, "r") as f:
        layer_names = [n.decode() if isinstance(n, bytes) else n for n in f.attrs["layer_names"]]
        g = f["sparse_mixer"]
        names = [n.decode() if isinstance(n, bytes) else n for n in g.attrs["weight_names"]]
        return layer_names, [(n, g[n][()]) for n in names]


def masked_lm_weights(encoder, rng):
    table = dict(encoder)["sparse_mixer/word_embeddings/embeddings:0"]
    vocab, hidden = table.shape
    return [
        ("cls/predictions/transform/dense/kernel:0", rng.standard_normal((hidden, hidden)).astype(np.float32)),
        ("cls/predictions/transform/dense/bias:0", rng.standard_normal(hidden).astype(np.float32)),
        ("cls/predictions/transform/LayerNorm/gamma:0", np.ones(hidden, np.float32)),
        ("cls/predictions/transform/LayerNorm/beta:0", np.zeros(hidden, np.float32)),
        ("sparse_mixer/word_embeddings/embeddings:0", table.copy()),
        ("cls/predictions/output_bias:0", rng.standard_normal(vocab).astype(np.float32)),
    ]


def write_p01_variants():
    os.makedirs(OUT, exist_ok=True)
    layer_names, encoder = read_encoder(SOURCE)
    layers = [(n, encoder if n == "sparse_mixer" else []) for n in layer_names]

    # h5py 2.x strings; 79 names of ~50-70 bytes, fixed-length at the longest: 4 chunks under 1600 bytes
    save_weights_to_hdf5_group(os.path.join(OUT, "p01_h5py2_split.h5"), layers, "h5py2",
                               layer_limit=24, weight_limit=1600)

    rng = np.random.default_rng(7)
    mlm = masked_lm_weights(encoder, rng)
    save_weights_to_hdf5_group(os.path.join(OUT, "p01_pretrainer.h5"), layers + [("masked_lm", mlm)], "h5py3")

    changed = [(n, v.copy()) for n, v in mlm]
    table = dict(changed)["sparse_mixer/word_embeddings/embeddings:0"]
    table[3, 5] = np.nextafter(table[3, 5], np.float32(np.inf))
    save_weights_to_hdf5_group(os.path.join(OUT, "p01_shared_mismatch.h5"), layers + [("masked_lm", changed)],
                               "h5py3")


def write_datatypes():
    """A Keras-layout file of small datasets for the reader's unit test: element i of every float dataset is
    (i - 3) / 4, in row-major order. Layers: 'floats' (readable dtypes and storages, variable-length names),
    'fixed' (fixed-length names, h5py 2 style), 'compressed' (gzip and lzf: refused), 'other' (not float),
    'none' (no weights: an empty float64 list)."""
    os.makedirs(OUT_READER, exist_ok=True)
    values = (np.arange(12) - 3) / 4
    with h5py.File(os.path.join(OUT_READER, "datatypes.h5"), "w") as f:
        layers = [b"floats", b"fixed", b"compressed", b"other", b"none"]
        f.attrs["layer_names"] = layers
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.15.0"
        g = f.create_group("floats")
        g.attrs["weight_names"] = [b"f32:0", b"f64:0", b"f16:0", b"f32_big_endian:0", b"f32_chunked:0",
                                   b"f32_scalar:0", b"f32_empty:0", b"deep/er/f32:0"]
        g.create_dataset("f32:0", data=values.reshape(3, 4).astype("<f4"))
        g.create_dataset("f64:0", data=values.reshape(2, 6).astype("<f8"))
        g.create_dataset("f16:0", data=values.reshape(12).astype("<f2"))
        g.create_dataset("f32_big_endian:0", data=values.reshape(4, 3).astype(">f4"))
        g.create_dataset("f32_chunked:0", data=values.reshape(3, 4).astype("<f4"), chunks=(2, 3))
        g.create_dataset("f32_scalar:0", data=np.float32(2.5))
        g.create_dataset("f32_empty:0", shape=(0, 4), dtype="<f4")
        g.create_dataset("deep/er/f32:0", data=values.reshape(12).astype("<f4"))
        x = f.create_group("fixed")
        x.attrs["weight_names"] = np.asarray([b"a/f32:0", b"b:0"])          # h5py 2: fixed-length, null-padded
        x.create_dataset("a/f32:0", data=values.reshape(6, 2).astype("<f4"))
        x.create_dataset("b:0", data=values[:3].astype("<f4"))
        c = f.create_group("compressed")
        c.attrs["weight_names"] = [b"gzip:0", b"lzf:0"]
        c.create_dataset("gzip:0", data=values.reshape(3, 4).astype("<f4"), chunks=(2, 2), compression="gzip",
                         shuffle=True)
        c.create_dataset("lzf:0", data=values.reshape(3, 4).astype("<f4"), chunks=(3, 4), compression="lzf")
        o = f.create_group("other")
        o.attrs["weight_names"] = [b"i32:0", b"text:0", b"pair:0"]
        o.create_dataset("i32:0", data=np.arange(4, dtype=np.int32))
        o.create_dataset("text:0", data=np.asarray([b"x"]))
        o.create_dataset("pair:0", data=np.zeros(2, dtype=[("re", "<f4"), ("im", "<f4")]))
        f.create_group("none").attrs["weight_names"] = []


def write_whole_model():
    """What tf-keras' model.save("m.h5") writes, in small: the weights layout under the group 'model_weights'
    (the root holds model_config and training_config instead of layer_names), and optimizer state in
    'optimizer_weights', which is not the model's."""
    with h5py.File(os.path.join(OUT_READER, "whole_model.h5"), "w") as f:
        f.attrs["backend"] = b"tensorflow"
        f.attrs["keras_version"] = b"2.15.0"
        f.attrs["model_config"] = b'{"class_name": "Functional", "config": {}}'
        f.attrs["training_config"] = b'{"loss": "mse"}'
        m = f.create_group("model_weights")
        save_attributes_to_hdf5_group(m, "layer_names", [b"input_1", b"dense"], "h5py3")
        m.attrs["backend"] = b"tensorflow"
        m.attrs["keras_version"] = b"2.15.0"
        save_subset_weights_to_hdf5_group(m.create_group("input_1"), [], "h5py3")
        kernel = ((np.arange(6) - 3) / 4).reshape(2, 3).astype(np.float32)
        save_subset_weights_to_hdf5_group(m.create_group("dense"), [("dense/kernel:0", kernel),
                                                                   ("dense/bias:0", np.zeros(3, np.float32))], "h5py3")
        save_subset_weights_to_hdf5_group(m.create_group("top_level_model_weights"), [], "h5py3")
        o = f.create_group("optimizer_weights")
        save_subset_weights_to_hdf5_group(o, [("Adam/iter:0", np.int64(3)),
                                              ("Adam/dense/kernel/m:0", np.ones((2, 3), np.float32))], "h5py3")


TINY_CONFIG = """{
  "vocab_size": 5, "hidden_size": 4, "num_layers": 2, "moe_layers": [1], "attention_layers": [0],
  "num_experts": 2, "num_attention_heads": 2, "max_sequence_length": 2, "type_vocab_size": 2,
  "inner_dim": 3, "mixing_mechanism": "linear", "norm_first": false
}
"""


def tiny_encoder_weights():
    """The weights of TINY_CONFIG in TensorFlow's shapes, named as the variables of an encoder built in the
    name scope 'sparse_mixer/'; element i of the k-th weight is 100 k + i. Includes the output layer norm of
    MoE layer 1, which Model Garden never builds (a file may still hold one: accepted and not converted)."""
    shapes = [
        ("word_embeddings/embeddings", (5, 4)), ("position_embedding/embeddings", (2, 4)),
        ("type_embeddings/embeddings", (2, 4)), ("embeddings/layer_norm/gamma", (4,)),
        ("embeddings/layer_norm/beta", (4,)),
    ]
    p = "transformer/layer_0/"
    for proj in ("query", "key", "value"):
        shapes += [(p + "self_attention/%s/kernel" % proj, (4, 2, 2)), (p + "self_attention/%s/bias" % proj, (2, 2))]
    shapes += [(p + "self_attention/attention_output/kernel", (2, 2, 4)), (p + "self_attention/attention_output/bias", (4,)),
               (p + "self_attention_layer_norm/gamma", (4,)), (p + "self_attention_layer_norm/beta", (4,)),
               (p + "intermediate/kernel", (4, 3)), (p + "intermediate/bias", (3,)),
               (p + "output/kernel", (3, 4)), (p + "output/bias", (4,)),
               (p + "output_layer_norm/gamma", (4,)), (p + "output_layer_norm/beta", (4,))]
    p = "transformer/layer_1/"
    shapes += [(p + "linear_transform/hidden_kernel", (4, 4)), (p + "linear_transform/seq_kernel", (2, 2)),
               (p + "self_attention_layer_norm/gamma", (4,)), (p + "self_attention_layer_norm/beta", (4,)),
               (p + "moe/router/router_weights/kernel", (4, 2)), (p + "moe/router/router_weights/bias", (2,)),
               (p + "moe/experts/intermediate/kernel", (2, 4, 3)), (p + "moe/experts/intermediate/bias", (2, 1, 3)),
               (p + "moe/experts/output/kernel", (2, 3, 4)), (p + "moe/experts/output/bias", (2, 1, 4)),
               (p + "output_layer_norm/gamma", (4,)), (p + "output_layer_norm/beta", (4,)),
               ("pooler_transform/kernel", (4, 4)), ("pooler_transform/bias", (4,))]
    return [("sparse_mixer/%s:0" % name, (100 * k + np.arange(int(np.prod(shape)))).reshape(shape).astype(np.float32))
            for k, (name, shape) in enumerate(shapes)]


def write_tiny():
    """tiny_postnorm_moe.h5 + tiny_config.json: a pretraining model around the tiny encoder (a masked-LM head
    that repeats the word embedding table), the encoder datasets stored as float64 (exact: small integers)."""
    encoder = [(n, v.astype(np.float64)) for n, v in tiny_encoder_weights()]
    table = dict(encoder)["sparse_mixer/word_embeddings/embeddings:0"]
    head = [("cls/predictions/output_bias:0", np.zeros(5, np.float32)),
            ("sparse_mixer/word_embeddings/embeddings:0", table.copy())]
    layers = [("input_word_ids", []), ("sparse_mixer", encoder), ("masked_lm", head)]
    save_weights_to_hdf5_group(os.path.join(OUT_READER, "tiny_postnorm_moe.h5"), layers, "h5py3")
    with open(os.path.join(OUT_READER, "tiny_config.json"), "w") as f:
        f.write(TINY_CONFIG)


def main():
    if not os.path.exists(SOURCE):
        sys.exit("missing %s (copy of ../shared/fixtures/tf/p01_keras_h5)" % SOURCE)
    write_p01_variants()
    write_datatypes()
    write_whole_model()
    write_tiny()


if __name__ == "__main__":
    main()
