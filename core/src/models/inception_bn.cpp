// symbols/inception-bn.py: Ioffe & Szegedy's Inception with batch
// normalization. Every convolution is conv_<name> -> bn_<name> (eps 1e-10 +
// 1e-5, learned gamma) -> relu_<name>. Images of height <= 28 get the file's
// small network (SimpleFactory / DownsampleFactory blocks, 96 stem filters);
// larger ones the 224x224 network with its 3x3 and double-3x3 branches.
#include "models_internal.h"

namespace fitbench::models {

namespace {

// Python's repr of 1e-10 + 1e-5, as MXNet writes the attribute.
constexpr const char* kEps = "1.0000100000000001e-05";

Symbol conv_bn_relu(const Symbol& x, const std::string& name, int filters, int kernel, int stride = 1, int pad = 0) {
  Symbol y = Symbol::create("Convolution", "conv_" + name, {x},
                            {{"num_filter", std::to_string(filters)},
                             {"kernel", pair(kernel)},
                             {"stride", pair(stride)},
                             {"pad", pair(pad)}});
  y = Symbol::create("BatchNorm", "bn_" + name, {y}, {{"fix_gamma", "False"}, {"eps", kEps}, {"momentum", "0.9"}});
  return Symbol::create("Activation", "relu_" + name, {y}, {{"act_type", "relu"}});
}

Symbol pool(const Symbol& x, const std::string& name, const std::string& type, int stride) {
  return Symbol::create("Pooling", name, {x},
                        {{"kernel", "(3, 3)"}, {"stride", pair(stride)}, {"pad", "(1, 1)"}, {"pool_type", type}});
}

Symbol concat(const std::string& name, const std::vector<Symbol>& parts) {
  return Symbol::create("Concat", name, parts, {{"num_args", std::to_string(parts.size())}});
}

// InceptionFactoryA: 1x1; 1x1 -> 3x3; 1x1 -> 3x3 -> 3x3; 3x3 pool -> 1x1 projection.
Symbol inception_a(const Symbol& x, int c1x1, int c3x3_reduce, int c3x3, int d3x3_reduce, int d3x3,
                   const std::string& pool_type, int proj, const std::string& name) {
  const Symbol a = conv_bn_relu(x, name + "_1x1", c1x1, 1);
  Symbol b = conv_bn_relu(x, name + "_3x3_reduce", c3x3_reduce, 1);
  b = conv_bn_relu(b, name + "_3x3", c3x3, 3, 1, 1);
  Symbol c = conv_bn_relu(x, name + "_double_3x3_reduce", d3x3_reduce, 1);
  c = conv_bn_relu(c, name + "_double_3x3_0", d3x3, 3, 1, 1);
  c = conv_bn_relu(c, name + "_double_3x3_1", d3x3, 3, 1, 1);
  const Symbol p = pool(x, pool_type + "_pool_" + name + "_pool", pool_type, 1);
  const Symbol d = conv_bn_relu(p, name + "_proj", proj, 1);
  return concat("ch_concat_" + name + "_chconcat", {a, b, c, d});
}

// InceptionFactoryB, the stride-2 block: 1x1 -> 3x3/2; 1x1 -> 3x3 -> 3x3/2; 3x3/2 max pool.
Symbol inception_b(const Symbol& x, int c3x3_reduce, int c3x3, int d3x3_reduce, int d3x3, const std::string& name) {
  Symbol b = conv_bn_relu(x, name + "_3x3_reduce", c3x3_reduce, 1);
  b = conv_bn_relu(b, name + "_3x3", c3x3, 3, 2, 1);
  Symbol c = conv_bn_relu(x, name + "_double_3x3_reduce", d3x3_reduce, 1);
  c = conv_bn_relu(c, name + "_double_3x3_0", d3x3, 3, 1, 1);
  c = conv_bn_relu(c, name + "_double_3x3_1", d3x3, 3, 2, 1);
  const Symbol p = pool(x, "max_pool_" + name + "_pool", "max", 2);
  return concat("ch_concat_" + name + "_chconcat", {b, c, p});
}

// SimpleFactory: a 1x1 and a 3x3 convolution side by side.
Symbol simple(const Symbol& x, int c1x1, int c3x3, const std::string& name) {
  const Symbol a = conv_bn_relu(x, name + "_1x1", c1x1, 1);
  const Symbol b = conv_bn_relu(x, name + "_3x3", c3x3, 3, 1, 1);
  return concat(name + "_ch_concat", {a, b});
}

// DownsampleFactory: a 3x3/2 convolution next to a 3x3/2 max pool.
Symbol downsample(const Symbol& x, int c3x3, const std::string& name) {
  const Symbol a = conv_bn_relu(x, name + "_conv", c3x3, 3, 2, 1);
  const Symbol b = pool(x, name + "_pool", "max", 2);
  return concat(name + "_ch_concat", {a, b});
}

Symbol small_network(const Symbol& data) {
  Symbol x = conv_bn_relu(data, "1", 96, 3, 1, 1);
  x = simple(x, 32, 32, "in3a");
  x = simple(x, 32, 48, "in3b");
  x = downsample(x, 80, "in3c");
  x = simple(x, 112, 48, "in4a");
  x = simple(x, 96, 64, "in4b");
  x = simple(x, 80, 80, "in4c");
  x = simple(x, 48, 96, "in4d");
  x = downsample(x, 96, "in4e");
  x = simple(x, 176, 160, "in5a");
  x = simple(x, 176, 160, "in5b");
  return Symbol::create("Pooling", "global_pool", {x}, {{"pool_type", "avg"}, {"kernel", "(7, 7)"}});
}

Symbol large_network(const Symbol& data) {
  Symbol x = conv_bn_relu(data, "1", 64, 7, 2, 3);
  x = Symbol::create("Pooling", "pool_1", {x}, {{"kernel", "(3, 3)"}, {"stride", "(2, 2)"}, {"pool_type", "max"}});
  x = conv_bn_relu(x, "2_red", 64, 1);
  x = conv_bn_relu(x, "2", 192, 3, 1, 1);
  x = Symbol::create("Pooling", "pool_2", {x}, {{"kernel", "(3, 3)"}, {"stride", "(2, 2)"}, {"pool_type", "max"}});
  x = inception_a(x, 64, 64, 64, 64, 96, "avg", 32, "3a");
  x = inception_a(x, 64, 64, 96, 64, 96, "avg", 64, "3b");
  x = inception_b(x, 128, 160, 64, 96, "3c");
  x = inception_a(x, 224, 64, 96, 96, 128, "avg", 128, "4a");
  x = inception_a(x, 192, 96, 128, 96, 128, "avg", 128, "4b");
  x = inception_a(x, 160, 128, 160, 128, 160, "avg", 128, "4c");
  x = inception_a(x, 96, 128, 192, 160, 192, "avg", 128, "4d");
  x = inception_b(x, 128, 192, 192, 256, "4e");
  x = inception_a(x, 352, 192, 320, 160, 224, "avg", 128, "5a");
  x = inception_a(x, 352, 192, 320, 192, 224, "max", 128, "5b");
  return Symbol::create("Pooling", "global_pool", {x},
                        {{"kernel", "(7, 7)"}, {"stride", "(1, 1)"}, {"pool_type", "avg"}});
}

}  // namespace

Symbol inception_bn(const NetworkConfig& config) {
  if (config.image_shape.size() != 3) fail_setting("image_shape", "inception-bn needs a shape C,H,W");
  const Symbol data = Symbol::variable("data");
  Symbol x = config.image_shape[1] <= 28 ? small_network(data) : large_network(data);
  x = Symbol::create("Flatten", "", {x});
  x = Symbol::create("FullyConnected", "", {x}, {{"num_hidden", std::to_string(config.num_classes)}});
  return Symbol::create("SoftmaxOutput", "softmax", {x});
}

}  // namespace fitbench::models
