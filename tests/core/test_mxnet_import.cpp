// Loading what MXNet itself wrote: a Gluon export (no loss head, __shape__
// with unknown dimensions) checked against MXNet's own output, float16 and
// float64 parameters, 0.x symbol JSON, and the errors a mismatched model gives.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include <nlohmann/json.hpp>

#include "file_test_util.h"
#include "fitbench/checkpoint.h"
#include "fitbench/evaluate.h"

using namespace fitbench;
using fitbench::test::error_message;

namespace {

const std::string kData = FITBENCH_SOURCE_DIR "/tests/data/mxnet/";

nlohmann::json gluon_io() {
  std::ifstream in(kData + "gluon-export-io.json");
  return nlohmann::json::parse(in);
}

Tensor input_of(const nlohmann::json& io) {
  const auto dims = io["input_shape"].get<std::vector<int64_t>>();
  const auto values = io["input"].get<std::vector<float>>();
  Tensor t{Shape(dims)};
  std::copy(values.begin(), values.end(), t.f32());
  return t;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST(MxnetImport, GluonExportGivesMxnetsProbabilities) {
  const Checkpoint model = load_model(kData + "gluon-export-symbol.json", kData + "gluon-export-0000.params");
  EXPECT_FALSE(has_loss_head(model.symbol));
  EXPECT_EQ(model.aux_params.size(), 2u);  // the BatchNorm running statistics
  const auto io = gluon_io();
  const Tensor x = input_of(io);
  Predictor predictor(model, x.shape());
  ASSERT_EQ(predictor.num_classes(), 4);
  const Tensor& probs = predictor.probabilities(x);
  const auto expected = io["probabilities"].get<std::vector<float>>();
  ASSERT_EQ(static_cast<size_t>(probs.size()), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(probs.f32()[i], expected[i], 1e-5) << i;
}

TEST(MxnetImport, Float16ParametersLoadAsFloat32) {
  const Checkpoint half = load_model(kData + "gluon-export-symbol.json", kData + "gluon-export-f16.params");
  const Checkpoint full = load_model(kData + "gluon-export-symbol.json", kData + "gluon-export-0000.params");
  for (const auto& [name, t] : half.arg_params) {
    ASSERT_EQ(t.dtype(), DType::Float32) << name;
    const Tensor& f = full.arg_params.at(name);
    // float16 keeps 11 significant bits.
    for (int64_t i = 0; i < t.size(); ++i) EXPECT_NEAR(t.f32()[i], f.f32()[i], std::abs(f.f32()[i]) / 1024 + 1e-7);
  }
  const auto io = gluon_io();
  Predictor predictor(half, input_of(io).shape());
  const Tensor& probs = predictor.probabilities(input_of(io));
  const auto expected = io["probabilities"].get<std::vector<float>>();
  for (size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(probs.f32()[i], expected[i], 5e-3) << i;
}

TEST(MxnetImport, Float16AndFloat64ArraysMxnetWrote) {
  const NamedArrays list = load_ndarray_list(kData + "mixed-dtypes.params");
  ASSERT_EQ(list.names.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const Tensor t = to_float32(list.arrays[i]);
    ASSERT_EQ(t.dtype(), DType::Float32);
    if (list.names[i] == "arg:h") {
      EXPECT_EQ(list.arrays[i].dtype(), DType::Float16);
      // The float16 values nearest to 0.5, -2, 65504, 6e-8 (a subnormal) and 0.1.
      const std::vector<float> expected{0.5f, -2.0f, 65504.0f, std::ldexp(1.0f, -24), 0.0999755859375f};
      for (size_t j = 0; j < expected.size(); ++j) EXPECT_EQ(t.f32()[j], expected[j]) << j;
    } else {
      EXPECT_EQ(list.names[i], "arg:d");
      EXPECT_EQ(list.arrays[i].dtype(), DType::Float64);
      EXPECT_EQ(t.f32()[0], 1.0f / 3.0f);
      EXPECT_EQ(t.f32()[1], -1e30f);
      EXPECT_EQ(t.f32()[2], 2.5f);
    }
  }
}

TEST(MxnetImport, NameMismatchListsMissingAndUnexpected) {
  Checkpoint model = load_model(kData + "gluon-export-symbol.json", kData + "gluon-export-0000.params");
  model.arg_params.erase("hybridsequential0_dense1_bias");
  model.arg_params["dense9_weight"] = Tensor::zeros(Shape{2});
  const std::string msg = error_message([&] { Predictor(model, Shape{2, 1, 8, 8}, "net-0000.params"); });
  EXPECT_TRUE(contains(msg, "net-0000.params")) << msg;
  EXPECT_TRUE(contains(msg, "missing from the file: arg:hybridsequential0_dense1_bias")) << msg;
  EXPECT_TRUE(contains(msg, "not in the network: arg:dense9_weight")) << msg;
}

TEST(MxnetImport, ShapeMismatchNamesTheParameterAndBothShapes) {
  Checkpoint model = load_model(kData + "gluon-export-symbol.json", kData + "gluon-export-0000.params");
  model.arg_params["hybridsequential0_dense1_weight"] = Tensor::zeros(Shape{5, 8});
  const std::string msg = error_message([&] { Predictor(model, Shape{2, 1, 8, 8}, "net-0000.params"); });
  EXPECT_TRUE(contains(msg, "net-0000.params: parameter 'hybridsequential0_dense1_weight' has shape (5, 8)")) << msg;
  EXPECT_TRUE(contains(msg, "needs (4, 8)")) << msg;
}

TEST(MxnetImport, LegacyJsonGetsBatchNormStatisticsAsVariables) {
  // MXNet 0.8: "param" / "attr" keys, two-element inputs, BatchNorm without its moving statistics.
  const Symbol s = Symbol::from_json(R"({"nodes": [
    {"op": "null", "name": "data", "param": {}, "inputs": [], "backward_source_id": -1},
    {"op": "null", "name": "bn_gamma", "param": {}, "inputs": [], "backward_source_id": -1},
    {"op": "null", "name": "bn_beta", "param": {}, "inputs": [], "backward_source_id": -1},
    {"op": "BatchNorm", "name": "bn", "param": {"eps": "0.001", "fix_gamma": "True", "momentum": "0.9",
     "use_global_stats": "False"}, "attr": {"ctx_group": "stage1", "lr_mult": "0.5"}, "inputs": [[0, 0], [1, 0], [2, 0]],
     "backward_source_id": -1}
  ], "arg_nodes": [0, 1, 2], "heads": [[3, 0]]})",
                                     "old-symbol.json");
  EXPECT_EQ(s.list_arguments(), (std::vector<std::string>{"data", "bn_gamma", "bn_beta"}));
  EXPECT_EQ(s.list_auxiliary_states(), (std::vector<std::string>{"bn_moving_mean", "bn_moving_var"}));
  // MXNet's upgrade of the hidden keys.
  EXPECT_EQ(s.outputs()[0].node->attrs.at("__ctx_group__"), "stage1");
  EXPECT_EQ(s.outputs()[0].node->attrs.at("__lr_mult__"), "0.5");
}

TEST(MxnetImport, UnsupportedOperatorNamesTheNode) {
  const std::string msg = error_message([] {
    Symbol::from_json(R"({"nodes": [
      {"op": "null", "name": "data", "inputs": []},
      {"op": "_mul_scalar", "name": "hybridsequential0_mul0", "attrs": {"scalar": "2"}, "inputs": [[0, 0, 0]]}
    ], "heads": [[1, 0, 0]]})",
                      "export-symbol.json");
  });
  EXPECT_TRUE(contains(msg, "export-symbol.json")) << msg;
  EXPECT_TRUE(contains(msg, "hybridsequential0_mul0")) << msg;
  EXPECT_TRUE(contains(msg, "_mul_scalar")) << msg;
}

TEST(MxnetImport, ClassifierOfAGluonExportIsReplacedAndGetsAHead) {
  const Checkpoint model = load_model(kData + "gluon-export-symbol.json", kData + "gluon-export-0000.params");
  const ClassifierChange c = with_classifier(model.symbol, 6);
  EXPECT_EQ(c.layer, "hybridsequential0_dense1_fwd");
  EXPECT_EQ(c.old_classes, 4);
  EXPECT_TRUE(c.replaced);
  EXPECT_TRUE(c.added_head);
  EXPECT_EQ(c.dropped, (std::vector<std::string>{"hybridsequential0_dense1_weight", "hybridsequential0_dense1_bias"}));
  EXPECT_TRUE(has_loss_head(c.symbol));
  EXPECT_EQ(c.symbol.list_arguments().back(), "softmax_label");
  // The original is left alone.
  EXPECT_FALSE(has_loss_head(model.symbol));
  EXPECT_NE(model.symbol.to_json().find("\"num_hidden\": \"4\""), std::string::npos);
  const auto shapes = infer_shapes(c.symbol, {{"data", Shape{2, 1, 8, 8}}});
  EXPECT_EQ(shapes.arguments.at("hybridsequential0_dense1_weight"), (Shape{6, 8}));
}
