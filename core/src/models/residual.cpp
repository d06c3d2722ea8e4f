// What resnet.py, resnet-v1.py and resnext.py share: get_symbol's depth
// rules, the conv / BatchNorm / relu layers with their attributes, the
// ImageNet stem, and the stages and classifier around the units.
#include "models_internal.h"

namespace fitbench::models {

ResidualLayout residual_layout(const std::string& network, const NetworkConfig& config, int small_height) {
  const int n = config.num_layers;
  if (config.image_shape.size() != 3) fail_setting("image_shape", network, " needs a shape C,H,W");
  if (n <= 0)
    fail_setting("num_layers", network, " needs a depth (e.g. 20, 56, 110 for images of height <= ", small_height,
                 "; 18, 50, 101 for larger ones)");
  if (config.image_shape[1] <= small_height) {
    if ((n - 2) % 9 == 0 && n >= 164) return {std::vector<int>(3, (n - 2) / 9), {16, 64, 128, 256}, true};
    if ((n - 2) % 6 == 0 && n < 164) return {std::vector<int>(3, (n - 2) / 6), {16, 16, 32, 64}, false};
    fail_setting("num_layers", n, " is not a ", network, " depth for images of height <= ", small_height,
                 ": use 6n+2 below 164 (20, 32, 44, 56, 110) or 9n+2 from 164 (164, 1001)");
  }
  ResidualLayout layout;
  layout.bottle_neck = n >= 50;
  layout.filters = layout.bottle_neck ? std::vector<int>{64, 256, 512, 1024, 2048}
                                      : std::vector<int>{64, 64, 128, 256, 512};
  switch (n) {
    case 18: layout.units = {2, 2, 2, 2}; break;
    case 34: layout.units = {3, 4, 6, 3}; break;
    case 50: layout.units = {3, 4, 6, 3}; break;
    case 101: layout.units = {3, 4, 23, 3}; break;
    case 152: layout.units = {3, 8, 36, 3}; break;
    case 200: layout.units = {3, 24, 36, 3}; break;
    case 269: layout.units = {3, 30, 48, 8}; break;
    default:
      fail_setting("num_layers", n, " is not a ", network, " depth for images larger than ", small_height,
                   " pixels: use 18, 34, 50, 101, 152, 200 or 269");
  }
  return layout;
}

Symbol residual_conv(const Symbol& x, const std::string& name, int filters, int kernel, int stride, int pad,
                     int groups) {
  Attrs attrs{{"num_filter", std::to_string(filters)},
              {"kernel", pair(kernel)},
              {"stride", pair(stride)},
              {"no_bias", "True"},
              {"workspace", "256"}};
  if (pad >= 0) attrs["pad"] = pair(pad);
  if (groups != 1) attrs["num_group"] = std::to_string(groups);
  return Symbol::create("Convolution", name, {x}, attrs);
}

Symbol residual_batch_norm(const Symbol& x, const std::string& name, bool fix_gamma) {
  return Symbol::create("BatchNorm", name, {x},
                        {{"fix_gamma", fix_gamma ? "True" : "False"}, {"eps", "2e-05"}, {"momentum", "0.9"}});
}

Symbol relu(const Symbol& x, const std::string& name) {
  return Symbol::create("Activation", name, {x}, {{"act_type", "relu"}});
}

Symbol residual_imagenet_stem(const Symbol& x, int filters) {
  const Symbol y = relu(residual_batch_norm(residual_conv(x, "conv0", filters, 7, 2, 3), "bn0"), "relu0");
  return Symbol::create("Pooling", "", {y},
                        {{"kernel", "(3, 3)"}, {"stride", "(2, 2)"}, {"pad", "(1, 1)"}, {"pool_type", "max"}});
}

Symbol residual_stages(Symbol body, const ResidualLayout& layout, ResidualUnit unit) {
  for (size_t i = 0; i < layout.units.size(); ++i) {
    const std::string stage = "stage" + std::to_string(i + 1) + "_unit";
    const int filters = layout.filters[i + 1];
    body = unit(body, filters, i == 0 ? 1 : 2, false, stage + "1", layout.bottle_neck);
    for (int j = 2; j <= layout.units[i]; ++j)
      body = unit(body, filters, 1, true, stage + std::to_string(j), layout.bottle_neck);
  }
  return body;
}

Symbol residual_head(const Symbol& body, int num_classes) {
  Symbol head = Symbol::create("Pooling", "pool1", {body},
                               {{"global_pool", "True"}, {"kernel", "(7, 7)"}, {"pool_type", "avg"}});
  head = Symbol::create("Flatten", "", {head});
  head = Symbol::create("FullyConnected", "fc1", {head}, {{"num_hidden", std::to_string(num_classes)}});
  return Symbol::create("SoftmaxOutput", "softmax", {head});
}

}  // namespace fitbench::models
