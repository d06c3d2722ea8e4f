"""Writes optimizers.json: 20 updates of every optimizer fit.py can name, run by
MXNet 1.9.1 itself, for tests/core/test_optimizer_reference.cpp.

Run with the PyPI wheel (mxnet==1.9.1, numpy 1.23.5):
    /opt/mxnet-venv/bin/python tests/data/mxnet/make_optimizer_reference.py

The updates go through mx.optimizer.get_updater with every parameter in one
call, as Module.update does when fit.py trains on one device (no kvstore):
SGD and LARS then update in chunks of 4 (MXNET_OPTIMIZER_AGGREGATION_SIZE),
LAMB through multi_lamb_update. The file holds the initial weights, the
gradients of each step, each case's settings, and the weights and states
after the 20th update, as float32 values in their shortest decimal form.
"""
import json
import os

import mxnet as mx
import numpy as np

STEPS = 20
SCHEDULE = {"steps": [7, 14], "factor": 0.5}  # the lr halves after updates 7 and 14

# Names end as in a network, so MXNet's wd rule applies (only *_weight and
# *_gamma decay; LARS leaves *_gamma, *_beta and *_bias out of its scaling).
PARAMS = [("fc1_weight", (4, 5)), ("fc1_bias", (5,)), ("bn1_gamma", (5,)), ("bn1_beta", (5,)),
          ("conv1_weight", (3, 2, 2)), ("fc2_weight", (3, 4)), ("fc2_bias", (3,))]
MATRICES = ["fc1_weight", "fc2_weight"]  # GroupAdaGrad takes 2-d weights only


def f32_list(array):
    """Shortest decimals that read back as the float32 values; NaN as null (adamax
    divides 0 by 0 where a gradient and its weight decay stay 0)."""
    return [None if np.isnan(v) else float(str(np.float32(v))) for v in np.asarray(array, dtype=np.float32).ravel()]


class FixedDCASGD(mx.optimizer.DCASGD):
    """MXNet 1.9.1's DCASGD tests `if mom:` on an NDArray, which raises for
    more than one element (and asserts for one): with momentum it cannot run.
    This is the update it means, `if mom is not None`, in the same arithmetic."""

    def update(self, index, weight, grad, state):
        self._update_count(index)
        lr = self._get_lr(index)
        wd = self._get_wd(index)
        grad = grad * self.rescale_grad
        if self.clip_gradient is not None:
            grad = mx.nd.clip(grad, -self.clip_gradient, self.clip_gradient)
        mom, previous_weight = state
        mom[:] *= self.momentum
        mom[:] += -lr * (grad + wd * weight + self.lamda * grad * grad * (weight - previous_weight))
        previous_weight[:] = weight
        weight[:] += mom


# (id, optimizer, keyword arguments beyond lr / wd / rescale / clip / scheduler,
#  parameters, clip_gradient, wd). `settings` are the optimizer's own keywords
# (what --optimizer-params sets); momentum is --mom.
CASES = [
    ("sgd", "sgd", {"momentum": 0.9}, None, 0.3, 0.01),
    ("sgd_plain", "sgd", {}, None, None, 0.01),
    ("ccsgd", "ccsgd", {"momentum": 0.9}, None, None, 0.01),
    ("nag", "nag", {"momentum": 0.9}, None, 0.3, 0.01),
    ("adam", "adam", {}, None, 0.3, 0.01),
    ("adam_settings", "adam", {"beta1": 0.8, "beta2": 0.99, "epsilon": 1e-7}, None, None, 0.01),
    ("signum", "signum", {"momentum": 0.9, "wd_lh": 0.01}, None, 0.3, 0.01),
    ("signsgd", "signum", {"momentum": 0.0}, None, None, 0.01),
    ("ftml", "ftml", {}, None, 0.3, 0.01),
    ("ftml_settings", "ftml", {"beta1": 0.7, "beta2": 0.99, "epsilon": 1e-6}, None, None, 0.01),
    ("rmsprop", "rmsprop", {}, None, 0.3, 0.01),
    ("rmsprop_centered", "rmsprop", {"centered": True, "gamma1": 0.95, "gamma2": 0.8,
                                     "clip_weights": 1.5}, None, None, 0.01),
    ("ftrl", "ftrl", {}, None, 0.3, 0.01),
    ("ftrl_settings", "ftrl", {"lamda1": 0.001, "beta": 0.5}, None, None, 0.01),
    ("adagrad", "adagrad", {}, None, 0.3, 0.01),
    ("adagrad_eps", "adagrad", {"eps": 1e-5}, None, None, 0.01),
    ("groupadagrad", "groupadagrad", {}, MATRICES, 0.3, 0.0),
    ("adadelta", "adadelta", {}, None, 0.3, 0.01),
    ("adadelta_settings", "adadelta", {"rho": 0.95, "epsilon": 1e-6}, None, None, 0.01),
    ("adamax", "adamax", {}, None, 0.3, 0.01),
    ("nadam", "nadam", {}, None, 0.3, 0.01),
    ("nadam_settings", "nadam", {"schedule_decay": 0.01, "epsilon": 1e-7}, None, None, 0.01),
    ("dcasgd", "dcasgd", {"momentum": 0.0}, None, 0.3, 0.01),
    ("dcasgd_momentum", "dcasgd", {"momentum": 0.9, "lamda": 0.1}, None, None, 0.01),
    ("lamb", "lamb", {}, None, 0.3, 0.01),
    ("lamb_settings", "lamb", {"bias_correction": False, "lower_bound": 0.5, "upper_bound": 2.0,
                               "beta1": 0.8}, None, None, 0.01),
    ("lars", "lars", {"momentum": 0.9, "eta": 0.01}, None, 0.3, 0.01),
    ("lars_plain", "lars", {"eps": 1e-3, "momentum_correction": False}, None, None, 0.01),
    ("lbsgd", "lbsgd", {"momentum": 0.9, "batch_scale": 2, "warmup_epochs": 2, "updates_per_epoch": 4,
                        "warmup_strategy": "linear"}, None, 0.3, 0.01),
    ("lbsgd_sqrt", "lbsgd", {"momentum": 0.9, "batch_scale": 3, "warmup_epochs": 1,
                             "updates_per_epoch": 8, "warmup_strategy": "sqrt"}, None, None, 0.01),
    ("lbsgd_lars", "lbsgd", {"momentum": 0.9, "batch_scale": 1, "warmup_strategy": "lars"}, None, None, 0.01),
]

LR = 0.05
RESCALE = 0.25
LARGE_BATCH = ("batch_scale", "warmup_epochs", "updates_per_epoch", "warmup_strategy")


def mxnet_states(state):
    """An updater's state as a flat list of arrays (None left out)."""
    if state is None:
        return []
    if isinstance(state, (list, tuple)):
        return [a for s in state for a in mxnet_states(s)]
    return [state]


def main():
    rng = np.random.RandomState(19)
    init = {name: rng.uniform(-1, 1, shape).astype(np.float32) for name, shape in PARAMS}
    # N(0, 1): beyond clip_gradient 0.3 after rescale 0.25 for about half the elements; a
    # few zeros, which sign-based and ratio-based rules treat apart.
    grads = []
    for _ in range(STEPS):
        step = {name: rng.normal(0, 1.5, shape).astype(np.float32) for name, shape in PARAMS}
        step["fc1_bias"][0] = 0.0
        grads.append(step)

    cases = []
    for case_id, optimizer, kwargs, names, clip, wd in CASES:
        names = names or [name for name, _ in PARAMS]
        scheduler = mx.lr_scheduler.MultiFactorScheduler(step=SCHEDULE["steps"], factor=SCHEDULE["factor"],
                                                         base_lr=LR)
        common = dict(learning_rate=LR, wd=wd, rescale_grad=RESCALE, lr_scheduler=scheduler,
                      param_idx2name=dict(enumerate(names)), multi_precision=True)
        if clip is not None:
            common["clip_gradient"] = clip
        if case_id == "dcasgd_momentum":
            opt = FixedDCASGD(**common, **kwargs)
        else:
            opt = mx.optimizer.create(optimizer, **common, **kwargs)
        updater = mx.optimizer.get_updater(opt)
        weights = [mx.nd.array(init[n], dtype="float32") for n in names]
        for step in range(STEPS):
            g = [mx.nd.array(grads[step][n], dtype="float32") for n in names]
            updater(list(range(len(names))), g, weights)
        momentum = kwargs.get("momentum", 0.0)
        settings = {k: v for k, v in kwargs.items() if k != "momentum" and k not in LARGE_BATCH}
        if optimizer == "lars" and momentum:
            settings["momentum"] = momentum  # fit.py passes --mom to sgd, dcasgd, nag, signum, lbsgd only
            momentum = 0.0
        cases.append({
            "id": case_id,
            "optimizer": optimizer,
            "params": names,
            "clip_gradient": clip,
            "wd": wd,
            "momentum": momentum,
            "settings": settings,
            "large_batch": {k: kwargs[k] for k in LARGE_BATCH if k in kwargs},
            "weights": {n: f32_list(w.asnumpy()) for n, w in zip(names, weights)},
            "states": {n: [f32_list(s.asnumpy()) for s in mxnet_states(updater.states[i])]
                       for i, n in enumerate(names)},
        })

    out = {
        "mxnet": mx.__version__,
        "steps": STEPS,
        "lr": LR,
        "rescale_grad": RESCALE,
        "schedule": SCHEDULE,
        "params": [{"name": n, "shape": list(s), "init": f32_list(init[n])} for n, s in PARAMS],
        "grads": [{n: f32_list(step[n]) for n, _ in PARAMS} for step in grads],
        "cases": cases,
    }
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "optimizers.json")
    with open(path, "w") as f:
        json.dump(out, f, separators=(",", ":"), allow_nan=False)
        f.write("\n")


if __name__ == "__main__":
    main()
