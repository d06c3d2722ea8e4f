// The networks beyond the core's first six, against symbol JSON written by
// MXNet 1.9.1 for the same networks (tests/data/mxnet/make_reference.py,
// gzip-compressed), plus their depth rules, mobilenetv2's channel rounding and
// one training step through a network that uses clip.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <random>

#include "file_test_util.h"
#include "mxnet_reference.h"
#include "fitbench/executor.h"
#include "fitbench/models.h"

using namespace fitbench;

namespace {

using ::testing::HasSubstr;


std::string reference(const std::string& name) { return test::mxnet_symbol_json(name); }

struct Case {
  const char* file;
  const char* network;
  int num_layers;
  std::vector<int> image_shape;
  int classes;
  double multiplier = 1.0;  // mobilenetv2
};

class NetworkMatchesMxnet : public ::testing::TestWithParam<Case> {};

TEST_P(NetworkMatchesMxnet, ByteForByte) {
  const Case& c = GetParam();
  NetworkConfig config{c.classes, c.num_layers, c.image_shape};
  config.multiplier = c.multiplier;
  const std::string expected = reference(c.file);
  ASSERT_GT(expected.size(), 1000u);
  EXPECT_EQ(build_network(c.network, config).to_json(), expected);
}

TEST_P(NetworkMatchesMxnet, JsonRoundTrip) {
  const std::string text = reference(GetParam().file);
  EXPECT_EQ(Symbol::from_json(text).to_json(), text);
}

INSTANTIATE_TEST_SUITE_P(
    Networks, NetworkMatchesMxnet,
    ::testing::Values(Case{"googlenet", "googlenet", 0, {3, 256, 256}, 1000},
                      Case{"inception-bn-28", "inception-bn", 0, {3, 28, 28}, 10},
                      Case{"inception-bn-224", "inception-bn", 0, {3, 224, 224}, 1000},
                      Case{"inception-v3", "inception-v3", 0, {3, 299, 299}, 1000},
                      Case{"mobilenetv2-0.35", "mobilenetv2", 0, {3, 224, 224}, 10, 0.35},
                      Case{"resnet-v1-20-28", "resnet-v1", 20, {3, 28, 28}, 10},
                      Case{"resnet-v1-50-224", "resnet-v1", 50, {3, 224, 224}, 1000},
                      Case{"resnext-20-32", "resnext", 20, {3, 32, 32}, 10},
                      Case{"resnext-50-224", "resnext", 50, {3, 224, 224}, 1000}));

TEST(Networks, RegistryListsEveryNetwork) {
  EXPECT_EQ(network_names(), (std::vector<std::string>{"alexnet", "googlenet", "inception-bn", "inception-v3", "lenet",
                                                        "mlp", "mobilenet", "mobilenetv2", "resnet", "resnet-v1",
                                                        "resnext", "vgg"}));
}

TEST(Networks, ResidualDepthRulesFollowEachFile) {
  // resnet-v1.py takes three stages up to height 28, resnext.py up to 32: at
  // 32 pixels depth 20 is a CIFAR depth for resnext but not for resnet-v1.
  EXPECT_NO_THROW(build_network("resnext", {10, 20, {3, 32, 32}}));
  EXPECT_THAT(test::error_message([] { build_network("resnet-v1", {10, 20, {3, 32, 32}}); }),
              HasSubstr("18, 34, 50, 101, 152, 200 or 269"));
  EXPECT_THAT(test::error_message([] { build_network("resnet-v1", {10, 21, {3, 28, 28}}); }),
              HasSubstr("21 is not a resnet-v1 depth"));
  EXPECT_THAT(test::error_message([] { build_network("resnext", {10, 0, {3, 224, 224}}); }),
              HasSubstr("resnext needs a depth"));
  EXPECT_THAT(test::error_message([] { build_network("resnext", {10, 50, {}}); }), HasSubstr("a shape C,H,W"));
}

TEST(Networks, Mobilenetv2RoundsChannelsHalfToEven) {
  // 16 * 0.40625 = 6.5: Python's round() gives 6, as do we; 32 * 0.40625 = 13.
  NetworkConfig config{10, 0, {3, 224, 224}};
  config.multiplier = 0.40625;
  const std::string json = build_network("mobilenetv2", config).to_json();
  auto filters_of = [&](const std::string& layer) {
    const size_t node = json.find("\"name\": \"" + layer + "\"");
    EXPECT_NE(node, std::string::npos) << layer;
    const size_t key = json.find("\"num_filter\": \"", node) + 15;
    return std::stoi(json.substr(key, json.find('"', key) - key));
  };
  EXPECT_EQ(filters_of("first-3x3-conv-conv2d"), 13);
  EXPECT_EQ(filters_of("seq-0-block0-linear-conv2d"), 6);
  EXPECT_EQ(filters_of("seq-1-block0-exp-conv2d"), 36);
  EXPECT_EQ(filters_of("last-1x1-conv-conv2d"), 1280);
  config.multiplier = 1.4;  // above 1 the last convolution widens too: int(1280 * 1.4)
  const std::string wide = build_network("mobilenetv2", config).to_json();
  EXPECT_NE(wide.find("\"num_filter\": \"1792\""), std::string::npos);
}

TEST(Networks, Mobilenetv2TrainsThroughClip) {
  // Its global pool lets a 32x32 image through: one step must give finite,
  // non-zero gradients to the first convolution, below six relu6 clips.
  NetworkConfig config{4, 0, {3, 32, 32}};
  config.multiplier = 0.35;
  Executor exec(build_network("mobilenetv2", config), {{"data", Shape{2, 3, 32, 32}}, {"softmax_label", Shape{2}}});
  std::mt19937_64 rng(5);
  std::normal_distribution<float> normal(0.0f, 0.3f);
  for (const auto& name : exec.param_names()) {
    Tensor w = exec.param(name);
    const bool scale = name.ends_with("_gamma");
    for (int64_t i = 0; i < w.size(); ++i) w.f32()[i] = scale ? 1.0f : normal(rng);
  }
  for (int64_t i = 0; i < exec.input("data").size(); ++i) exec.input("data").f32()[i] = normal(rng);
  exec.input("softmax_label").f32()[0] = 1.0f;
  exec.input("softmax_label").f32()[1] = 3.0f;
  exec.forward(true);
  exec.backward();
  const Tensor& g = exec.grad("first-3x3-conv-conv2d_weight");
  double norm = 0;
  for (int64_t i = 0; i < g.size(); ++i) {
    ASSERT_TRUE(std::isfinite(g.f32()[i]));
    norm += double(g.f32()[i]) * g.f32()[i];
  }
  EXPECT_GT(norm, 0.0);
}

}  // namespace
