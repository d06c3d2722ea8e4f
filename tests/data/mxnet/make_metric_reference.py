"""Writes metrics-nonfinite.json: MXNet 1.9.1's accuracy, top_k_accuracy
(k = 2, 3, 5) and cross-entropy on predictions with NaN, infinities and ties,
for tests/core/test_metric.cpp.

Run with a Python that has mxnet==1.9.1 and numpy 1.23 (pip install
mxnet==1.9.1 'numpy<1.24'): MXNet's top-k accuracy is numpy's argpartition,
whose choice among tied values is numpy's, so the numpy version matters too.

Each set of rows is scored by MXNet's metric classes as one batch ("batch")
and one row at a time ("rows"); "top_k" keeps, for each k, the last k classes
of numpy's argpartition(row, -k), the ones MXNet counts. The top-level
"argpartition" list holds numpy's whole order on longer rows at other kth
(including median-of-3 killers, which send introselect to its
median-of-medians pivot). JSON has no NaN or infinity: those values are the
strings "nan", "inf" and "-inf".
"""
import json
import math

import mxnet as mx
import numpy as np

nan, inf = float('nan'), float('inf')
KS = (2, 3, 5)
METRICS = ['accuracy'] + ['top_k_accuracy_%d' % k for k in KS] + ['cross-entropy']


def make_metric(name):
    if name == 'accuracy':
        return mx.metric.Accuracy()
    if name == 'cross-entropy':
        return mx.metric.CrossEntropy()
    return mx.metric.TopKAccuracy(top_k=int(name.rsplit('_', 1)[1]))


def score(name, labels, probs):
    """MXNet's value of metric `name` over the rows as one batch, or the error it raises."""
    metric = make_metric(name)
    try:
        metric.update([mx.nd.array(labels, dtype='float32')], [mx.nd.array(probs, dtype='float32')])
    except ValueError as e:
        return None, str(e)
    return metric.get()[1], None


def scalar(x):
    x = float(x)
    if math.isnan(x):
        return 'nan'
    if math.isinf(x):
        return 'inf' if x > 0 else '-inf'
    return int(x) if x.is_integer() and abs(x) < 2 ** 53 else x


def rows_set(name, classes, rows):
    """rows: (probabilities, label) pairs."""
    probs = np.array([p for p, _ in rows], dtype=np.float32).reshape(len(rows), classes)
    labels = np.array([l for _, l in rows], dtype=np.float32)
    out = {'name': name, 'classes': classes, 'labels': labels.tolist(), 'probs': probs.tolist(),
           'batch': {}, 'rows': {}, 'errors': {}, 'top_k': {}}
    for m in METRICS:
        value, error = score(m, labels, probs)
        if error is not None:
            out['batch'][m] = out['rows'][m] = None
            out['errors'][m] = error
            continue
        out['batch'][m] = value
        out['rows'][m] = [score(m, labels[i:i + 1], probs[i:i + 1])[0] for i in range(len(rows))]
    for k in KS:
        if k <= classes:
            out['top_k'][str(k)] = np.argpartition(probs, -k)[:, classes - k:].tolist()
    return out


def every_label(classes, values):
    """Each row of `values` once with every label, so each class is scored at every position."""
    return [(v, float(label)) for v in values for label in range(classes)]


def fixed_3():
    rows = every_label(3, [
        [nan, nan, nan], [0.1, nan, 0.2], [nan, 0.9, 0.0], [0.1, nan, nan], [0.1, inf, inf], [-inf, -inf, -inf],
        [inf, nan, 0.5], [inf, -inf, inf], [0.4, 0.4, 0.2], [0.3, 0.3, 0.3], [0.2, 0.4, 0.4], [0.0, -0.0, 0.0],
        [-0.5, 0.2, 1.3], [0.0, 1.0, 0.0], [-1e-12, 0.5, 0.5], [0.2, 0.7, 0.1]])
    # The brief case: all-NaN predictions over labels 0, 1, 2, 1; and labels
    # with a fraction, which MXNet truncates.
    rows += [([nan] * 3, l) for l in (0.0, 1.0, 2.0, 1.0)]
    rows += [([0.2, 0.7, 0.1], 1.5), ([0.2, 0.3, 0.5], 2.9), ([nan, 0.3, 0.5], 0.5)]
    return rows_set('fixed-3', 3, rows)


def fixed_10():
    distinct = [0.02, 0.31, 0.07, 0.11, 0.05, 0.16, 0.03, 0.13, 0.08, 0.04]
    one_nan = list(distinct)
    one_nan[3] = nan
    some_nan = list(distinct)
    for c in (1, 5, 8):
        some_nan[c] = nan
    rows = every_label(10, [
        [nan] * 10, one_nan, some_nan, [nan] + distinct[1:9] + [nan],
        [0.1, inf, 0.2, -inf, inf, 0.3, -inf, 0.0, inf, 0.1], [inf] * 10, [-inf] * 10,
        [nan, inf, -inf, nan, 0.5, inf, nan, -inf, 0.5, 0.1],
        [0.1] * 10, [0.0] * 10,
        # ties at the top-k boundary: one clear best, then six equal values
        [0.5, 0.2, 0.2, 0.2, 0.1, 0.2, 0.05, 0.2, 0.0, 0.2],
        # two clear best, then ties for the third place
        [0.1, 0.3, 0.1, 0.1, 0.4, 0.1, 0.0, 0.1, 0.1, 0.0],
        # four equal best: which two or three of them count depends on numpy's swaps
        [0.2, 0.0, 0.2, 0.1, 0.0, 0.2, 0.1, 0.0, 0.2, 0.0],
        [1.0] + [0.0] * 9, [0.0] * 9 + [1.0], distinct,
        [-0.3, 0.2, -1.0, 0.5, -0.0, 0.0, 0.7, -2.0, 0.1, 0.9]])
    return rows_set('fixed-10', 10, rows)


def random_rows(rng, classes, count, finite=False):
    """Tie-heavy rows: values from a few dyadic levels (exact in float32 and in
    JSON); unless finite, a third of them also hold NaN, and another third NaN
    and infinities."""
    levels = np.array([0.0, 0.0625, 0.125, 0.25, 0.375, 0.5, 0.75, 1.0])
    rows = []
    for i in range(count):
        pool = rng.choice(levels, size=rng.randint(1, 5), replace=False)
        row = rng.choice(pool, size=classes)
        kind = 0 if finite else i % 3
        if kind >= 1:
            row[rng.rand(classes) < 0.2] = nan
        if kind == 2:
            row[rng.rand(classes) < 0.1] = inf
            row[rng.rand(classes) < 0.1] = -inf
        rows.append((row.tolist(), float(rng.randint(0, classes))))
    return rows


def longer_rows(rng):
    """Rows for numpy's argpartition alone, at various kth."""
    cases = []
    for n in (7, 10, 31, 100, 200):
        for _ in range(6):
            row = rng.choice(np.array([0.0, 0.25, 0.5, 0.75, nan, inf, -inf]), size=n,
                             p=[0.3, 0.2, 0.2, 0.1, 0.1, 0.05, 0.05])
            cases.append((row, sorted({0, 1, 2, 3, n // 2, n - 5, n - 2, n - 1, int(rng.randint(0, n))})))
    # numpy's median-of-3 killers (numpy/core/tests/test_multiarray.py), smaller
    for n in (1000, 1001):
        x = np.roll(np.arange(n, dtype=np.float32), n // 2 + (n % 2))
        cases.append((x, [n // 2 + 1, n - 5]))
        cases.append((np.floor(x / 4), [n // 2 + 1]))
    out = []
    for row, kths in cases:
        row = np.asarray(row, dtype=np.float32)
        out.append({'values': row.tolist(), 'orders': {str(kth): np.argpartition(row, kth).tolist() for kth in kths}})
    return out


def jsonable(x):
    if isinstance(x, dict):
        return {k: jsonable(v) for k, v in x.items()}
    if isinstance(x, list):
        return [jsonable(v) for v in x]
    if isinstance(x, (float, np.floating)):
        return scalar(x)
    if isinstance(x, np.integer):
        return int(x)
    return x


def dump(x, indent=''):
    """JSON with one line per list of numbers, so the file reads row by row."""
    if isinstance(x, dict):
        inner = indent + ' '
        return '{\n' + ',\n'.join(inner + json.dumps(k) + ': ' + dump(v, inner) for k, v in x.items()) + '\n' + indent + '}'
    if isinstance(x, list) and any(isinstance(v, (dict, list)) for v in x):
        inner = indent + ' '
        return '[\n' + ',\n'.join(inner + dump(v, inner) for v in x) + '\n' + indent + ']'
    return json.dumps(x, separators=(',', ':'))


if __name__ == '__main__':
    rng = np.random.RandomState(12)
    out = {'mxnet': mx.__version__, 'numpy': np.__version__,
           'sets': [fixed_3(), fixed_10(), rows_set('random-3', 3, random_rows(rng, 3, 200)),
                    rows_set('random-10', 10, random_rows(rng, 10, 300)),
                    rows_set('random-finite-10', 10, random_rows(rng, 10, 100, finite=True)),
                    rows_set('random-1000', 1000, random_rows(rng, 1000, 8))],
           'argpartition': longer_rows(rng)}
    with open('metrics-nonfinite.json', 'w') as f:
        f.write(dump(jsonable(out)) + '\n')
