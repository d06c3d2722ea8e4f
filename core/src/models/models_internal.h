#pragma once

#include <string>

#include "fitbench/models.h"

namespace fitbench::models {

Symbol mlp(const NetworkConfig& config);
Symbol lenet(const NetworkConfig& config);
Symbol resnet(const NetworkConfig& config);
Symbol alexnet(const NetworkConfig& config);
Symbol vgg(const NetworkConfig& config);
Symbol mobilenet(const NetworkConfig& config);

// A square tuple as Python prints it into MXNet's attributes: "(3, 3)".
inline std::string pair(int v) {
  const std::string n = std::to_string(v);
  return std::string("(").append(n).append(", ").append(n).append(")");
}

}  // namespace fitbench::models
