#pragma once

#include "fitbench/models.h"

namespace fitbench::models {

Symbol mlp(const NetworkConfig& config);
Symbol lenet(const NetworkConfig& config);
Symbol resnet(const NetworkConfig& config);

}  // namespace fitbench::models
