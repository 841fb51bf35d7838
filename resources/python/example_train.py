"""Tiny logistic regression (no numpy) that logs to mldesk / any MLflow server with mldesk_client.

    MLFLOW_TRACKING_URI=http://127.0.0.1:5000 python3 resources/python/example_train.py
    mldesk run -- python3 resources/python/example_train.py   # attaches to the launcher's run

Logs params, 20 steps of loss/accuracy, the dataset as an input and the model as model.json.
"""

import json
import math
import os
import random
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mldesk_client as mldesk  # noqa: E402

EPOCHS = 20


def make_data(n, seed):
    """Two Gaussian blobs: label 1 around (1, 1), label 0 around (-1, -1)."""
    rng = random.Random(seed)
    xs, ys = [], []
    for _ in range(n):
        y = rng.random() < 0.5
        c = 1.0 if y else -1.0
        xs.append((rng.gauss(c, 1.0), rng.gauss(c, 1.0)))
        ys.append(1.0 if y else 0.0)
    return xs, ys


def sigmoid(z):
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def evaluate(w, b, xs, ys):
    loss = 0.0
    correct = 0
    for (x1, x2), y in zip(xs, ys):
        p = min(max(sigmoid(w[0] * x1 + w[1] * x2 + b), 1e-12), 1 - 1e-12)
        loss -= y * math.log(p) + (1 - y) * math.log(1 - p)
        correct += (p >= 0.5) == (y == 1.0)
    return loss / len(xs), correct / len(xs)


def main():
    params = {"lr": 0.1, "epochs": EPOCHS, "n_samples": 400, "seed": 7, "model": "logreg"}
    xs, ys = make_data(params["n_samples"], params["seed"])
    split = int(len(xs) * 0.8)
    train_x, train_y, val_x, val_y = xs[:split], ys[:split], xs[split:], ys[split:]

    with mldesk.start_run(run_name="logreg-example") as run:
        print("run_id=%s attached=%s" % (run.run_id, run.attached), flush=True)
        mldesk.log_params(params)
        mldesk.set_tags({"example": "logreg", "framework": "stdlib"})
        mldesk.log_input("synthetic-blobs", source="random.Random(%d)" % params["seed"], context="training", schema={"x1": "float", "x2": "float", "y": "int"})

        w, b = [0.0, 0.0], 0.0
        for epoch in range(EPOCHS):
            gw, gb = [0.0, 0.0], 0.0
            for (x1, x2), y in zip(train_x, train_y):
                err = sigmoid(w[0] * x1 + w[1] * x2 + b) - y
                gw[0] += err * x1
                gw[1] += err * x2
                gb += err
            n = len(train_x)
            w = [w[0] - params["lr"] * gw[0] / n, w[1] - params["lr"] * gw[1] / n]
            b -= params["lr"] * gb / n
            train_loss, train_acc = evaluate(w, b, train_x, train_y)
            val_loss, val_acc = evaluate(w, b, val_x, val_y)
            mldesk.log_metrics({"train_loss": train_loss, "train_accuracy": train_acc, "val_loss": val_loss, "val_accuracy": val_acc}, step=epoch)

        model = {"weights": w, "bias": b, "val_accuracy": val_acc, "features": ["x1", "x2"]}
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "model.json")
            with open(path, "w") as f:
                json.dump(model, f, indent=2)
            mldesk.log_artifact(path)
        print("val_accuracy=%.3f" % val_acc, flush=True)


if __name__ == "__main__":
    main()
