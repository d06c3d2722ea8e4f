// symbols/mobilenetv2.py: Sandler et al.'s MobileNetV2. Inverted residual
// units expand with a 1x1 convolution (even where the expansion factor is 1,
// unlike the paper's and torchvision's), filter depthwise with a 3x3 one and
// project linearly with a 1x1 one; units after the first of a sequence add
// their input back. Each convolution has no bias and is followed by a
// BatchNorm (eps 1e-5) and, except the projection, relu6 = clip(x, 0, 6).
// Names are <prefix>-conv2d / -batchnorm / -relu6 with prefixes
// first-3x3-conv, seq-<i>-block<j>-{exp,depthwise,linear}, last-1x1-conv.
// Channels are round(c * multiplier) as Python rounds (half to even); the
// last convolution keeps 1280 unless the multiplier is above 1. The average
// pool is global, so any image of at least 32x32 works.
#include <cmath>
#include <iterator>

#include "models_internal.h"

namespace fitbench::models {

namespace {

Symbol unit(const Symbol& x, const std::string& prefix, int filters, int kernel, int stride, int pad, int groups,
            bool relu6) {
  const Symbol y = Symbol::create("BatchNorm", prefix + "-batchnorm",
                                  {mobile_conv(x, prefix + "-conv2d", filters, kernel, stride, pad, groups)},
                                  {{"fix_gamma", "False"}, {"use_global_stats", "False"}, {"eps", "1e-05"}});
  if (!relu6) return y;
  return Symbol::create("clip", prefix + "-relu6", {y}, {{"a_min", "0"}, {"a_max", "6"}});
}

// Python's int(round(v)): to nearest, ties to even (the default rounding mode).
int python_round(double v) { return static_cast<int>(std::nearbyint(v)); }

Symbol inverted_residual(const Symbol& x, int in_channels, int out_channels, int expansion, int stride,
                         bool shortcut, const std::string& prefix) {
  const int expanded = python_round(in_channels * static_cast<double>(expansion));
  Symbol y = unit(x, prefix + "-exp", expanded, 1, 1, 0, 1, true);
  y = unit(y, prefix + "-depthwise", expanded, 3, stride, 1, expanded, true);
  y = unit(y, prefix + "-linear", out_channels, 1, 1, 0, 1, false);
  if (!shortcut) return y;
  return Symbol::create("elemwise_add", prefix + "-shortcut", {x, y});
}

}  // namespace

Symbol mobilenetv2(const NetworkConfig& config) {
  const double m = config.multiplier;
  if (!(m > 0.0)) fail_setting("multiplier", "mobilenetv2's width multiplier must be positive, not ", m);
  // Per sequence: expansion factor t, output channels c, units n, first stride s.
  struct Sequence {
    int t, c, n, s;
  };
  const Sequence sequences[] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  int channels = python_round(32 * m);
  Symbol x = unit(Symbol::variable("data"), "first-3x3-conv", channels, 3, 2, 1, 1, true);
  for (size_t i = 0; i < std::size(sequences); ++i) {
    const Sequence& q = sequences[i];
    const std::string prefix = "seq-" + std::to_string(i);
    const int out = python_round(q.c * m);
    x = inverted_residual(x, channels, out, q.t, q.s, false, prefix + "-block0");
    for (int j = 1; j < q.n; ++j)
      x = inverted_residual(x, out, out, q.t, 1, true, prefix + "-block" + std::to_string(j));
    channels = out;
  }
  x = unit(x, "last-1x1-conv", m > 1.0 ? static_cast<int>(1280 * m) : 1280, 1, 1, 0, 1, true);
  x = Symbol::create("Pooling", "global_pool", {x},
                     {{"kernel", "(7, 7)"}, {"stride", "(1, 1)"}, {"pool_type", "avg"}, {"global_pool", "True"}});
  x = Symbol::create("Flatten", "flatten", {x});
  x = Symbol::create("FullyConnected", "fc", {x}, {{"num_hidden", std::to_string(config.num_classes)}});
  return Symbol::create("SoftmaxOutput", "softmax", {x});
}

}  // namespace fitbench::models
