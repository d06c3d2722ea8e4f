// symbols/alexnet.py: Krizhevsky et al.'s single-tower AlexNet (96-256-384-
// 384-256 filters, LRN after the first two convolutions, two 4096-wide
// dropout layers). Convolutions and fully connected layers are named
// conv1..conv5 and fc1..fc3; the rest keep MXNet's automatic names.
#include "models_internal.h"

namespace fitbench::models {

namespace {

Symbol conv_relu(const Symbol& x, const std::string& name, int kernel, int stride, int pad, int filters) {
  Attrs attrs{{"kernel", pair(kernel)}, {"num_filter", std::to_string(filters)}};
  if (stride != 1) attrs["stride"] = pair(stride);
  if (pad != 0) attrs["pad"] = pair(pad);
  return Symbol::create("Activation", "", {Symbol::create("Convolution", name, {x}, attrs)}, {{"act_type", "relu"}});
}

Symbol max_pool(const Symbol& x) {
  return Symbol::create("Pooling", "", {x}, {{"pool_type", "max"}, {"kernel", "(3, 3)"}, {"stride", "(2, 2)"}});
}

Symbol lrn(const Symbol& x) {
  return Symbol::create("LRN", "", {x}, {{"alpha", "0.0001"}, {"beta", "0.75"}, {"knorm", "2"}, {"nsize", "5"}});
}

Symbol fc_relu_dropout(const Symbol& x, const std::string& name) {
  const Symbol fc = Symbol::create("FullyConnected", name, {x}, {{"num_hidden", "4096"}});
  return Symbol::create("Dropout", "", {Symbol::create("Activation", "", {fc}, {{"act_type", "relu"}})},
                        {{"p", "0.5"}});
}

}  // namespace

Symbol alexnet(const NetworkConfig& config) {
  Symbol x = Symbol::variable("data");
  x = max_pool(lrn(conv_relu(x, "conv1", 11, 4, 0, 96)));
  x = max_pool(lrn(conv_relu(x, "conv2", 5, 1, 2, 256)));
  x = conv_relu(x, "conv3", 3, 1, 1, 384);
  x = conv_relu(x, "conv4", 3, 1, 1, 384);
  x = max_pool(conv_relu(x, "conv5", 3, 1, 1, 256));
  x = Symbol::create("Flatten", "", {x});
  x = fc_relu_dropout(x, "fc1");
  x = fc_relu_dropout(x, "fc2");
  x = Symbol::create("FullyConnected", "fc3", {x}, {{"num_hidden", std::to_string(config.num_classes)}});
  return Symbol::create("SoftmaxOutput", "softmax", {x});
}

}  // namespace fitbench::models
