// symbols/resnet.py: pre-activation residual networks (He et al., "Identity
// Mappings in Deep Residual Networks"). Units are bn-relu-conv; the first unit
// of each stage projects its input with a 1x1 convolution ("_sc").
#include <string>

#include "models_internal.h"

namespace fitbench {

namespace {

using models::pair;

Symbol batch_norm(const Symbol& x, const std::string& name, bool fix_gamma = false) {
  return Symbol::create("BatchNorm", name, {x},
                        {{"fix_gamma", fix_gamma ? "True" : "False"}, {"eps", "2e-05"}, {"momentum", "0.9"}});
}

Symbol relu(const Symbol& x, const std::string& name) {
  return Symbol::create("Activation", name, {x}, {{"act_type", "relu"}});
}

Symbol conv(const Symbol& x, const std::string& name, int filters, int kernel, int stride, int pad) {
  Attrs attrs{{"num_filter", std::to_string(filters)},
              {"kernel", pair(kernel)},
              {"stride", pair(stride)},
              {"no_bias", "True"},
              {"workspace", "256"}};
  if (pad >= 0) attrs["pad"] = pair(pad);
  return Symbol::create("Convolution", name, {x}, attrs);
}

Symbol residual_unit(const Symbol& data, int filters, int stride, bool dim_match, const std::string& name,
                     bool bottle_neck) {
  const Symbol act1 = relu(batch_norm(data, name + "_bn1"), name + "_relu1");
  Symbol body;
  if (bottle_neck) {
    const int inner = static_cast<int>(filters * 0.25);
    body = conv(act1, name + "_conv1", inner, 1, 1, 0);
    body = conv(relu(batch_norm(body, name + "_bn2"), name + "_relu2"), name + "_conv2", inner, 3, stride, 1);
    body = conv(relu(batch_norm(body, name + "_bn3"), name + "_relu3"), name + "_conv3", filters, 1, 1, 0);
  } else {
    body = conv(act1, name + "_conv1", filters, 3, stride, 1);
    body = conv(relu(batch_norm(body, name + "_bn2"), name + "_relu2"), name + "_conv2", filters, 3, 1, 1);
  }
  // The projection has no explicit pad, as in MXNet's file.
  const Symbol shortcut = dim_match ? data : conv(act1, name + "_sc", filters, 1, stride, -1);
  return body + shortcut;
}

}  // namespace

Symbol build_resnet(const std::vector<int>& units, const std::vector<int>& filters, bool bottle_neck,
                    int num_classes, const std::vector<int>& image_shape) {
  FB_ASSERT(filters.size() == units.size() + 1 && image_shape.size() == 3);
  NameScope names;
  Symbol body = Symbol::create("_copy", "id", {Symbol::variable("data")});
  body = batch_norm(body, "bn_data", true);
  if (image_shape[1] <= 32) {
    body = conv(body, "conv0", filters[0], 3, 1, 1);
  } else {
    body = conv(body, "conv0", filters[0], 7, 2, 3);
    body = relu(batch_norm(body, "bn0"), "relu0");
    body = Symbol::create("Pooling", "", {body},
                          {{"kernel", "(3, 3)"}, {"stride", "(2, 2)"}, {"pad", "(1, 1)"}, {"pool_type", "max"}});
  }
  for (size_t i = 0; i < units.size(); ++i) {
    const std::string stage = "stage" + std::to_string(i + 1) + "_unit";
    body = residual_unit(body, filters[i + 1], i == 0 ? 1 : 2, false, stage + "1", bottle_neck);
    for (int j = 0; j < units[i] - 1; ++j)
      body = residual_unit(body, filters[i + 1], 1, true, stage + std::to_string(j + 2), bottle_neck);
  }
  body = relu(batch_norm(body, "bn1"), "relu1");
  body = Symbol::create("Pooling", "pool1", {body},
                        {{"global_pool", "True"}, {"kernel", "(7, 7)"}, {"pool_type", "avg"}});
  body = Symbol::create("Flatten", "", {body});
  body = Symbol::create("FullyConnected", "fc1", {body}, {{"num_hidden", std::to_string(num_classes)}});
  return Symbol::create("SoftmaxOutput", "softmax", {body});
}

namespace models {

Symbol resnet(const NetworkConfig& config) {
  const int n = config.num_layers;
  if (config.image_shape.size() != 3) fail("--network resnet needs --image-shape C,H,W");
  if (n <= 0) fail("--network resnet needs --num-layers (e.g. 20, 56, 110 for CIFAR; 18, 50, 101 for ImageNet)");
  if (config.image_shape[1] <= 28) {
    if ((n - 2) % 9 == 0 && n >= 164)
      return build_resnet(std::vector<int>(3, (n - 2) / 9), {16, 64, 128, 256}, true, config.num_classes,
                          config.image_shape);
    if ((n - 2) % 6 == 0 && n < 164)
      return build_resnet(std::vector<int>(3, (n - 2) / 6), {16, 16, 32, 64}, false, config.num_classes,
                          config.image_shape);
    fail("--num-layers ", n, " is not a resnet depth for images of height <= 28: use 6n+2 below 164 "
         "(20, 32, 44, 56, 110) or 9n+2 from 164 (164, 1001)");
  }
  const std::vector<int> filters = n >= 50 ? std::vector<int>{64, 256, 512, 1024, 2048}
                                           : std::vector<int>{64, 64, 128, 256, 512};
  std::vector<int> units;
  switch (n) {
    case 18: units = {2, 2, 2, 2}; break;
    case 34: units = {3, 4, 6, 3}; break;
    case 50: units = {3, 4, 6, 3}; break;
    case 101: units = {3, 4, 23, 3}; break;
    case 152: units = {3, 8, 36, 3}; break;
    case 200: units = {3, 24, 36, 3}; break;
    case 269: units = {3, 30, 48, 8}; break;
    default:
      fail("--num-layers ", n, " is not a resnet depth for images larger than 28 pixels: use 18, 34, 50, 101, "
           "152, 200 or 269");
  }
  return build_resnet(units, filters, n >= 50, config.num_classes, config.image_shape);
}

}  // namespace models

}  // namespace fitbench
