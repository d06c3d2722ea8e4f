// symbols/vgg.py: Simonyan & Zisserman's VGG. Five stages of 3x3 convolutions
// (64, 128, 256, 512, 512 filters; --num-layers picks how many per stage),
// each closed by a 2x2 max pool, then fc6/fc7 (4096, dropout) and fc8.
// With batch_norm every convolution is followed by a BatchNorm with MXNet's
// defaults (the file passes no attributes).
#include <map>

#include "models_internal.h"

namespace fitbench::models {

Symbol vgg(const NetworkConfig& config) {
  static const std::map<int, std::vector<int>> layers_of = {
      {11, {1, 1, 2, 2, 2}}, {13, {2, 2, 2, 2, 2}}, {16, {2, 2, 3, 3, 3}}, {19, {2, 2, 4, 4, 4}}};
  const int filters[] = {64, 128, 256, 512, 512};
  const auto spec = layers_of.find(config.num_layers);
  if (config.num_layers == 0) fail_setting("num_layers", "vgg needs it: 11, 13, 16 or 19");
  if (spec == layers_of.end())
    fail_setting("num_layers", "vgg has 11, 13, 16 or 19 layers, not ", config.num_layers);

  Symbol x = Symbol::variable("data");
  for (size_t i = 0; i < spec->second.size(); ++i) {
    const std::string stage = std::to_string(i + 1);
    for (int j = 1; j <= spec->second[i]; ++j) {
      const std::string id = stage + "_" + std::to_string(j);
      x = Symbol::create("Convolution", "conv" + id, {x},
                         {{"kernel", "(3, 3)"}, {"pad", "(1, 1)"}, {"num_filter", std::to_string(filters[i])}});
      if (config.batch_norm) x = Symbol::create("BatchNorm", "bn" + id, {x});
      x = Symbol::create("Activation", "relu" + id, {x}, {{"act_type", "relu"}});
    }
    x = Symbol::create("Pooling", "pool" + stage, {x}, {{"pool_type", "max"}, {"kernel", "(2, 2)"}, {"stride", "(2, 2)"}});
  }
  x = Symbol::create("Flatten", "flatten", {x});
  for (const char* id : {"6", "7"}) {
    x = Symbol::create("FullyConnected", std::string("fc") + id, {x}, {{"num_hidden", "4096"}});
    x = Symbol::create("Activation", std::string("relu") + id, {x}, {{"act_type", "relu"}});
    x = Symbol::create("Dropout", std::string("drop") + id, {x}, {{"p", "0.5"}});
  }
  x = Symbol::create("FullyConnected", "fc8", {x}, {{"num_hidden", std::to_string(config.num_classes)}});
  return Symbol::create("SoftmaxOutput", "softmax", {x});
}

}  // namespace fitbench::models
