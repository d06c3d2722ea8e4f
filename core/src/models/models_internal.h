// The network builders behind build_network (one per file) and what they share.
#pragma once

#include <string>
#include <vector>

#include "fitbench/models.h"

namespace fitbench::models {

Symbol mlp(const NetworkConfig& config);
Symbol lenet(const NetworkConfig& config);
Symbol resnet(const NetworkConfig& config);
Symbol resnet_v1(const NetworkConfig& config);
Symbol resnext(const NetworkConfig& config);
Symbol alexnet(const NetworkConfig& config);
Symbol vgg(const NetworkConfig& config);
Symbol googlenet(const NetworkConfig& config);
Symbol inception_bn(const NetworkConfig& config);
Symbol inception_v3(const NetworkConfig& config);
Symbol mobilenet(const NetworkConfig& config);
Symbol mobilenetv2(const NetworkConfig& config);

// A pair as Python prints a tuple into MXNet's attributes: "(1, 7)".
inline std::string pair(int a, int b) {
  return std::string("(").append(std::to_string(a)).append(", ").append(std::to_string(b)).append(")");
}
// A square one: "(3, 3)".
inline std::string pair(int v) { return pair(v, v); }

// The convolution of mobilenet.py and mobilenetv2.py: no bias, num_group
// always written (the number of channels for depthwise ones).
inline Symbol mobile_conv(const Symbol& x, const std::string& name, int filters, int kernel, int stride, int pad,
                          int groups) {
  return Symbol::create("Convolution", name, {x},
                        {{"num_filter", std::to_string(filters)},
                         {"kernel", pair(kernel)},
                         {"num_group", std::to_string(groups)},
                         {"stride", pair(stride)},
                         {"pad", pair(pad)},
                         {"no_bias", "True"}});
}

// The stages of resnet.py, resnet-v1.py and resnext.py's get_symbol: for images of height
// <= small_height, three stages of (n-2)/6 basic units (n < 164) or (n-2)/9
// bottleneck units (n >= 164); otherwise four stages with the ImageNet unit
// counts of depths 18 ... 269, bottlenecks from 50. filters[0] is the stem's.
struct ResidualLayout {
  std::vector<int> units;
  std::vector<int> filters;
  bool bottle_neck = false;
};
ResidualLayout residual_layout(const std::string& network, const NetworkConfig& config, int small_height);

// The layers of resnet.py, resnet-v1.py and resnext.py (residual.cpp): a convolution
// without bias (pad < 0 leaves the attribute out, as the projections do), a
// BatchNorm with eps 2e-5 and momentum 0.9, and a relu.
Symbol residual_conv(const Symbol& x, const std::string& name, int filters, int kernel, int stride, int pad,
                     int groups = 1);
Symbol residual_batch_norm(const Symbol& x, const std::string& name, bool fix_gamma = false);
Symbol relu(const Symbol& x, const std::string& name);
// The stem for images larger than 32 pixels: 7x7/2 conv0, bn0, relu0, 3x3/2 max pool.
Symbol residual_imagenet_stem(const Symbol& x, int filters);
// One unit named `name` (stage<i>_unit<j>); stride applies to its first unit in a stage.
using ResidualUnit = Symbol (*)(const Symbol& data, int filters, int stride, bool dim_match, const std::string& name,
                                bool bottle_neck);
// The stages after the stem (the first unit of each projects, stages after the
// first stride 2).
Symbol residual_stages(Symbol body, const ResidualLayout& layout, ResidualUnit unit);
// Global average pool1, flatten, fc1 and the softmax.
Symbol residual_head(const Symbol& body, int num_classes);

}  // namespace fitbench::models
