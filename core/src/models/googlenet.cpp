// symbols/googlenet.py: Szegedy et al.'s GoogLeNet (Inception v1) without the
// auxiliary classifiers or batch norm. Every convolution is conv_<name> with
// a bias and relu_<name>; an inception block concatenates a 1x1, a 1x1->3x3,
// a 1x1->5x5 and a 3x3 pool->1x1 projection branch. The stem's pools, the
// classifier and the flatten keep MXNet's automatic names. The pools round
// down, so the closing 7x7 average pool fits a 7x7 map from images of about
// 256x256; at 224x224 the map is 6x6 and shape inference fails, as in MXNet.
#include "models_internal.h"

namespace fitbench::models {

namespace {

Symbol conv_relu(const Symbol& x, const std::string& name, int filters, int kernel, int stride = 1, int pad = 0) {
  const Symbol conv = Symbol::create("Convolution", "conv_" + name, {x},
                                     {{"num_filter", std::to_string(filters)},
                                      {"kernel", pair(kernel)},
                                      {"stride", pair(stride)},
                                      {"pad", pair(pad)}});
  return Symbol::create("Activation", "relu_" + name, {conv}, {{"act_type", "relu"}});
}

// Filters of the four branches: 1x1; 3x3 after its 1x1 reduction; 5x5 after
// its reduction; the projection after a 3x3/1 max pool.
struct Inception {
  int c1x1, c3x3_reduce, c3x3, c5x5_reduce, c5x5, proj;
};

Symbol inception(const Symbol& x, const Inception& f, const std::string& name) {
  const Symbol c1 = conv_relu(x, name + "_1x1", f.c1x1, 1);
  const Symbol c3 = conv_relu(conv_relu(x, name + "_3x3_reduce", f.c3x3_reduce, 1), name + "_3x3", f.c3x3, 3, 1, 1);
  const Symbol c5 = conv_relu(conv_relu(x, name + "_5x5_reduce", f.c5x5_reduce, 1), name + "_5x5", f.c5x5, 5, 1, 2);
  const Symbol pool = Symbol::create("Pooling", "max_pool_" + name + "_pool", {x},
                                     {{"kernel", "(3, 3)"}, {"stride", "(1, 1)"}, {"pad", "(1, 1)"}, {"pool_type", "max"}});
  const Symbol proj = conv_relu(pool, name + "_proj", f.proj, 1);
  return Symbol::create("Concat", "ch_concat_" + name + "_chconcat", {c1, c3, c5, proj}, {{"num_args", "4"}});
}

Symbol max_pool(const Symbol& x) {
  return Symbol::create("Pooling", "", {x}, {{"kernel", "(3, 3)"}, {"stride", "(2, 2)"}, {"pool_type", "max"}});
}

}  // namespace

Symbol googlenet(const NetworkConfig& config) {
  Symbol x = conv_relu(Symbol::variable("data"), "conv1", 64, 7, 2, 3);
  x = max_pool(x);
  x = conv_relu(x, "conv2", 64, 1);
  x = conv_relu(x, "conv3", 192, 3, 1, 1);
  x = max_pool(x);
  x = inception(x, {64, 96, 128, 16, 32, 32}, "in3a");
  x = inception(x, {128, 128, 192, 32, 96, 64}, "in3b");
  x = max_pool(x);
  x = inception(x, {192, 96, 208, 16, 48, 64}, "in4a");
  x = inception(x, {160, 112, 224, 24, 64, 64}, "in4b");
  x = inception(x, {128, 128, 256, 24, 64, 64}, "in4c");
  x = inception(x, {112, 144, 288, 32, 64, 64}, "in4d");
  x = inception(x, {256, 160, 320, 32, 128, 128}, "in4e");
  x = max_pool(x);
  x = inception(x, {256, 160, 320, 32, 128, 128}, "in5a");
  x = inception(x, {384, 192, 384, 48, 128, 128}, "in5b");
  x = Symbol::create("Pooling", "", {x}, {{"kernel", "(7, 7)"}, {"stride", "(1, 1)"}, {"pool_type", "avg"}});
  x = Symbol::create("Flatten", "", {x});
  x = Symbol::create("FullyConnected", "", {x}, {{"num_hidden", std::to_string(config.num_classes)}});
  return Symbol::create("SoftmaxOutput", "softmax", {x});
}

}  // namespace fitbench::models
