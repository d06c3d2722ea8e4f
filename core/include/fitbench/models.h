// Network builders with MXNet's layer names (example/image-classification/symbols).
#pragma once

#include <string>
#include <vector>

#include "fitbench/symbol.h"

namespace fitbench {

struct NetworkConfig {
  int num_classes = 10;
  int num_layers = 0;              // resnet depth
  std::vector<int> image_shape;    // (channels, height, width)
};

// "mlp", "lenet", "resnet". Throws Error naming --network / --num-layers /
// --image-shape when the combination is not one MXNet's symbols support.
Symbol build_network(const std::string& name, const NetworkConfig& config);
std::vector<std::string> network_names();

// MXNet symbols/resnet.py resnet(): pre-activation units, explicit stages.
Symbol build_resnet(const std::vector<int>& units, const std::vector<int>& filters, bool bottle_neck,
                    int num_classes, const std::vector<int>& image_shape);

}  // namespace fitbench
