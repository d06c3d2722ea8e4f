// symbols/lenet.py: conv5x5x20 tanh maxpool2, conv5x5x50 tanh maxpool2,
// fc500 tanh, fc classes, softmax. Layers keep MXNet's automatic names
// (convolution0, activation0, ...).
#include "models_internal.h"

namespace fitbench::models {

Symbol lenet(const NetworkConfig& config) {
  const Attrs pool{{"pool_type", "max"}, {"kernel", "(2, 2)"}, {"stride", "(2, 2)"}};
  const Attrs tanh{{"act_type", "tanh"}};
  Symbol x = Symbol::variable("data");
  x = Symbol::create("Convolution", "", {x}, {{"kernel", "(5, 5)"}, {"num_filter", "20"}});
  x = Symbol::create("Activation", "", {x}, tanh);
  x = Symbol::create("Pooling", "", {x}, pool);
  x = Symbol::create("Convolution", "", {x}, {{"kernel", "(5, 5)"}, {"num_filter", "50"}});
  x = Symbol::create("Activation", "", {x}, tanh);
  x = Symbol::create("Pooling", "", {x}, pool);
  x = Symbol::create("Flatten", "", {x});
  x = Symbol::create("FullyConnected", "", {x}, {{"num_hidden", "500"}});
  x = Symbol::create("Activation", "", {x}, tanh);
  x = Symbol::create("FullyConnected", "", {x}, {{"num_hidden", std::to_string(config.num_classes)}});
  return Symbol::create("SoftmaxOutput", "softmax", {x});
}

}  // namespace fitbench::models
