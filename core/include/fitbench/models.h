// Network builders with MXNet's layer names (example/image-classification/symbols).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "fitbench/symbol.h"

namespace fitbench {

struct NetworkConfig {
  int num_classes = 10;
  int num_layers = 0;              // resnet, resnet-v1, resnext and vgg depth
  std::vector<int> image_shape;    // (channels, height, width)
  bool batch_norm = false;         // vgg: BatchNorm after every convolution
  float alpha = 1.0f;              // mobilenet width multiplier: 0.25, 0.5, 0.75 or 1
  // mobilenetv2 width multiplier; double because MXNet rounds channels * it
  // in Python's double precision.
  double multiplier = 1.0;
};

// "alexnet", "googlenet", "inception-bn", "inception-v3", "lenet", "mlp",
// "mobilenet", "mobilenetv2", "resnet", "resnet-v1", "resnext", "vgg". Throws
// SettingError naming the NetworkConfig field ("network" for the name) when
// the combination is not one MXNet's symbols support.
Symbol build_network(const std::string& name, const NetworkConfig& config);
std::vector<std::string> network_names();

// MXNet symbols/resnet.py resnet(): pre-activation units, explicit stages.
Symbol build_resnet(const std::vector<int>& units, const std::vector<int>& filters, bool bottle_neck,
                    int num_classes, const std::vector<int>& image_shape);

// One operator of a network with its first output's shape and the learnable
// values of the parameters it introduces (a parameter shared by several
// layers counts at its first use).
struct LayerSummary {
  std::string name;
  std::string op;
  Shape output;
  int64_t params = 0;
};

struct NetworkSummary {
  std::vector<LayerSummary> layers;  // topological order
  // Learnable arguments only: not the fed inputs, not the labels of loss
  // heads, not auxiliary states (BatchNorm's moving statistics), as
  // torchvision counts parameters.
  int64_t total_params = 0;
};

// `inputs` are the shapes the caller feeds (at least "data"), as for
// Executor. Throws Error, naming the layer, when the shapes do not fit.
NetworkSummary summarize_network(const Symbol& symbol, const std::map<std::string, Shape>& inputs);
// The summary as a table, like Keras' model.summary(): one line per layer
// (name, op, output shape, parameter count), then "Total params: N".
std::string network_summary(const Symbol& symbol, const std::map<std::string, Shape>& inputs);

}  // namespace fitbench
