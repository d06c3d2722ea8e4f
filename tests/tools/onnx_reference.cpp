// Reference models for tests/tools/check_onnx.py: every network of
// --network at its usual input shape, and small networks that use the
// operators and attributes those leave out, each saved as a checkpoint with
// random weights (and random BatchNorm statistics and gamma, so that fix_gamma
// matters), with a random input batch and fitbench's forward output on it.
//
//   fitbench_onnx_reference OUT_DIR
//
// writes OUT_DIR/<case>-symbol.json, <case>-0000.params, <case>-input.f32 and
// <case>-output.f32 (raw little-endian float32) and OUT_DIR/cases.json:
// [{"name", "prefix", "input_shape", "output_shape"}, ...].
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fitbench/checkpoint.h"
#include "fitbench/executor.h"
#include "fitbench/initializer.h"
#include "fitbench/models.h"

namespace {

using fitbench::Attrs;
using fitbench::Shape;
using fitbench::Symbol;

constexpr int64_t kBatch = 2;

Symbol op(const std::string& type, const std::string& name, const std::vector<Symbol>& inputs, const Attrs& attrs = {}) {
  return Symbol::create(type, name, inputs, attrs);
}

// The operators and attributes no network of --network uses: sum pooling,
// average pooling with and without count_include_pad under the "full"
// convention, LeakyReLU (leaky, elu), clip, LRN, the other activations,
// _copy, global sum pooling, FullyConnected without flatten, BatchNorm with
// fix_gamma False; and SoftmaxOutput's shapes in the networks below.
Symbol operator_zoo() {
  Symbol x = op("Convolution", "conv", {Symbol::variable("data")},
                {{"kernel", "(3, 3)"}, {"pad", "(1, 1)"}, {"num_filter", "6"}});
  x = op("BatchNorm", "bn", {x}, {{"fix_gamma", "False"}, {"eps", "2e-5"}});
  x = op("LeakyReLU", "leaky", {x}, {{"act_type", "leaky"}, {"slope", "0.1"}});
  x = op("Pooling", "sum_full", {x},
         {{"pool_type", "sum"}, {"kernel", "(3, 3)"}, {"stride", "(2, 2)"}, {"pad", "(1, 1)"},
          {"pooling_convention", "full"}});
  x = op("clip", "clip", {x}, {{"a_min", "-0.5"}, {"a_max", "2"}});
  x = op("LRN", "lrn", {x}, {{"nsize", "3"}, {"alpha", "0.001"}, {"beta", "0.6"}, {"knorm", "1.5"}});
  x = op("Activation", "sigmoid", {x}, {{"act_type", "sigmoid"}});
  x = op("Pooling", "avg_exclude_pad", {x},
         {{"pool_type", "avg"}, {"kernel", "(3, 3)"}, {"stride", "(2, 2)"}, {"pad", "(1, 1)"},
          {"pooling_convention", "full"}, {"count_include_pad", "False"}});
  x = op("_copy", "copy", {x});
  x = op("Activation", "tanh", {x}, {{"act_type", "tanh"}});
  x = op("Convolution", "conv_grouped", {x},
         {{"kernel", "(2, 2)"}, {"num_filter", "6"}, {"num_group", "3"}, {"dilate", "(1, 2)"}, {"no_bias", "True"}});
  x = op("Pooling", "avg_include_pad", {x},
         {{"pool_type", "avg"}, {"kernel", "(2, 2)"}, {"stride", "(2, 2)"}, {"pad", "(1, 1)"},
          {"pooling_convention", "full"}});
  x = op("Activation", "softrelu", {x}, {{"act_type", "softrelu"}});
  x = op("LeakyReLU", "elu", {x}, {{"act_type", "elu"}, {"slope", "0.7"}});
  x = op("Activation", "softsign", {x}, {{"act_type", "softsign"}});
  Symbol pooled = op("Pooling", "global_sum", {x}, {{"pool_type", "sum"}, {"global_pool", "True"}});
  pooled = op("Flatten", "flatten", {pooled});
  pooled = op("FullyConnected", "fc_no_flatten", {pooled}, {{"num_hidden", "5"}, {"flatten", "False"}});
  return op("SoftmaxOutput", "softmax", {pooled});
}

// SoftmaxOutput over (N, C, H, W) without multi_output: one softmax over C*H*W.
Symbol softmax_4d() {
  Symbol x = op("Convolution", "conv", {Symbol::variable("data")}, {{"kernel", "(3, 3)"}, {"num_filter", "4"}});
  x = op("Pooling", "max_full", {x},
         {{"kernel", "(2, 2)"}, {"stride", "(2, 2)"}, {"pooling_convention", "full"}});
  return op("SoftmaxOutput", "softmax", {x});
}

Symbol softmax_multi_output() {
  Symbol x = op("Convolution", "conv", {Symbol::variable("data")}, {{"kernel", "(1, 1)"}, {"num_filter", "4"}});
  return op("SoftmaxOutput", "softmax", {x}, {{"multi_output", "True"}});
}

// FullyConnected without flatten on 4-D data (over the last axis), then a
// softmax over that axis (preserve_shape).
Symbol softmax_preserve_shape() {
  Symbol x = op("FullyConnected", "fc_last_axis", {Symbol::variable("data")}, {{"num_hidden", "6"}, {"flatten", "False"}});
  return op("SoftmaxOutput", "softmax", {x}, {{"preserve_shape", "True"}});
}

struct Case {
  std::string name;
  Symbol symbol;
  std::vector<int> image_shape;
};

Symbol network(const std::string& name, int num_layers, const std::vector<int>& image_shape, int classes,
               bool batch_norm = false) {
  fitbench::NetworkConfig config{classes, num_layers, image_shape};
  config.batch_norm = batch_norm;
  return fitbench::build_network(name, config);
}

std::vector<Case> cases() {
  return {
      {"mlp", network("mlp", 0, {1, 28, 28}, 10), {1, 28, 28}},
      {"lenet", network("lenet", 0, {1, 28, 28}, 10), {1, 28, 28}},
      {"resnet-20", network("resnet", 20, {3, 28, 28}, 10), {3, 28, 28}},
      {"resnet-v1-20", network("resnet-v1", 20, {3, 28, 28}, 10), {3, 28, 28}},
      {"resnext-20", network("resnext", 20, {3, 32, 32}, 10), {3, 32, 32}},
      {"inception-bn", network("inception-bn", 0, {3, 28, 28}, 10), {3, 28, 28}},
      {"mobilenet", network("mobilenet", 0, {3, 224, 224}, 1000), {3, 224, 224}},
      {"mobilenetv2", network("mobilenetv2", 0, {3, 224, 224}, 1000), {3, 224, 224}},
      {"alexnet", network("alexnet", 0, {3, 224, 224}, 1000), {3, 224, 224}},
      {"vgg-11-bn", network("vgg", 11, {3, 224, 224}, 1000, true), {3, 224, 224}},
      {"googlenet", network("googlenet", 0, {3, 256, 256}, 1000), {3, 256, 256}},
      {"inception-v3", network("inception-v3", 0, {3, 299, 299}, 1000), {3, 299, 299}},
      {"operator-zoo", operator_zoo(), {3, 17, 15}},
      {"softmax-4d", softmax_4d(), {1, 9, 9}},
      {"softmax-multi-output", softmax_multi_output(), {3, 5, 4}},
      {"softmax-preserve-shape", softmax_preserve_shape(), {3, 4, 5}},
  };
}

void write_floats(const std::string& path, const fitbench::Tensor& t) {
  std::ofstream out(path, std::ios::binary);
  out.write(static_cast<const char*>(t.raw()), static_cast<std::streamsize>(t.bytes()));
  if (!out) fitbench::fail("cannot write ", path);
}

void fill_uniform(const fitbench::Tensor& t, float low, float high, std::mt19937_64& rng) {
  std::uniform_real_distribution<float> dist(low, high);
  for (int64_t i = 0; i < t.size(); ++i) t.f32()[i] = dist(rng);
}

nlohmann::json write_case(const Case& c, const std::string& dir, std::mt19937_64& rng) {
  const Shape data{kBatch, c.image_shape[0], c.image_shape[1], c.image_shape[2]};
  // Labels are fed, not learned: their shapes come from the data's.
  std::map<std::string, Shape> inputs{{"data", data}};
  for (const auto& [name, shape] : fitbench::infer_shapes(c.symbol, inputs).arguments)
    if (name.ends_with("_label")) inputs[name] = shape;
  fitbench::Executor exec(c.symbol, inputs);

  const auto init = fitbench::create_initializer("default", "resnet");
  fitbench::Checkpoint checkpoint{c.symbol, {}, {}};
  for (const auto& name : exec.param_names()) {
    const fitbench::Tensor& p = exec.param(name);
    if (name.ends_with("_gamma"))
      fill_uniform(p, 0.5f, 1.5f, rng);
    else if (name.ends_with("_beta") || name.ends_with("_bias"))
      fill_uniform(p, -0.2f, 0.2f, rng);
    else
      (*init)(name, p, rng);
    checkpoint.arg_params[name] = p;
  }
  for (const auto& name : exec.aux_names()) {
    const fitbench::Tensor& a = exec.aux(name);
    if (name.ends_with("_moving_var"))
      fill_uniform(a, 0.5f, 1.5f, rng);
    else
      fill_uniform(a, -0.2f, 0.2f, rng);
    checkpoint.aux_params[name] = a;
  }
  fill_uniform(exec.input("data"), -1.0f, 1.0f, rng);
  exec.forward(false);
  // Deep residual networks with random weights give one-hot probabilities,
  // which would compare equal whatever the logits: shrink the classifier
  // until no probability exceeds 0.9.
  const fitbench::SymbolNode& head = *c.symbol.outputs()[0].node->inputs[0].node;
  for (int tries = 0; head.op == "FullyConnected" && tries < 20; ++tries) {
    const fitbench::Tensor& out = exec.output(0);
    if (*std::max_element(out.f32(), out.f32() + out.size()) <= 0.9f) break;
    const fitbench::Tensor& weight = exec.param(head.inputs[1].node->name);
    for (int64_t i = 0; i < weight.size(); ++i) weight.f32()[i] *= 0.25f;
    exec.forward(false);
  }
  const std::string prefix = dir + "/" + c.name;
  fitbench::save_checkpoint(prefix, 0, checkpoint);
  write_floats(prefix + "-input.f32", exec.input("data"));
  write_floats(prefix + "-output.f32", exec.output(0));
  return {{"name", c.name},
          {"prefix", prefix},
          {"input_shape", exec.input("data").shape().dims()},
          {"output_shape", exec.output(0).shape().dims()}};
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  try {
    std::mt19937_64 rng(20261206);
    nlohmann::json manifest = nlohmann::json::array();
    for (const Case& c : cases()) manifest.push_back(write_case(c, argv[1], rng));
    std::ofstream(std::string(argv[1]) + "/cases.json") << manifest.dump(1) << "\n";
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fitbench_onnx_reference: %s\n", e.what());
    return 1;
  }
}
