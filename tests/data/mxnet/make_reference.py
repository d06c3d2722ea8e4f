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


def googlenet(num_classes):
    # symbols/googlenet.py
    def conv(data, num_filter, kernel, stride=(1, 1), pad=(0, 0), name=None, suffix=''):
        c = mx.sym.Convolution(data=data, num_filter=num_filter, kernel=kernel, stride=stride, pad=pad,
                               name='conv_%s%s' % (name, suffix))
        return mx.sym.Activation(data=c, act_type='relu', name='relu_%s%s' % (name, suffix))

    def inception(data, n1x1, n3x3red, n3x3, nd5x5red, nd5x5, pool, proj, name):
        c1x1 = conv(data, n1x1, kernel=(1, 1), name='%s_1x1' % name)
        c3x3r = conv(data, n3x3red, kernel=(1, 1), name='%s_3x3' % name, suffix='_reduce')
        c3x3 = conv(c3x3r, n3x3, kernel=(3, 3), pad=(1, 1), name='%s_3x3' % name)
        cd5x5r = conv(data, nd5x5red, kernel=(1, 1), name='%s_5x5' % name, suffix='_reduce')
        cd5x5 = conv(cd5x5r, nd5x5, kernel=(5, 5), pad=(2, 2), name='%s_5x5' % name)
        pooling = mx.sym.Pooling(data=data, kernel=(3, 3), stride=(1, 1), pad=(1, 1), pool_type=pool,
                                 name='%s_pool_%s_pool' % (pool, name))
        cproj = conv(pooling, proj, kernel=(1, 1), name='%s_proj' % name)
        return mx.sym.Concat(*[c1x1, c3x3, cd5x5, cproj], name='ch_concat_%s_chconcat' % name)

    data = mx.sym.Variable("data")
    conv1 = conv(data, 64, kernel=(7, 7), stride=(2, 2), pad=(3, 3), name="conv1")
    pool1 = mx.sym.Pooling(conv1, kernel=(3, 3), stride=(2, 2), pool_type="max")
    conv2 = conv(pool1, 64, kernel=(1, 1), stride=(1, 1), name="conv2")
    conv3 = conv(conv2, 192, kernel=(3, 3), stride=(1, 1), pad=(1, 1), name="conv3")
    pool3 = mx.sym.Pooling(conv3, kernel=(3, 3), stride=(2, 2), pool_type="max")
    in3a = inception(pool3, 64, 96, 128, 16, 32, "max", 32, name="in3a")
    in3b = inception(in3a, 128, 128, 192, 32, 96, "max", 64, name="in3b")
    pool4 = mx.sym.Pooling(in3b, kernel=(3, 3), stride=(2, 2), pool_type="max")
    in4a = inception(pool4, 192, 96, 208, 16, 48, "max", 64, name="in4a")
    in4b = inception(in4a, 160, 112, 224, 24, 64, "max", 64, name="in4b")
    in4c = inception(in4b, 128, 128, 256, 24, 64, "max", 64, name="in4c")
    in4d = inception(in4c, 112, 144, 288, 32, 64, "max", 64, name="in4d")
    in4e = inception(in4d, 256, 160, 320, 32, 128, "max", 128, name="in4e")
    pool5 = mx.sym.Pooling(in4e, kernel=(3, 3), stride=(2, 2), pool_type="max")
    in5a = inception(pool5, 256, 160, 320, 32, 128, "max", 128, name="in5a")
    in5b = inception(in5a, 384, 192, 384, 48, 128, "max", 128, name="in5b")
    pool6 = mx.sym.Pooling(in5b, kernel=(7, 7), stride=(1, 1), pool_type="avg")
    flatten = mx.sym.Flatten(data=pool6)
    fc1 = mx.sym.FullyConnected(data=flatten, num_hidden=num_classes)
    return mx.sym.SoftmaxOutput(data=fc1, name='softmax')


def inception_bn(num_classes, height):
    # symbols/inception-bn.py
    eps = 1e-10 + 1e-5

    def conv(data, num_filter, kernel, stride=(1, 1), pad=(0, 0), name=None, suffix=''):
        c = mx.sym.Convolution(data=data, num_filter=num_filter, kernel=kernel, stride=stride, pad=pad,
                               name='conv_%s%s' % (name, suffix))
        bn = mx.sym.BatchNorm(data=c, fix_gamma=False, eps=eps, momentum=0.9, name='bn_%s%s' % (name, suffix))
        return mx.sym.Activation(data=bn, act_type='relu', name='relu_%s%s' % (name, suffix))

    def factory_a(data, n1x1, n3x3red, n3x3, nd3x3red, nd3x3, pool, proj, name):
        c1x1 = conv(data, n1x1, kernel=(1, 1), name='%s_1x1' % name)
        c3x3r = conv(data, n3x3red, kernel=(1, 1), name='%s_3x3' % name, suffix='_reduce')
        c3x3 = conv(c3x3r, n3x3, kernel=(3, 3), pad=(1, 1), name='%s_3x3' % name)
        cd3x3r = conv(data, nd3x3red, kernel=(1, 1), name='%s_double_3x3' % name, suffix='_reduce')
        cd3x3 = conv(cd3x3r, nd3x3, kernel=(3, 3), pad=(1, 1), name='%s_double_3x3_0' % name)
        cd3x3 = conv(cd3x3, nd3x3, kernel=(3, 3), pad=(1, 1), name='%s_double_3x3_1' % name)
        pooling = mx.sym.Pooling(data=data, kernel=(3, 3), stride=(1, 1), pad=(1, 1), pool_type=pool,
                                 name='%s_pool_%s_pool' % (pool, name))
        cproj = conv(pooling, proj, kernel=(1, 1), name='%s_proj' % name)
        return mx.sym.Concat(*[c1x1, c3x3, cd3x3, cproj], name='ch_concat_%s_chconcat' % name)

    def factory_b(data, n3x3red, n3x3, nd3x3red, nd3x3, name):
        c3x3r = conv(data, n3x3red, kernel=(1, 1), name='%s_3x3' % name, suffix='_reduce')
        c3x3 = conv(c3x3r, n3x3, kernel=(3, 3), pad=(1, 1), stride=(2, 2), name='%s_3x3' % name)
        cd3x3r = conv(data, nd3x3red, kernel=(1, 1), name='%s_double_3x3' % name, suffix='_reduce')
        cd3x3 = conv(cd3x3r, nd3x3, kernel=(3, 3), pad=(1, 1), stride=(1, 1), name='%s_double_3x3_0' % name)
        cd3x3 = conv(cd3x3, nd3x3, kernel=(3, 3), pad=(1, 1), stride=(2, 2), name='%s_double_3x3_1' % name)
        pooling = mx.sym.Pooling(data=data, kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type="max",
                                 name='max_pool_%s_pool' % name)
        return mx.sym.Concat(*[c3x3, cd3x3, pooling], name='ch_concat_%s_chconcat' % name)

    def downsample(data, ch_3x3, name):
        c = conv(data, ch_3x3, name=name + '_conv', kernel=(3, 3), stride=(2, 2), pad=(1, 1))
        pool = mx.sym.Pooling(data=data, name=name + '_pool', kernel=(3, 3), stride=(2, 2), pad=(1, 1),
                              pool_type='max')
        return mx.sym.Concat(*[c, pool], name=name + '_ch_concat')

    def simple(data, ch_1x1, ch_3x3, name):
        c1 = conv(data, ch_1x1, name=name + '_1x1', kernel=(1, 1), pad=(0, 0))
        c3 = conv(data, ch_3x3, name=name + '_3x3', kernel=(3, 3), pad=(1, 1))
        return mx.sym.Concat(*[c1, c3], name=name + '_ch_concat')

    data = mx.sym.Variable(name="data")
    if height <= 28:
        x = conv(data, 96, kernel=(3, 3), pad=(1, 1), name="1")
        x = simple(x, 32, 32, 'in3a')
        x = simple(x, 32, 48, 'in3b')
        x = downsample(x, 80, 'in3c')
        x = simple(x, 112, 48, 'in4a')
        x = simple(x, 96, 64, 'in4b')
        x = simple(x, 80, 80, 'in4c')
        x = simple(x, 48, 96, 'in4d')
        x = downsample(x, 96, 'in4e')
        x = simple(x, 176, 160, 'in5a')
        x = simple(x, 176, 160, 'in5b')
        pool = mx.sym.Pooling(data=x, pool_type="avg", kernel=(7, 7), name="global_pool")
    else:
        x = conv(data, 64, kernel=(7, 7), stride=(2, 2), pad=(3, 3), name='1')
        x = mx.sym.Pooling(data=x, kernel=(3, 3), stride=(2, 2), name='pool_1', pool_type='max')
        x = conv(x, 64, kernel=(1, 1), stride=(1, 1), name='2_red')
        x = conv(x, 192, kernel=(3, 3), stride=(1, 1), pad=(1, 1), name='2')
        x = mx.sym.Pooling(data=x, kernel=(3, 3), stride=(2, 2), name='pool_2', pool_type='max')
        x = factory_a(x, 64, 64, 64, 64, 96, "avg", 32, '3a')
        x = factory_a(x, 64, 64, 96, 64, 96, "avg", 64, '3b')
        x = factory_b(x, 128, 160, 64, 96, '3c')
        x = factory_a(x, 224, 64, 96, 96, 128, "avg", 128, '4a')
        x = factory_a(x, 192, 96, 128, 96, 128, "avg", 128, '4b')
        x = factory_a(x, 160, 128, 160, 128, 160, "avg", 128, '4c')
        x = factory_a(x, 96, 128, 192, 160, 192, "avg", 128, '4d')
        x = factory_b(x, 128, 192, 192, 256, '4e')
        x = factory_a(x, 352, 192, 320, 160, 224, "avg", 128, '5a')
        x = factory_a(x, 352, 192, 320, 192, 224, "max", 128, '5b')
        pool = mx.sym.Pooling(data=x, kernel=(7, 7), stride=(1, 1), name="global_pool", pool_type='avg')
    flatten = mx.sym.Flatten(data=pool)
    fc1 = mx.sym.FullyConnected(data=flatten, num_hidden=num_classes)
    return mx.sym.SoftmaxOutput(data=fc1, name='softmax')


def inception_v3(num_classes):
    # symbols/inception-v3.py (float32)
    def conv(data, num_filter, kernel=(1, 1), stride=(1, 1), pad=(0, 0), name=None, suffix=''):
        c = mx.sym.Convolution(data=data, num_filter=num_filter, kernel=kernel, stride=stride, pad=pad,
                               no_bias=True, name='%s%s_conv2d' % (name, suffix))
        bn = mx.sym.BatchNorm(data=c, name='%s%s_batchnorm' % (name, suffix), fix_gamma=True)
        return mx.sym.Activation(data=bn, act_type='relu', name='%s%s_relu' % (name, suffix))

    def block_a(data, n1x1, n3x3_red, n3x3_1, n3x3_2, n5x5_red, n5x5, pool, proj, name):
        t1 = conv(data, n1x1, name='%s_conv' % name)
        t5 = conv(data, n5x5_red, name='%s_tower' % name, suffix='_conv')
        t5 = conv(t5, n5x5, kernel=(5, 5), pad=(2, 2), name='%s_tower' % name, suffix='_conv_1')
        t3 = conv(data, n3x3_red, name='%s_tower_1' % name, suffix='_conv')
        t3 = conv(t3, n3x3_1, kernel=(3, 3), pad=(1, 1), name='%s_tower_1' % name, suffix='_conv_1')
        t3 = conv(t3, n3x3_2, kernel=(3, 3), pad=(1, 1), name='%s_tower_1' % name, suffix='_conv_2')
        pooling = mx.sym.Pooling(data=data, kernel=(3, 3), stride=(1, 1), pad=(1, 1), pool_type=pool,
                                 name='%s_pool_%s_pool' % (pool, name))
        cproj = conv(pooling, proj, name='%s_tower_2' % name, suffix='_conv')
        return mx.sym.Concat(*[t1, t5, t3, cproj], name='ch_concat_%s_chconcat' % name)

    def block_b(data, n3x3, nd3x3_red, nd3x3_1, nd3x3_2, pool, name):
        t3 = conv(data, n3x3, kernel=(3, 3), pad=(0, 0), stride=(2, 2), name='%s_conv' % name)
        td = conv(data, nd3x3_red, name='%s_tower' % name, suffix='_conv')
        td = conv(td, nd3x3_1, kernel=(3, 3), pad=(1, 1), stride=(1, 1), name='%s_tower' % name, suffix='_conv_1')
        td = conv(td, nd3x3_2, kernel=(3, 3), pad=(0, 0), stride=(2, 2), name='%s_tower' % name, suffix='_conv_2')
        pooling = mx.sym.Pooling(data=data, kernel=(3, 3), stride=(2, 2), pad=(0, 0), pool_type="max",
                                 name='max_pool_%s_pool' % name)
        return mx.sym.Concat(*[t3, td, pooling], name='ch_concat_%s_chconcat' % name)

    def block_c(data, n1x1, d7_red, d7_1, d7_2, q7_red, q7_1, q7_2, q7_3, q7_4, pool, proj, name):
        t1 = conv(data, n1x1, kernel=(1, 1), name='%s_conv' % name)
        td = conv(data, d7_red, name='%s_tower' % name, suffix='_conv')
        td = conv(td, d7_1, kernel=(1, 7), pad=(0, 3), name='%s_tower' % name, suffix='_conv_1')
        td = conv(td, d7_2, kernel=(7, 1), pad=(3, 0), name='%s_tower' % name, suffix='_conv_2')
        tq = conv(data, q7_red, name='%s_tower_1' % name, suffix='_conv')
        tq = conv(tq, q7_1, kernel=(7, 1), pad=(3, 0), name='%s_tower_1' % name, suffix='_conv_1')
        tq = conv(tq, q7_2, kernel=(1, 7), pad=(0, 3), name='%s_tower_1' % name, suffix='_conv_2')
        tq = conv(tq, q7_3, kernel=(7, 1), pad=(3, 0), name='%s_tower_1' % name, suffix='_conv_3')
        tq = conv(tq, q7_4, kernel=(1, 7), pad=(0, 3), name='%s_tower_1' % name, suffix='_conv_4')
        pooling = mx.sym.Pooling(data=data, kernel=(3, 3), stride=(1, 1), pad=(1, 1), pool_type=pool,
                                 name='%s_pool_%s_pool' % (pool, name))
        cproj = conv(pooling, proj, kernel=(1, 1), name='%s_tower_2' % name, suffix='_conv')
        return mx.sym.Concat(*[t1, td, tq, cproj], name='ch_concat_%s_chconcat' % name)

    def block_d(data, n3x3_red, n3x3, d7_3x3_red, d7_1, d7_2, d7_3x3, pool, name):
        t3 = conv(data, n3x3_red, name='%s_tower' % name, suffix='_conv')
        t3 = conv(t3, n3x3, kernel=(3, 3), pad=(0, 0), stride=(2, 2), name='%s_tower' % name, suffix='_conv_1')
        td = conv(data, d7_3x3_red, name='%s_tower_1' % name, suffix='_conv')
        td = conv(td, d7_1, kernel=(1, 7), pad=(0, 3), name='%s_tower_1' % name, suffix='_conv_1')
        td = conv(td, d7_2, kernel=(7, 1), pad=(3, 0), name='%s_tower_1' % name, suffix='_conv_2')
        td = conv(td, d7_3x3, kernel=(3, 3), stride=(2, 2), name='%s_tower_1' % name, suffix='_conv_3')
        pooling = mx.sym.Pooling(data=data, kernel=(3, 3), stride=(2, 2), pool_type=pool,
                                 name='%s_pool_%s_pool' % (pool, name))
        return mx.sym.Concat(*[t3, td, pooling], name='ch_concat_%s_chconcat' % name)

    def block_e(data, n1x1, d3_red, d3_1, d3_2, n3x3_d3_red, n3x3, n3x3_d3_1, n3x3_d3_2, pool, proj, name):
        t1 = conv(data, n1x1, kernel=(1, 1), name='%s_conv' % name)
        td = conv(data, d3_red, name='%s_tower' % name, suffix='_conv')
        td_a = conv(td, d3_1, kernel=(1, 3), pad=(0, 1), name='%s_tower' % name, suffix='_mixed_conv')
        td_b = conv(td, d3_2, kernel=(3, 1), pad=(1, 0), name='%s_tower' % name, suffix='_mixed_conv_1')
        t3 = conv(data, n3x3_d3_red, name='%s_tower_1' % name, suffix='_conv')
        t3 = conv(t3, n3x3, kernel=(3, 3), pad=(1, 1), name='%s_tower_1' % name, suffix='_conv_1')
        t3_a = conv(t3, n3x3_d3_1, kernel=(1, 3), pad=(0, 1), name='%s_tower_1' % name, suffix='_mixed_conv')
        t3_b = conv(t3, n3x3_d3_2, kernel=(3, 1), pad=(1, 0), name='%s_tower_1' % name, suffix='_mixed_conv_1')
        pooling = mx.sym.Pooling(data=data, kernel=(3, 3), stride=(1, 1), pad=(1, 1), pool_type=pool,
                                 name='%s_pool_%s_pool' % (pool, name))
        cproj = conv(pooling, proj, kernel=(1, 1), name='%s_tower_2' % name, suffix='_conv')
        return mx.sym.Concat(*[t1, td_a, td_b, t3_a, t3_b, cproj], name='ch_concat_%s_chconcat' % name)

    data = mx.sym.Variable(name="data")
    data = mx.sym.identity(data=data, name='id')
    x = conv(data, 32, kernel=(3, 3), stride=(2, 2), name="conv")
    x = conv(x, 32, kernel=(3, 3), name="conv_1")
    x = conv(x, 64, kernel=(3, 3), pad=(1, 1), name="conv_2")
    x = mx.sym.Pooling(data=x, kernel=(3, 3), stride=(2, 2), pool_type="max", name="pool")
    x = conv(x, 80, kernel=(1, 1), name="conv_3")
    x = conv(x, 192, kernel=(3, 3), name="conv_4")
    x = mx.sym.Pooling(data=x, kernel=(3, 3), stride=(2, 2), pool_type="max", name="pool1")
    x = block_a(x, 64, 64, 96, 96, 48, 64, "avg", 32, "mixed")
    x = block_a(x, 64, 64, 96, 96, 48, 64, "avg", 64, "mixed_1")
    x = block_a(x, 64, 64, 96, 96, 48, 64, "avg", 64, "mixed_2")
    x = block_b(x, 384, 64, 96, 96, "max", "mixed_3")
    x = block_c(x, 192, 128, 128, 192, 128, 128, 128, 128, 192, "avg", 192, "mixed_4")
    x = block_c(x, 192, 160, 160, 192, 160, 160, 160, 160, 192, "avg", 192, "mixed_5")
    x = block_c(x, 192, 160, 160, 192, 160, 160, 160, 160, 192, "avg", 192, "mixed_6")
    x = block_c(x, 192, 192, 192, 192, 192, 192, 192, 192, 192, "avg", 192, "mixed_7")
    x = block_d(x, 192, 320, 192, 192, 192, 192, "max", "mixed_8")
    x = block_e(x, 320, 384, 384, 384, 448, 384, 384, 384, "avg", 192, "mixed_9")
    x = block_e(x, 320, 384, 384, 384, 448, 384, 384, 384, "max", 192, "mixed_10")
    pool = mx.sym.Pooling(data=x, kernel=(8, 8), stride=(1, 1), pool_type="avg", name="global_pool")
    flatten = mx.sym.Flatten(data=pool, name="flatten")
    fc1 = mx.sym.FullyConnected(data=flatten, num_hidden=num_classes, name='fc1')
    return mx.sym.SoftmaxOutput(data=fc1, name='softmax')


def mobilenetv2(num_classes, multiplier):
    # symbols/mobilenetv2.py: MobileNetV2((224, 224), multiplier)(class_num=num_classes)
    def unit(data, num_filter=1, kernel=(1, 1), stride=(1, 1), pad=(0, 0), num_group=1, if_act=True, prefix=''):
        c = mx.sym.Convolution(data=data, num_filter=num_filter, kernel=kernel, num_group=num_group, stride=stride,
                               pad=pad, no_bias=True, name='%s-conv2d' % prefix)
        bn = mx.sym.BatchNorm(data=c, name='%s-batchnorm' % prefix, fix_gamma=False, use_global_stats=False,
                              eps=1e-5)
        return mx.sym.clip(bn, 0, 6, name='%s-relu6' % prefix) if if_act else bn

    def inverted_residual(data, num_in_filter, num_filter, ifshortcut, stride, expansion_factor, prefix):
        num_expfilter = int(round(num_in_filter * expansion_factor))
        x = unit(data, num_filter=num_expfilter, prefix='%s-exp' % prefix)
        x = unit(x, num_filter=num_expfilter, stride=stride, kernel=(3, 3), pad=(1, 1), num_group=num_expfilter,
                 prefix='%s-depthwise' % prefix)
        x = unit(x, num_filter=num_filter, if_act=False, prefix='%s-linear' % prefix)
        if ifshortcut:
            return mx.sym.elemwise_add(data, x, name='%s-shortcut' % prefix)
        return x

    data = mx.sym.Variable('data')
    first_c = int(round(32 * multiplier))
    x = unit(data, num_filter=first_c, kernel=(3, 3), stride=(2, 2), pad=(1, 1), prefix='first-3x3-conv')
    in_c = first_c
    for i, (t, c, n, s) in enumerate([(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                                      (6, 160, 3, 2), (6, 320, 1, 1)]):
        c = int(round(c * multiplier))
        x = inverted_residual(x, in_c, c, False, (s, s), t, 'seq-%d-block0' % i)
        for j in range(1, n):
            x = inverted_residual(x, c, c, True, (1, 1), t, 'seq-%d-block%d' % (i, j))
        in_c = c
    x = unit(x, num_filter=int(1280 * multiplier) if multiplier > 1.0 else 1280, prefix='last-1x1-conv')
    pool = mx.sym.Pooling(data=x, kernel=(7, 7), stride=(1, 1), pool_type="avg", name="global_pool",
                          global_pool=True)
    flatten = mx.sym.Flatten(data=pool, name="flatten")
    fc = mx.sym.FullyConnected(data=flatten, num_hidden=num_classes, name='fc')
    return mx.sym.SoftmaxOutput(data=fc, name='softmax')


def resnet_v1_unit(data, num_filter, stride, dim_match, name, bottle_neck):
    # symbols/resnet-v1.py residual_unit
    def conv_bn(x, num_filter, kernel, stride, pad, suffix):
        c = mx.sym.Convolution(data=x, num_filter=num_filter, kernel=kernel, stride=stride, pad=pad, no_bias=True,
                               workspace=256, name=name + '_conv' + suffix)
        return mx.sym.BatchNorm(data=c, fix_gamma=False, eps=2e-5, momentum=0.9, name=name + '_bn' + suffix)
    if bottle_neck:
        x = mx.sym.Activation(data=conv_bn(data, int(num_filter * 0.25), (1, 1), stride, (0, 0), '1'),
                              act_type='relu', name=name + '_relu1')
        x = mx.sym.Activation(data=conv_bn(x, int(num_filter * 0.25), (3, 3), (1, 1), (1, 1), '2'),
                              act_type='relu', name=name + '_relu2')
        body = conv_bn(x, num_filter, (1, 1), (1, 1), (0, 0), '3')
    else:
        x = mx.sym.Activation(data=conv_bn(data, num_filter, (3, 3), stride, (1, 1), '1'), act_type='relu',
                              name=name + '_relu1')
        body = conv_bn(x, num_filter, (3, 3), (1, 1), (1, 1), '2')
    if dim_match:
        shortcut = data
    else:
        sc = mx.sym.Convolution(data=data, num_filter=num_filter, kernel=(1, 1), stride=stride, no_bias=True,
                                workspace=256, name=name + '_conv1sc')
        shortcut = mx.sym.BatchNorm(data=sc, fix_gamma=False, eps=2e-5, momentum=0.9, name=name + '_sc')
    return mx.sym.Activation(data=body + shortcut, act_type='relu', name=name + '_relu3')


def resnext_unit(data, num_filter, stride, dim_match, name, bottle_neck, num_group=32):
    # symbols/resnext.py residual_unit
    def conv_bn(x, num_filter, kernel, stride, pad, suffix, **kwargs):
        c = mx.sym.Convolution(data=x, num_filter=num_filter, kernel=kernel, stride=stride, pad=pad, no_bias=True,
                               workspace=256, name=name + '_conv' + suffix, **kwargs)
        return mx.sym.BatchNorm(data=c, fix_gamma=False, eps=2e-5, momentum=0.9, name=name + '_bn' + suffix)
    if bottle_neck:
        x = mx.sym.Activation(data=conv_bn(data, int(num_filter * 0.5), (1, 1), (1, 1), (0, 0), '1'),
                              act_type='relu', name=name + '_relu1')
        x = mx.sym.Activation(data=conv_bn(x, int(num_filter * 0.5), (3, 3), stride, (1, 1), '2',
                                           num_group=num_group), act_type='relu', name=name + '_relu2')
        body = conv_bn(x, num_filter, (1, 1), (1, 1), (0, 0), '3')
    else:
        x = mx.sym.Activation(data=conv_bn(data, num_filter, (3, 3), stride, (1, 1), '1'), act_type='relu',
                              name=name + '_relu1')
        body = conv_bn(x, num_filter, (3, 3), (1, 1), (1, 1), '2')
    if dim_match:
        shortcut = data
    else:
        sc = mx.sym.Convolution(data=data, num_filter=num_filter, kernel=(1, 1), stride=stride, no_bias=True,
                                workspace=256, name=name + '_sc')
        shortcut = mx.sym.BatchNorm(data=sc, fix_gamma=False, eps=2e-5, momentum=0.9, name=name + '_sc_bn')
    return mx.sym.Activation(data=body + shortcut, act_type='relu', name=name + '_relu')


def residual_network(unit, units, filter_list, bottle_neck, num_classes, height, input_bn):
    # resnet-v1.py resnet() (input_bn False) and resnext.py resnext() (True), float32
    data = mx.sym.Variable(name='data')
    data = mx.sym.identity(data=data, name='id')
    if input_bn:
        data = mx.sym.BatchNorm(data=data, fix_gamma=True, eps=2e-5, momentum=0.9, name='bn_data')
    if height <= 32:
        body = mx.sym.Convolution(data=data, num_filter=filter_list[0], kernel=(3, 3), stride=(1, 1), pad=(1, 1),
                                  no_bias=True, name="conv0", workspace=256)
        if not input_bn:
            body = mx.sym.BatchNorm(data=body, fix_gamma=False, eps=2e-5, momentum=0.9, name='bn0')
    else:
        body = mx.sym.Convolution(data=data, num_filter=filter_list[0], kernel=(7, 7), stride=(2, 2), pad=(3, 3),
                                  no_bias=True, name="conv0", workspace=256)
        body = mx.sym.BatchNorm(data=body, fix_gamma=False, eps=2e-5, momentum=0.9, name='bn0')
        body = mx.sym.Activation(data=body, act_type='relu', name='relu0')
        body = mx.sym.Pooling(data=body, kernel=(3, 3), stride=(2, 2), pad=(1, 1), pool_type='max')
    for i, n in enumerate(units):
        s = 1 if i == 0 else 2
        body = unit(body, filter_list[i + 1], (s, s), False, 'stage%d_unit%d' % (i + 1, 1), bottle_neck)
        for j in range(n - 1):
            body = unit(body, filter_list[i + 1], (1, 1), True, 'stage%d_unit%d' % (i + 1, j + 2), bottle_neck)
    pool1 = mx.sym.Pooling(data=body, global_pool=True, kernel=(7, 7), pool_type='avg', name='pool1')
    flat = mx.sym.Flatten(data=pool1)
    fc1 = mx.sym.FullyConnected(data=flat, num_hidden=num_classes, name='fc1')
    return mx.sym.SoftmaxOutput(data=fc1, name='softmax')


def write(name, build, *args):
    # A fresh NameManager per network: automatic names count from 0 again.
    with mx.name.NameManager():
        sym = build(*args)
    with open(name + '-symbol.json', 'w') as f:
        f.write(sym.tojson())


def write_gz(name, build, *args):
    # As write(), gzip-compressed with a fixed header (mtime 0) so the bytes
    # repeat: the larger networks' JSON is highly repetitive.
    import gzip
    with mx.name.NameManager():
        sym = build(*args)
    with open(name + '-symbol.json.gz', 'wb') as raw, gzip.GzipFile('', 'wb', 9, raw, mtime=0) as f:
        f.write(sym.tojson().encode())


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
    write_gz('googlenet', googlenet, 1000)
    write_gz('inception-bn-28', inception_bn, 10, 28)
    write_gz('inception-bn-224', inception_bn, 1000, 224)
    write_gz('inception-v3', inception_v3, 1000)
    write_gz('mobilenetv2-0.35', mobilenetv2, 10, 0.35)
    write_gz('resnet-v1-20-28', residual_network, resnet_v1_unit, [3, 3, 3], [16, 16, 32, 64], False, 10, 28, False)
    write_gz('resnet-v1-50-224', residual_network, resnet_v1_unit, [3, 4, 6, 3], [64, 256, 512, 1024, 2048], True,
             1000, 224, False)
    write_gz('resnext-20-32', residual_network, resnext_unit, [3, 3, 3], [16, 16, 32, 64], False, 10, 32, True)
    write_gz('resnext-50-224', residual_network, resnext_unit, [3, 4, 6, 3], [64, 256, 512, 1024, 2048], True, 1000,
             224, True)
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
