// symbols/resnet.py: pre-activation residual networks (He et al., "Identity
// Mappings in Deep Residual Networks"). Units are bn-relu-conv; the first unit
// of each stage projects its input with a 1x1 convolution ("_sc").
#include <string>

#include "models_internal.h"

namespace fitbench {

namespace {

using models::relu;
using models::residual_batch_norm;
using models::residual_conv;

Symbol residual_unit(const Symbol& data, int filters, int stride, bool dim_match, const std::string& name,
                     bool bottle_neck) {
  const Symbol act1 = relu(residual_batch_norm(data, name + "_bn1"), name + "_relu1");
  Symbol body;
  if (bottle_neck) {
    const int inner = static_cast<int>(filters * 0.25);
    body = residual_conv(act1, name + "_conv1", inner, 1, 1, 0);
    body = residual_conv(relu(residual_batch_norm(body, name + "_bn2"), name + "_relu2"), name + "_conv2", inner, 3,
                         stride, 1);
    body = residual_conv(relu(residual_batch_norm(body, name + "_bn3"), name + "_relu3"), name + "_conv3", filters,
                         1, 1, 0);
  } else {
    body = residual_conv(act1, name + "_conv1", filters, 3, stride, 1);
    body = residual_conv(relu(residual_batch_norm(body, name + "_bn2"), name + "_relu2"), name + "_conv2", filters,
                         3, 1, 1);
  }
  // The projection has no explicit pad, as in MXNet's file.
  const Symbol shortcut = dim_match ? data : residual_conv(act1, name + "_sc", filters, 1, stride, -1);
  return body + shortcut;
}

}  // namespace

Symbol build_resnet(const std::vector<int>& units, const std::vector<int>& filters, bool bottle_neck,
                    int num_classes, const std::vector<int>& image_shape) {
  FB_ASSERT(filters.size() == units.size() + 1 && image_shape.size() == 3);
  NameScope names;
  Symbol body = Symbol::create("_copy", "id", {Symbol::variable("data")});
  body = residual_batch_norm(body, "bn_data", true);
  if (image_shape[1] <= 32)
    body = residual_conv(body, "conv0", filters[0], 3, 1, 1);
  else
    body = models::residual_imagenet_stem(body, filters[0]);
  body = models::residual_stages(body, {units, filters, bottle_neck}, residual_unit);
  // Pre-activation: the last unit's sum is normalised before the classifier.
  body = relu(residual_batch_norm(body, "bn1"), "relu1");
  return models::residual_head(body, num_classes);
}

namespace models {

Symbol resnet(const NetworkConfig& config) {
  const ResidualLayout layout = residual_layout("resnet", config, 28);
  return build_resnet(layout.units, layout.filters, layout.bottle_neck, config.num_classes, config.image_shape);
}

}  // namespace models

}  // namespace fitbench
