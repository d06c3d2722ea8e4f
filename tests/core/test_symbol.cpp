// Symbol composition and JSON against files MXNet 1.9.1 wrote for the same
// networks (tests/data/mxnet/make_reference.py).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "mxnet_reference.h"
#include "fitbench/models.h"
#include "fitbench/ndarray_file.h"
#include "fitbench/symbol.h"

using namespace fitbench;

namespace {


std::string reference(const std::string& name) { return test::mxnet_symbol_json(name); }

struct Case {
  const char* file;
  const char* network;
  int num_layers;
  std::vector<int> image_shape;
  int classes;
  bool batch_norm = false;  // vgg
  float alpha = 1.0f;       // mobilenet
};

class SymbolMatchesMxnet : public ::testing::TestWithParam<Case> {};

TEST_P(SymbolMatchesMxnet, ByteForByte) {
  const Case& c = GetParam();
  const Symbol s = build_network(c.network, {c.classes, c.num_layers, c.image_shape, c.batch_norm, c.alpha});
  EXPECT_EQ(s.to_json(), reference(c.file));
}

TEST_P(SymbolMatchesMxnet, JsonRoundTrip) {
  const std::string text = reference(GetParam().file);
  const Symbol s = Symbol::from_json(text);
  EXPECT_EQ(s.to_json(), text);
}

INSTANTIATE_TEST_SUITE_P(Networks, SymbolMatchesMxnet,
                         ::testing::Values(Case{"mlp", "mlp", 0, {1, 28, 28}, 10},
                                           Case{"lenet", "lenet", 0, {1, 28, 28}, 10},
                                           Case{"resnet20-28", "resnet", 20, {3, 28, 28}, 10},
                                           Case{"resnet50-224", "resnet", 50, {3, 224, 224}, 1000},
                                           Case{"alexnet", "alexnet", 0, {3, 224, 224}, 1000},
                                           Case{"vgg11", "vgg", 11, {3, 224, 224}, 1000},
                                           Case{"vgg16", "vgg", 16, {3, 224, 224}, 1000},
                                           Case{"vgg19-bn", "vgg", 19, {3, 224, 224}, 10, true},
                                           Case{"mobilenet", "mobilenet", 0, {3, 224, 224}, 1000},
                                           Case{"mobilenet-0.25", "mobilenet", 0, {3, 224, 224}, 10, false, 0.25f}));

TEST(Symbol, ListsArgumentsAuxAndOutputsAsMxnet) {
  const Symbol s = build_network("resnet", {10, 20, {3, 28, 28}});
  const auto args = s.list_arguments();
  ASSERT_GE(args.size(), 4u);
  EXPECT_EQ(args[0], "data");
  EXPECT_EQ(args[1], "bn_data_gamma");
  EXPECT_EQ(args.back(), "softmax_label");
  const auto aux = s.list_auxiliary_states();
  EXPECT_EQ(aux[0], "bn_data_moving_mean");
  EXPECT_EQ(aux[1], "bn_data_moving_var");
  EXPECT_EQ(s.list_outputs(), std::vector<std::string>{"softmax_output"});
}

TEST(Symbol, BuildingTwiceGivesTheSameNames) {
  EXPECT_EQ(build_network("lenet", {10, 0, {1, 28, 28}}).to_json(), build_network("lenet", {10, 0, {1, 28, 28}}).to_json());
}

TEST(Symbol, SaveAndLoadThroughAFile) {
  const auto dir = std::filesystem::temp_directory_path() / "fitbench_symbol_test";
  std::filesystem::create_directories(dir);
  const Symbol s = build_network("mlp", {10, 0, {1, 28, 28}});
  s.save((dir / "m-symbol.json").string());
  EXPECT_EQ(Symbol::load((dir / "m-symbol.json").string()).to_json(), s.to_json());
  std::filesystem::remove_all(dir);
}

TEST(Symbol, ReadsLegacyParamAndAttrKeys) {
  const std::string plain = R"({"nodes": [
    {"op": "null", "name": "data", "inputs": []},
    {"op": "null", "name": "fc_weight", "inputs": []},
    {"op": "null", "name": "fc_bias", "inputs": []},
    {"op": "FullyConnected", "name": "fc", "param": {"num_hidden": "3"}, "inputs": [[0, 0], [1, 0], [2, 0]]}
  ], "arg_nodes": [0, 1, 2], "heads": [[3, 0]]})";
  const Symbol s = Symbol::from_json(plain);
  EXPECT_EQ(s.list_arguments(), (std::vector<std::string>{"data", "fc_weight", "fc_bias"}));
}

TEST(Symbol, BadJsonNamesTheSourceAndTheNode) {
  try {
    Symbol::from_json("{\"nodes\": [", "net-symbol.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("net-symbol.json"), std::string::npos);
  }
  try {
    Symbol::from_json(R"({"nodes": [{"op": "Frobnicate", "name": "f1", "inputs": []}], "heads": [[0, 0, 0]]})",
                      "net-symbol.json");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("f1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Frobnicate"), std::string::npos) << e.what();
  }
}

TEST(Symbol, UnknownNetworkIsAnError) {
  try {
    build_network("alexnot", {});
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("alexnot"), std::string::npos);
  }
  EXPECT_THROW(build_network("resnet", {10, 21, {3, 28, 28}}), Error);
}

}  // namespace
