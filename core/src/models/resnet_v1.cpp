// symbols/resnet-v1.py: He et al.'s original (post-activation) residual
// networks. A unit is conv-bn-relu ... conv-bn, added to the shortcut (the
// input, or a 1x1 projection _conv1sc with BatchNorm _sc) and then relu'd
// (_relu3); bottleneck units stride in their first 1x1 convolution. The input
// passes an identity (id) only, with no BatchNorm; the stem is a 3x3 conv0 +
// bn0 for images of height <= 32 (no relu, as in the file), else the ImageNet
// stem. Three stages for height <= 28. No BatchNorm before the global pool.
#include "models_internal.h"

namespace fitbench::models {

namespace {

Symbol residual_unit(const Symbol& data, int filters, int stride, bool dim_match, const std::string& name,
                     bool bottle_neck) {
  auto conv_bn = [&](const Symbol& x, const std::string& id, int f, int kernel, int s, int pad) {
    return residual_batch_norm(residual_conv(x, name + "_conv" + id, f, kernel, s, pad), name + "_bn" + id);
  };
  Symbol body;
  if (bottle_neck) {
    const int inner = static_cast<int>(filters * 0.25);
    body = relu(conv_bn(data, "1", inner, 1, stride, 0), name + "_relu1");
    body = relu(conv_bn(body, "2", inner, 3, 1, 1), name + "_relu2");
    body = conv_bn(body, "3", filters, 1, 1, 0);
  } else {
    body = relu(conv_bn(data, "1", filters, 3, stride, 1), name + "_relu1");
    body = conv_bn(body, "2", filters, 3, 1, 1);
  }
  const Symbol shortcut =
      dim_match ? data
                : residual_batch_norm(residual_conv(data, name + "_conv1sc", filters, 1, stride, -1), name + "_sc");
  return relu(body + shortcut, name + "_relu3");
}

}  // namespace

Symbol resnet_v1(const NetworkConfig& config) {
  const ResidualLayout layout = residual_layout("resnet-v1", config, 28);
  Symbol body = Symbol::create("_copy", "id", {Symbol::variable("data")});
  if (config.image_shape[1] <= 32)
    body = residual_batch_norm(residual_conv(body, "conv0", layout.filters[0], 3, 1, 1), "bn0");
  else
    body = residual_imagenet_stem(body, layout.filters[0]);
  return residual_head(residual_stages(body, layout, residual_unit), config.num_classes);
}

}  // namespace fitbench::models
