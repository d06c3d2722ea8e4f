// symbols/resnext.py: Xie et al.'s ResNeXt with 32 groups. Bottleneck units
// are 1x1 (half the output width) -> grouped 3x3 (the stride) -> 1x1, each
// with BatchNorm, added to the shortcut (the input, or a 1x1 projection _sc
// with BatchNorm _sc_bn) and relu'd (_relu). The input passes an identity
// (id) and a fixed-gamma BatchNorm (bn_data) as in resnet.py; the stem is a
// 3x3 conv0 alone for images of height <= 32, else the ImageNet stem. Three
// stages for height <= 32.
#include "models_internal.h"

namespace fitbench::models {

namespace {

constexpr int kGroups = 32;  // get_symbol's num_group default

Symbol residual_unit(const Symbol& data, int filters, int stride, bool dim_match, const std::string& name,
                     bool bottle_neck) {
  auto conv_bn = [&](const Symbol& x, const std::string& id, int f, int kernel, int s, int pad, int groups = 1) {
    return residual_batch_norm(residual_conv(x, name + "_conv" + id, f, kernel, s, pad, groups), name + "_bn" + id);
  };
  Symbol body;
  if (bottle_neck) {
    const int inner = static_cast<int>(filters * 0.5);
    body = relu(conv_bn(data, "1", inner, 1, 1, 0), name + "_relu1");
    body = relu(conv_bn(body, "2", inner, 3, stride, 1, kGroups), name + "_relu2");
    body = conv_bn(body, "3", filters, 1, 1, 0);
  } else {
    body = relu(conv_bn(data, "1", filters, 3, stride, 1), name + "_relu1");
    body = conv_bn(body, "2", filters, 3, 1, 1);
  }
  const Symbol shortcut =
      dim_match ? data : residual_batch_norm(residual_conv(data, name + "_sc", filters, 1, stride, -1), name + "_sc_bn");
  return relu(body + shortcut, name + "_relu");
}

}  // namespace

Symbol resnext(const NetworkConfig& config) {
  const ResidualLayout layout = residual_layout("resnext", config, 32);
  Symbol body = Symbol::create("_copy", "id", {Symbol::variable("data")});
  body = residual_batch_norm(body, "bn_data", true);
  if (config.image_shape[1] <= 32)
    body = residual_conv(body, "conv0", layout.filters[0], 3, 1, 1);
  else
    body = residual_imagenet_stem(body, layout.filters[0]);
  return residual_head(residual_stages(body, layout, residual_unit), config.num_classes);
}

}  // namespace fitbench::models
