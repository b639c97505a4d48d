# Measurement helper only (needs tensorflow-cpu and numpy; never part of the build or the tests):
# Writes a TF2 checkpoint of a model directory's weights, as Model Garden's trainer would lay them out
# closely enough for a speed measurement: one tf.Variable per weight named sparse_mixer/<name> (its
# full_name), expert biases in TF's [E, 1, F] shape, tracked by an encoder object.
import json, struct, sys
import numpy as np
import tensorflow as tf

model, prefix = sys.argv[1], sys.argv[2]
with open(model + "/model.safetensors", "rb") as f:
    n = struct.unpack("<Q", f.read(8))[0]
    header = json.loads(f.read(n))
    base = 8 + n
    enc = tf.Module(name="sparse_mixer")
    enc.weights_list = []
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        f.seek(base + start)
        a = np.frombuffer(f.read(end - start), dtype="<f4").reshape(info["shape"])
        if name.endswith("moe/experts/intermediate/bias") or name.endswith("moe/experts/output/bias"):
            a = a.reshape(a.shape[0], 1, a.shape[1])
        enc.weights_list.append(tf.Variable(a, name="sparse_mixer/" + name))
ckpt = tf.train.Checkpoint(encoder=enc, global_step=tf.Variable(0, dtype=tf.int64))
print(ckpt.write(prefix))
