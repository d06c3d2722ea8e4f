// symbols/mobilenet.py get_symbol: MobileNet v1 (Howard et al. 2017). A full
// 3x3/2 convolution, then 13 pairs of a depthwise 3x3 convolution (num_group
// = channels) and a pointwise 1x1 one, each conv-BatchNorm(fix_gamma)-relu and
// named conv_<i>[_dw]_{conv2d,batchnorm,relu}; channels are multiples of
// base = int(32 * alpha). An average pool of resolution/32 covers the last
// feature map. MXNet fixes the resolution at 224; here it is the image height
// (a multiple of 32, as MXNet asserts), which gives MXNet's graph at 224.
#include <iterator>

#include "models_internal.h"

namespace fitbench::models {

namespace {

Symbol conv_bn_relu(const Symbol& x, const std::string& name, int filters, int kernel, int stride, int pad,
                    int groups) {
  const Symbol y = Symbol::create("BatchNorm", name + "_batchnorm",
                                  {mobile_conv(x, name + "_conv2d", filters, kernel, stride, pad, groups)},
                                  {{"fix_gamma", "True"}});
  return Symbol::create("Activation", name + "_relu", {y}, {{"act_type", "relu"}});
}

}  // namespace

Symbol mobilenet(const NetworkConfig& config) {
  if (config.alpha != 0.25f && config.alpha != 0.5f && config.alpha != 0.75f && config.alpha != 1.0f)
    fail_setting("alpha", "mobilenet's width multiplier must be 0.25, 0.5, 0.75 or 1.0, not ", config.alpha);
  const int resolution = config.image_shape.size() == 3 ? config.image_shape[1] : 224;
  if (resolution % 32 != 0 || resolution < 32)
    fail_setting("image_shape", "mobilenet needs an image height that is a multiple of 32 (e.g. 3,224,224), not ",
                 resolution);
  const int base = static_cast<int>(32 * config.alpha);
  // Per depthwise/pointwise pair (conv_2 .. conv_14): channels in, in units of
  // base, and the depthwise stride; each pair's output is the next one's input.
  struct Block {
    int channels, stride;
  };
  const Block blocks[] = {{1, 1}, {2, 2}, {4, 1}, {4, 2}, {8, 1}, {8, 2}, {16, 1},
                          {16, 1}, {16, 1}, {16, 1}, {16, 1}, {16, 2}, {32, 1}};
  const size_t count = std::size(blocks);

  Symbol x = conv_bn_relu(Symbol::variable("data"), "conv_1", base, 3, 2, 1, 1);
  for (size_t k = 0; k < count; ++k) {
    const std::string name = "conv_" + std::to_string(k + 2);
    const int in = base * blocks[k].channels;
    const int out = base * (k + 1 < count ? blocks[k + 1].channels : blocks[k].channels);
    x = conv_bn_relu(x, name + "_dw", in, 3, blocks[k].stride, 1, in);
    x = conv_bn_relu(x, name, out, 1, 1, 0, 1);
  }
  x = Symbol::create("Pooling", "global_pool", {x},
                     {{"kernel", pair(resolution / 32)}, {"stride", "(1, 1)"}, {"pool_type", "avg"}});
  x = Symbol::create("Flatten", "flatten", {x});
  x = Symbol::create("FullyConnected", "fc", {x}, {{"num_hidden", std::to_string(config.num_classes)}});
  return Symbol::create("SoftmaxOutput", "softmax", {x});
}

}  // namespace fitbench::models
