// build_network: the table of network builders by name.
#include <functional>
#include <map>

#include "models_internal.h"

namespace fitbench {

namespace {
const std::map<std::string, Symbol (*)(const NetworkConfig&)>& builders() {
  static const std::map<std::string, Symbol (*)(const NetworkConfig&)> table = {
      {"alexnet", models::alexnet},
      {"googlenet", models::googlenet},
      {"inception-bn", models::inception_bn},
      {"inception-v3", models::inception_v3},
      {"lenet", models::lenet},
      {"mlp", models::mlp},
      {"mobilenet", models::mobilenet},
      {"mobilenetv2", models::mobilenetv2},
      {"resnet", models::resnet},
      {"resnet-v1", models::resnet_v1},
      {"resnext", models::resnext},
      {"vgg", models::vgg},
  };
  return table;
}
}  // namespace

std::vector<std::string> network_names() {
  std::vector<std::string> names;
  for (const auto& [name, build] : builders()) names.push_back(name);
  return names;
}

Symbol build_network(const std::string& name, const NetworkConfig& config) {
  auto it = builders().find(name);
  if (it == builders().end()) {
    std::string known;
    for (const auto& n : network_names()) known += (known.empty() ? "" : ", ") + n;
    fail_setting("network", "'", name, "' is not a known network (choose from: ", known, ")");
  }
  if (config.num_classes < 1) fail_setting("num_classes", "a network needs at least 1 class, not ", config.num_classes);
  NameScope names;  // automatic layer names start from 0 for every network
  return it->second(config);
}

}  // namespace fitbench
