"""Writes reference files with MXNet 1.9.1 itself, for fitbench's tests.

Run with a Python that has mxnet==1.9.1 (pip install mxnet==1.9.1 'numpy<1.24').
The networks are composed as MXNet's example/image-classification/symbols do;
the files record how MXNet names, orders and serializes them. PyPI's mxnet is
an MKL-DNN build, whose Pooling has a hidden workspace output: its
"node_row_ptr" counts two outputs per Pooling where other builds count one.
"""
import mxnet as mx
import numpy as np


def mlp(num_classes=10):
    data = mx.sym.Variable('data')
    data = mx.sym.Flatten(data=data)
    fc1 = mx.sym.FullyConnected(data=data, name='fc1', num_hidden=128)
    act1 = mx.sym.Activation(data=fc1, name='relu1', act_type="relu")
    fc2 = mx.sym.FullyConnected(data=act1, name='fc2', num_hidden=64)
    act2 = mx.sym.Activation(data=fc2, name='relu2', act_type="relu")
    fc3 = mx.sym.FullyConnected(data=act2, name='fc3', num_hidden=num_classes)
    return mx.sym.SoftmaxOutput(data=fc3, name='softmax')


def lenet(num_classes=10):
    data = mx.sym.Variable('data')
    conv1 = mx.sym.Convolution(data=data, kernel=(5, 5), num_filter=20)
    tanh1 = mx.sym.Activation(data=conv1, act_type="tanh")
    pool1 = mx.sym.Pooling(data=tanh1, pool_type="max", kernel=(2, 2), stride=(2, 2))
    conv2 = mx.sym.Convolution(data=pool1, kernel=(5, 5), num_filter=50)
    tanh2 = mx.sym.Activation(data=conv2, act_type="tanh")
    pool2 = mx.sym.Pooling(data=tanh2, pool_type="max", kernel=(2, 2), stride=(2, 2))
    flatten = mx.sym.Flatten(data=pool2)
    fc1 = mx.sym.FullyConnected(data=flatten, num_hidden=500)
    tanh3 = mx.sym.Activation(data=fc1, act_type="tanh")
    fc2 = mx.sym.FullyConnected(data=tanh3, num_hidden=num_classes)
    return mx.sym.SoftmaxOutput(data=fc2, name='softmax')


def residual_unit(data, num_filter, stride, dim_match, name, bottle_neck):
    bn1 = mx.sym.BatchNorm(data=data, fix_gamma=False, eps=2e-5, momentum=0.9, name=name + '_bn1')
    act1 = mx.sym.Activation(data=bn1, act_type='relu', name=name + '_relu1')
    if bottle_neck:
        conv1 = mx.sym.Convolution(data=act1, num_filter=int(num_filter * 0.25), kernel=(1, 1), stride=(1, 1),
                                   pad=(0, 0), no_bias=True, workspace=256, name=name + '_conv1')
        bn2 = mx.sym.BatchNorm(data=conv1, fix_gamma=False, eps=2e-5, momentum=0.9, name=name + '_bn2')
        act2 = mx.sym.Activation(data=bn2, act_type='relu', name=name + '_relu2')
        conv2 = mx.sym.Convolution(data=act2, num_filter=int(num_filter * 0.25), kernel=(3, 3), stride=stride,
                                   pad=(1, 1), no_bias=True, workspace=256, name=name + '_conv2')
        bn3 = mx.sym.BatchNorm(data=conv2, fix_gamma=False, eps=2e-5, momentum=0.9, name=name + '_bn3')
        act3 = mx.sym.Activation(data=bn3, act_type='relu', name=name + '_relu3')
        body = mx.sym.Convolution(data=act3, num_filter=num_filter, kernel=(1, 1), stride=(1, 1), pad=(0, 0),
                                  no_bias=True, workspace=256, name=name + '_conv3')
    else:
        conv1 = mx.sym.Convolution(data=act1, num_filter=num_filter, kernel=(3, 3), stride=stride, pad=(1, 1),
                                   no_bias=True, workspace=256, name=name + '_conv1')
        bn2 = mx.sym.BatchNorm(data=conv1, fix_gamma=False, momentum=0.9, eps=2e-5, name=name + '_bn2')
        act2 = mx.sym.Activation(data=bn2, act_type='relu', name=name + '_relu2')
        body = mx.sym.Convolution(data=act2, num_filter=num_filter, kernel=(3, 3), stride=(1, 1), pad=(1, 1),
                                  no_bias=True, workspace=256, name=name + '_conv2')
    if dim_match:
        shortcut = data
    else:
        shortcut = mx.sym.Convolution(data=act1, num_filter=num_filter, kernel=(1, 1), stride=stride, no_bias=True,
                                      workspace=256, name=name + '_sc')
    return body + shortcut


def resnet(units, filter_list, bottle_neck, num_classes, height):
    data = mx.sym.Variable(name='data')
    data = mx.sym.identity(data=data, name='id')
    data = mx.sym.BatchNorm(data=data, fix_gamma=True, eps=2e-5, momentum=0.9, name='bn_data')
    if height <= 32:
        body = mx.sym.Convolution(data=data, num_filter=filter_list[0], kernel=(3, 3), stride=(1, 1), pad=(1, 1),
                                  no_bias=True, name="conv0", workspace=256)
    else:
        body = mx.sym.Convolution(data=data, num_filter=filter_list[0], kernel=(7, 7), stride=(2, 2), pad=(3, 3),
                                  no_bias=True, name="conv0", workspace=256)
        body = mx.sym.BatchNorm(data=body, fix_gamma=False, eps=2e-5, momentum=0.9, name='bn0')
        body = mx.sym.Activation(data=body, act_type='relu', name='relu0')
        body = mx.sym.Pooling(data=body, kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type='max')
    for i, n in enumerate(units):
        s = 1 if i == 0 else 2
        body = residual_unit(body, filter_list[i + 1], (s, s), False, 'stage%d_unit%d' % (i + 1, 1), bottle_neck)
        for j in range(n - 1):
            body = residual_unit(body, filter_list[i + 1], (1, 1), True, 'stage%d_unit%d' % (i + 1, j + 2),
                                 bottle_neck)
    bn1 = mx.sym.BatchNorm(data=body, fix_gamma=False, eps=2e-5, momentum=0.9, name='bn1')
    relu1 = mx.sym.Activation(data=bn1, act_type='relu', name='relu1')
    pool1 = mx.sym.Pooling(data=relu1, global_pool=True, kernel=(7, 7), pool_type='avg', name='pool1')
    flat = mx.sym.Flatten(data=pool1)
    fc1 = mx.sym.FullyConnected(data=flat, num_hidden=num_classes, name='fc1')
    return mx.sym.SoftmaxOutput(data=fc1, name='softmax')


def alexnet(num_classes):
    # symbols/alexnet.py (float32)
    input_data = mx.sym.Variable(name="data")
    conv1 = mx.sym.Convolution(name='conv1', data=input_data, kernel=(11, 11), stride=(4, 4), num_filter=96)
    relu1 = mx.sym.Activation(data=conv1, act_type="relu")
    lrn1 = mx.sym.LRN(data=relu1, alpha=0.0001, beta=0.75, knorm=2, nsize=5)
    pool1 = mx.sym.Pooling(data=lrn1, pool_type="max", kernel=(3, 3), stride=(2, 2))
    conv2 = mx.sym.Convolution(name='conv2', data=pool1, kernel=(5, 5), pad=(2, 2), num_filter=256)
    relu2 = mx.sym.Activation(data=conv2, act_type="relu")
    lrn2 = mx.sym.LRN(data=relu2, alpha=0.0001, beta=0.75, knorm=2, nsize=5)
    pool2 = mx.sym.Pooling(data=lrn2, kernel=(3, 3), stride=(2, 2), pool_type="max")
    conv3 = mx.sym.Convolution(name='conv3', data=pool2, kernel=(3, 3), pad=(1, 1), num_filter=384)
    relu3 = mx.sym.Activation(data=conv3, act_type="relu")
    conv4 = mx.sym.Convolution(name='conv4', data=relu3, kernel=(3, 3), pad=(1, 1), num_filter=384)
    relu4 = mx.sym.Activation(data=conv4, act_type="relu")
    conv5 = mx.sym.Convolution(name='conv5', data=relu4, kernel=(3, 3), pad=(1, 1), num_filter=256)
    relu5 = mx.sym.Activation(data=conv5, act_type="relu")
    pool3 = mx.sym.Pooling(data=relu5, kernel=(3, 3), stride=(2, 2), pool_type="max")
    flatten = mx.sym.Flatten(data=pool3)
    fc1 = mx.sym.FullyConnected(name='fc1', data=flatten, num_hidden=4096)
    relu6 = mx.sym.Activation(data=fc1, act_type="relu")
    dropout1 = mx.sym.Dropout(data=relu6, p=0.5)
    fc2 = mx.sym.FullyConnected(name='fc2', data=dropout1, num_hidden=4096)
    relu7 = mx.sym.Activation(data=fc2, act_type="relu")
    dropout2 = mx.sym.Dropout(data=relu7, p=0.5)
    fc3 = mx.sym.FullyConnected(name='fc3', data=dropout2, num_hidden=num_classes)
    return mx.sym.SoftmaxOutput(data=fc3, name='softmax')


def vgg(num_classes, num_layers, batch_norm):
    # symbols/vgg.py (float32): get_feature, get_classifier, get_symbol
    vgg_spec = {11: ([1, 1, 2, 2, 2], [64, 128, 256, 512, 512]),
                13: ([2, 2, 2, 2, 2], [64, 128, 256, 512, 512]),
                16: ([2, 2, 3, 3, 3], [64, 128, 256, 512, 512]),
                19: ([2, 2, 4, 4, 4], [64, 128, 256, 512, 512])}
    layers, filters = vgg_spec[num_layers]
    body = mx.sym.Variable(name="data")
    for i, num in enumerate(layers):
        for j in range(num):
            body = mx.sym.Convolution(data=body, kernel=(3, 3), pad=(1, 1), num_filter=filters[i],
                                      name="conv%s_%s" % (i + 1, j + 1))
            if batch_norm:
                body = mx.symbol.BatchNorm(data=body, name="bn%s_%s" % (i + 1, j + 1))
            body = mx.sym.Activation(data=body, act_type="relu", name="relu%s_%s" % (i + 1, j + 1))
        body = mx.sym.Pooling(data=body, pool_type="max", kernel=(2, 2), stride=(2, 2), name="pool%s" % (i + 1))
    flatten = mx.sym.Flatten(data=body, name="flatten")
    fc6 = mx.sym.FullyConnected(data=flatten, num_hidden=4096, name="fc6")
    relu6 = mx.sym.Activation(data=fc6, act_type="relu", name="relu6")
    drop6 = mx.sym.Dropout(data=relu6, p=0.5, name="drop6")
    fc7 = mx.sym.FullyConnected(data=drop6, num_hidden=4096, name="fc7")
    relu7 = mx.sym.Activation(data=fc7, act_type="relu", name="relu7")
    drop7 = mx.sym.Dropout(data=relu7, p=0.5, name="drop7")
    fc8 = mx.sym.FullyConnected(data=drop7, num_hidden=num_classes, name="fc8")
    return mx.sym.SoftmaxOutput(data=fc8, name='softmax')


def mobilenet_conv(data, num_filter=1, kernel=(1, 1), stride=(1, 1), pad=(0, 0), num_group=1, name=None):
    conv = mx.sym.Convolution(data=data, num_filter=num_filter, kernel=kernel, num_group=num_group, stride=stride,
                              pad=pad, no_bias=True, name='%s_conv2d' % name)
    bn = mx.sym.BatchNorm(data=conv, name='%s_batchnorm' % name, fix_gamma=True)
    return mx.sym.Activation(data=bn, act_type='relu', name='%s_relu' % name)


def mobilenet(num_classes, alpha, resolution):
    # symbols/mobilenet.py get_symbol (v1): a full 3x3 convolution, then 13
    # depthwise (num_group = channels) + pointwise pairs.
    base = int(32 * alpha)
    body = mx.symbol.Variable(name="data")
    body = mobilenet_conv(body, num_filter=base, kernel=(3, 3), pad=(1, 1), stride=(2, 2), name="conv_1")
    # (channels in multiples of base, stride of the depthwise convolution)
    blocks = [(1, 1), (2, 2), (4, 1), (4, 2), (8, 1), (8, 2), (16, 1), (16, 1), (16, 1), (16, 1), (16, 1),
              (16, 2), (32, 1)]
    for k, (channels, stride) in enumerate(blocks):
        idx = k + 2
        out = blocks[k + 1][0] if k + 1 < len(blocks) else channels
        body = mobilenet_conv(body, num_group=base * channels, num_filter=base * channels, kernel=(3, 3),
                              pad=(1, 1), stride=(stride, stride), name="conv_%d_dw" % idx)
        body = mobilenet_conv(body, num_filter=base * out, kernel=(1, 1), pad=(0, 0), stride=(1, 1),
                              name="conv_%d" % idx)
    pool_size = int(resolution / 32)
    pool = mx.sym.Pooling(data=body, kernel=(pool_size, pool_size), stride=(1, 1), pool_type="avg",
                          name="global_pool")
    flatten = mx.sym.Flatten(data=pool, name="flatten")
    fc = mx.symbol.FullyConnected(data=flatten, num_hidden=num_classes, name='fc')
    return mx.symbol.SoftmaxOutput(data=fc, name='softmax')


def write(name, build, *args):
    # A fresh NameManager per network: automatic names count from 0 again.
    with mx.name.NameManager():
        sym = build(*args)
    with open(name + '-symbol.json', 'w') as f:
        f.write(sym.tojson())


def recordio():
    """records.rec / records.idx: three image records as im2rec packs them.
    The second has two labels and a payload holding the RecordIO magic word at
    aligned offsets, so MXNet splits it into parts; payloads are plain bytes."""
    import struct
    magic = struct.pack('<I', 0xced7230a)
    payloads = [b'\x89PNG fake image 0', b'ab' + magic + magic + b'cd' + magic, b'xyz']
    headers = [mx.recordio.IRHeader(0, 3.0, 7, 0), mx.recordio.IRHeader(0, [1.0, 2.5], 8, 0),
               mx.recordio.IRHeader(0, 9.0, 9, 0)]
    rec = mx.recordio.MXIndexedRecordIO('records.idx', 'records.rec', 'w')
    for header, payload in zip(headers, payloads):
        rec.write_idx(header.id, mx.recordio.pack(header, payload))
    rec.close()


def gluon_export():
    """A small Gluon network exported as MXNet 1.9 does (no loss head, __shape__
    with unknown 0 dimensions), its float16 copy, and MXNet's output on a
    fixed input."""
    import json
    from mxnet import gluon
    mx.random.seed(7)
    np.random.seed(7)
    net = gluon.nn.HybridSequential()
    with net.name_scope():
        net.add(gluon.nn.Conv2D(3, kernel_size=3, activation='relu'))
        net.add(gluon.nn.BatchNorm())
        net.add(gluon.nn.MaxPool2D(pool_size=2))
        net.add(gluon.nn.Dense(8, activation='relu'))
        net.add(gluon.nn.Dropout(0.5))
        net.add(gluon.nn.Dense(4))
    net.initialize(mx.init.Xavier())
    net.hybridize()
    x = mx.nd.array(np.random.uniform(0, 1, (2, 1, 8, 8)))
    net(x)
    # Moving statistics away from their initial 0 / 1, so inference uses them.
    for name, p in net.collect_params().items():
        if name.endswith('running_mean'):
            p.set_data(mx.nd.array(np.random.uniform(-0.5, 0.5, p.shape)))
        if name.endswith('running_var'):
            p.set_data(mx.nd.array(np.random.uniform(0.5, 2.0, p.shape)))
    scores = net(x)
    net.export('gluon-export', epoch=0)
    saved = mx.nd.load('gluon-export-0000.params')
    mx.nd.save('gluon-export-f16.params', {k: v.astype('float16') for k, v in saved.items()})
    with open('gluon-export-io.json', 'w') as f:
        json.dump({'input': x.asnumpy().ravel().tolist(), 'input_shape': list(x.shape),
                   'scores': scores.asnumpy().ravel().tolist(),
                   'probabilities': mx.nd.softmax(scores).asnumpy().ravel().tolist()}, f, indent=1)


if __name__ == '__main__':
    recordio()
    write('mlp', mlp)
    write('lenet', lenet)
    write('resnet20-28', resnet, [3, 3, 3], [16, 16, 32, 64], False, 10, 28)
    write('resnet50-224', resnet, [3, 4, 6, 3], [64, 256, 512, 1024, 2048], True, 1000, 224)
    write('alexnet', alexnet, 1000)
    write('vgg11', vgg, 1000, 11, False)
    write('vgg16', vgg, 1000, 16, False)
    write('vgg19-bn', vgg, 10, 19, True)
    write('mobilenet', mobilenet, 1000, 1.0, 224)
    write('mobilenet-0.25', mobilenet, 10, 0.25, 224)
    # A .params file MXNet wrote: two named arrays, float32 and float16.
    mx.nd.save('two-arrays.params', {'arg:w': mx.nd.array(np.arange(6).reshape(2, 3), dtype='float32'),
                                     'aux:m': mx.nd.array([0.5, -2.0], dtype='float16')})
    # float16 and float64 arrays, which fitbench converts to float32 on load.
    mx.nd.save('mixed-dtypes.params', {'arg:h': mx.nd.array([0.5, -2.0, 65504.0, 6e-8, 0.1], dtype='float16'),
                                       'arg:d': mx.nd.array([1.0 / 3.0, -1e30, 2.5], dtype='float64')})
    gluon_export()
    # Learning rates of MXNet's schedulers at chosen update counts.
    import json
    counts = [1, 2, 937, 938, 939, 940, 1875, 1876, 1877, 2000, 4690]
    out = {}
    sched = mx.lr_scheduler.MultiFactorScheduler(step=[938, 1876], factor=0.1, base_lr=0.05)
    out['multifactor'] = [sched(c) for c in counts]
    sched = mx.lr_scheduler.FactorScheduler(step=500, factor=0.5, base_lr=0.1)
    out['factor'] = [sched(c) for c in counts]
    sched = mx.lr_scheduler.PolyScheduler(max_update=4690, base_lr=0.1, pwr=2)
    out['poly'] = [sched(c) for c in counts]
    sched = mx.lr_scheduler.CosineScheduler(max_update=4690, base_lr=0.1, final_lr=0.001, warmup_steps=100,
                                            warmup_begin_lr=0.01)
    out['cosine_warmup'] = [sched(c) for c in counts]
    out['counts'] = counts
    with open('schedules.json', 'w') as f:
        json.dump(out, f, indent=1)
