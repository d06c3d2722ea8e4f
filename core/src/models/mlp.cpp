// symbols/mlp.py: flatten, fc 128 relu, fc 64 relu, fc classes, softmax.
#include "models_internal.h"

namespace fitbench::models {

Symbol mlp(const NetworkConfig& config) {
  Symbol x = Symbol::variable("data");
  x = Symbol::create("Flatten", "", {x});
  x = Symbol::create("FullyConnected", "fc1", {x}, {{"num_hidden", "128"}});
  x = Symbol::create("Activation", "relu1", {x}, {{"act_type", "relu"}});
  x = Symbol::create("FullyConnected", "fc2", {x}, {{"num_hidden", "64"}});
  x = Symbol::create("Activation", "relu2", {x}, {{"act_type", "relu"}});
  x = Symbol::create("FullyConnected", "fc3", {x}, {{"num_hidden", std::to_string(config.num_classes)}});
  return Symbol::create("SoftmaxOutput", "softmax", {x});
}

}  // namespace fitbench::models
