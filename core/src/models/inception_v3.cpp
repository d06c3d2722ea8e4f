// symbols/inception-v3.py: Szegedy et al.'s Inception v3 for 299x299 images,
// without the auxiliary classifier. Every convolution is <name>_conv2d (no
// bias) -> <name>_batchnorm (fix_gamma) -> <name>_relu. Blocks are the file's
// Inception7A..E, named mixed, mixed_1 ... mixed_10; the closing 8x8 average
// pool needs the 299x299 input.
#include "models_internal.h"

namespace fitbench::models {

namespace {

struct Conv {
  int filters;
  int kernel_h = 1, kernel_w = 1;
  int stride = 1;
  int pad_h = 0, pad_w = 0;
};

Symbol conv(const Symbol& x, const std::string& name, const Conv& c) {
  Symbol y = Symbol::create("Convolution", name + "_conv2d", {x},
                            {{"num_filter", std::to_string(c.filters)},
                             {"kernel", pair(c.kernel_h, c.kernel_w)},
                             {"stride", pair(c.stride)},
                             {"pad", pair(c.pad_h, c.pad_w)},
                             {"no_bias", "True"}});
  y = Symbol::create("BatchNorm", name + "_batchnorm", {y}, {{"fix_gamma", "True"}});
  return Symbol::create("Activation", name + "_relu", {y}, {{"act_type", "relu"}});
}

Conv c1x1(int filters) { return {filters}; }
Conv c3x3(int filters, int stride, int pad) { return {filters, 3, 3, stride, pad, pad}; }
Conv c1x7(int filters) { return {filters, 1, 7, 1, 0, 3}; }
Conv c7x1(int filters) { return {filters, 7, 1, 1, 3, 0}; }
Conv c1x3(int filters) { return {filters, 1, 3, 1, 0, 1}; }
Conv c3x1(int filters) { return {filters, 3, 1, 1, 1, 0}; }

// The stride-1 3x3 pool that feeds a block's projection branch.
Symbol pool_same(const Symbol& x, const std::string& type, const std::string& name) {
  return Symbol::create("Pooling", type + "_pool_" + name + "_pool", {x},
                        {{"kernel", "(3, 3)"}, {"stride", "(1, 1)"}, {"pad", "(1, 1)"}, {"pool_type", type}});
}

Symbol concat(const std::string& name, const std::vector<Symbol>& parts) {
  return Symbol::create("Concat", "ch_concat_" + name + "_chconcat", parts,
                        {{"num_args", std::to_string(parts.size())}});
}

// 1x1; 1x1 -> 5x5; 1x1 -> 3x3 -> 3x3; pool -> 1x1.
Symbol block_a(const Symbol& x, int proj, const std::string& name) {
  const Symbol a = conv(x, name + "_conv", c1x1(64));
  Symbol b = conv(x, name + "_tower_conv", c1x1(48));
  b = conv(b, name + "_tower_conv_1", {64, 5, 5, 1, 2, 2});
  Symbol c = conv(x, name + "_tower_1_conv", c1x1(64));
  c = conv(c, name + "_tower_1_conv_1", c3x3(96, 1, 1));
  c = conv(c, name + "_tower_1_conv_2", c3x3(96, 1, 1));
  const Symbol d = conv(pool_same(x, "avg", name), name + "_tower_2_conv", c1x1(proj));
  return concat(name, {a, b, c, d});
}

// The first grid reduction: 3x3/2; 1x1 -> 3x3 -> 3x3/2; 3x3/2 max pool.
Symbol block_b(const Symbol& x, const std::string& name) {
  const Symbol a = conv(x, name + "_conv", c3x3(384, 2, 0));
  Symbol b = conv(x, name + "_tower_conv", c1x1(64));
  b = conv(b, name + "_tower_conv_1", c3x3(96, 1, 1));
  b = conv(b, name + "_tower_conv_2", c3x3(96, 2, 0));
  const Symbol p = Symbol::create("Pooling", "max_pool_" + name + "_pool", {x},
                                  {{"kernel", "(3, 3)"}, {"stride", "(2, 2)"}, {"pad", "(0, 0)"}, {"pool_type", "max"}});
  return concat(name, {a, b, p});
}

// Factorized 7x7: 1x1; 1x1 -> 1x7 -> 7x1; 1x1 -> 7x1 -> 1x7 -> 7x1 -> 1x7; pool -> 1x1.
Symbol block_c(const Symbol& x, int inner, const std::string& name) {
  const Symbol a = conv(x, name + "_conv", c1x1(192));
  Symbol b = conv(x, name + "_tower_conv", c1x1(inner));
  b = conv(b, name + "_tower_conv_1", c1x7(inner));
  b = conv(b, name + "_tower_conv_2", c7x1(192));
  Symbol c = conv(x, name + "_tower_1_conv", c1x1(inner));
  c = conv(c, name + "_tower_1_conv_1", c7x1(inner));
  c = conv(c, name + "_tower_1_conv_2", c1x7(inner));
  c = conv(c, name + "_tower_1_conv_3", c7x1(inner));
  c = conv(c, name + "_tower_1_conv_4", c1x7(192));
  const Symbol d = conv(pool_same(x, "avg", name), name + "_tower_2_conv", c1x1(192));
  return concat(name, {a, b, c, d});
}

// The second grid reduction: 1x1 -> 3x3/2; 1x1 -> 1x7 -> 7x1 -> 3x3/2; 3x3/2 max pool.
Symbol block_d(const Symbol& x, const std::string& name) {
  Symbol a = conv(x, name + "_tower_conv", c1x1(192));
  a = conv(a, name + "_tower_conv_1", c3x3(320, 2, 0));
  Symbol b = conv(x, name + "_tower_1_conv", c1x1(192));
  b = conv(b, name + "_tower_1_conv_1", c1x7(192));
  b = conv(b, name + "_tower_1_conv_2", c7x1(192));
  b = conv(b, name + "_tower_1_conv_3", c3x3(192, 2, 0));
  // No pad attribute here, unlike Inception7B's pool.
  const Symbol p = Symbol::create("Pooling", "max_pool_" + name + "_pool", {x},
                                  {{"kernel", "(3, 3)"}, {"stride", "(2, 2)"}, {"pool_type", "max"}});
  return concat(name, {a, b, p});
}

// Expanded filter bank: 1x1; 1x1 -> (1x3 | 3x1); 1x1 -> 3x3 -> (1x3 | 3x1); pool -> 1x1.
Symbol block_e(const Symbol& x, const std::string& pool_type, const std::string& name) {
  const Symbol a = conv(x, name + "_conv", c1x1(320));
  const Symbol b = conv(x, name + "_tower_conv", c1x1(384));
  const Symbol b1 = conv(b, name + "_tower_mixed_conv", c1x3(384));
  const Symbol b2 = conv(b, name + "_tower_mixed_conv_1", c3x1(384));
  Symbol c = conv(x, name + "_tower_1_conv", c1x1(448));
  c = conv(c, name + "_tower_1_conv_1", c3x3(384, 1, 1));
  const Symbol c1 = conv(c, name + "_tower_1_mixed_conv", c1x3(384));
  const Symbol c2 = conv(c, name + "_tower_1_mixed_conv_1", c3x1(384));
  const Symbol d = conv(pool_same(x, pool_type, name), name + "_tower_2_conv", c1x1(192));
  return concat(name, {a, b1, b2, c1, c2, d});
}

}  // namespace

Symbol inception_v3(const NetworkConfig& config) {
  Symbol x = Symbol::create("_copy", "id", {Symbol::variable("data")});
  x = conv(x, "conv", c3x3(32, 2, 0));
  x = conv(x, "conv_1", c3x3(32, 1, 0));
  x = conv(x, "conv_2", c3x3(64, 1, 1));
  x = Symbol::create("Pooling", "pool", {x}, {{"kernel", "(3, 3)"}, {"stride", "(2, 2)"}, {"pool_type", "max"}});
  x = conv(x, "conv_3", c1x1(80));
  x = conv(x, "conv_4", c3x3(192, 1, 0));
  x = Symbol::create("Pooling", "pool1", {x}, {{"kernel", "(3, 3)"}, {"stride", "(2, 2)"}, {"pool_type", "max"}});
  x = block_a(x, 32, "mixed");
  x = block_a(x, 64, "mixed_1");
  x = block_a(x, 64, "mixed_2");
  x = block_b(x, "mixed_3");
  x = block_c(x, 128, "mixed_4");
  x = block_c(x, 160, "mixed_5");
  x = block_c(x, 160, "mixed_6");
  x = block_c(x, 192, "mixed_7");
  x = block_d(x, "mixed_8");
  x = block_e(x, "avg", "mixed_9");
  x = block_e(x, "max", "mixed_10");
  x = Symbol::create("Pooling", "global_pool", {x}, {{"kernel", "(8, 8)"}, {"stride", "(1, 1)"}, {"pool_type", "avg"}});
  x = Symbol::create("Flatten", "flatten", {x});
  x = Symbol::create("FullyConnected", "fc1", {x}, {{"num_hidden", std::to_string(config.num_classes)}});
  return Symbol::create("SoftmaxOutput", "softmax", {x});
}

}  // namespace fitbench::models
