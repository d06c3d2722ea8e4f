// ONNX export: the model's structure as ONNX reads it, and the errors for what
// ONNX cannot express. Numerical agreement with fitbench's forward pass is
// checked by onnxruntime in tests/tools/check_onnx.py.
#include "fitbench/onnx_export.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <random>

#include "file_test_util.h"
#include "fitbench/executor.h"
#include "fitbench/models.h"

namespace fitbench {
namespace {

using ::testing::HasSubstr;

// A checkpoint of `symbol` bound to `data` with random parameters.
Checkpoint random_checkpoint(const Symbol& symbol, const Shape& data) {
  std::map<std::string, Shape> inputs{{"data", data}};
  for (const auto& [name, shape] : infer_shapes(symbol, inputs).arguments)
    if (name.ends_with("_label")) inputs[name] = shape;
  Executor exec(symbol, inputs);
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<float> uniform(0.5f, 1.5f);
  Checkpoint c{symbol, {}, {}};
  for (const auto& name : exec.param_names()) c.arg_params[name] = exec.param(name);
  for (const auto& name : exec.aux_names()) c.aux_params[name] = exec.aux(name);
  for (auto* params : {&c.arg_params, &c.aux_params})
    for (auto& [name, t] : *params)
      for (int64_t i = 0; i < t.size(); ++i) t.f32()[i] = uniform(rng);
  return c;
}

onnx::ModelProto parse(const OnnxExport& e) {
  onnx::ModelProto model;
  EXPECT_TRUE(model.ParseFromString(e.bytes));
  return model;
}

std::vector<std::string> dims(const onnx::ValueInfoProto& info) {
  std::vector<std::string> out;
  for (const auto& d : info.type().tensor_type().shape().dim())
    out.push_back(d.has_dim_param() ? d.dim_param() : std::to_string(d.dim_value()));
  return out;
}

std::vector<std::string> op_types(const onnx::GraphProto& graph) {
  std::vector<std::string> ops;
  for (const auto& n : graph.node()) ops.push_back(n.op_type());
  return ops;
}

OnnxExportOptions mnist_options() {
  OnnxExportOptions o;
  o.input = {1, 28, 28};
  return o;
}

TEST(OnnxExport, LenetBecomesConvPoolGemmSoftmax) {
  const Checkpoint c = random_checkpoint(build_network("lenet", {10, 0, {1, 28, 28}}), Shape{1, 1, 28, 28});
  const OnnxExport e = export_onnx(c, mnist_options());
  const onnx::ModelProto m = parse(e);
  EXPECT_EQ(m.producer_name(), "fitbench");
  ASSERT_EQ(m.opset_import_size(), 1);
  EXPECT_EQ(m.opset_import(0).version(), 13);
  EXPECT_EQ(op_types(m.graph()),
            (std::vector<std::string>{"Conv", "Tanh", "MaxPool", "Conv", "Tanh", "MaxPool", "Flatten", "Gemm", "Tanh",
                                      "Gemm", "Softmax"}));
  ASSERT_EQ(m.graph().input_size(), 1);
  EXPECT_EQ(m.graph().input(0).name(), "data");
  EXPECT_EQ(dims(m.graph().input(0)), (std::vector<std::string>{"1", "1", "28", "28"}));
  ASSERT_EQ(m.graph().output_size(), 1);
  EXPECT_EQ(m.graph().output(0).name(), "softmax_output");
  EXPECT_EQ(dims(m.graph().output(0)), (std::vector<std::string>{"1", "10"}));
  // Every learnable array, and no label.
  EXPECT_EQ(m.graph().initializer_size(), static_cast<int>(c.arg_params.size()));
  int64_t floats = 0;
  for (const auto& [name, t] : c.arg_params) floats += t.size();
  EXPECT_EQ(e.parameters, floats);
  EXPECT_EQ(e.nodes, m.graph().node_size());
}

TEST(OnnxExport, DynamicBatchIsSymbolicInInputAndOutput) {
  OnnxExportOptions o = mnist_options();
  o.dynamic_batch = true;
  const onnx::ModelProto m =
      parse(export_onnx(random_checkpoint(build_network("mlp", {10, 0, {1, 28, 28}}), Shape{1, 1, 28, 28}), o));
  EXPECT_EQ(dims(m.graph().input(0)), (std::vector<std::string>{"batch", "1", "28", "28"}));
  EXPECT_EQ(dims(m.graph().output(0)), (std::vector<std::string>{"batch", "10"}));
}

TEST(OnnxExport, PreprocessingTakesPixelsAndNormalisesFirst) {
  OnnxExportOptions o;
  o.input = {3, 28, 28, {123.f, 117.f, 104.f}, {58.f, 57.f, 57.5f}};
  o.include_preprocessing = true;
  const Checkpoint c =
      random_checkpoint(build_network("resnet", {10, 20, {3, 28, 28}}), Shape{1, 3, 28, 28});
  const onnx::ModelProto m = parse(export_onnx(c, o));
  EXPECT_EQ(m.graph().input(0).name(), "pixels");
  ASSERT_GE(m.graph().node_size(), 2);
  EXPECT_EQ(m.graph().node(0).op_type(), "Sub");
  EXPECT_EQ(m.graph().node(1).op_type(), "Div");
  EXPECT_EQ(m.graph().node(1).output(0), "data");
  for (const auto& init : m.graph().initializer()) {
    if (init.name() != "preprocess/mean" && init.name() != "preprocess/std") continue;
    ASSERT_EQ(init.raw_data().size(), 3 * sizeof(float));
    std::vector<float> values(3);
    std::memcpy(values.data(), init.raw_data().data(), init.raw_data().size());
    const std::vector<float> mean{123.f, 117.f, 104.f}, std{58.f, 57.f, 57.5f};
    EXPECT_EQ(values, init.name() == "preprocess/mean" ? mean : std);
  }
}

// 13 to 21; the library's checker reads those it knows, and the IR version
// follows the opset's ONNX release.
TEST(OnnxExport, OpsetsFrom13To21) {
  const Checkpoint c = random_checkpoint(build_network("mlp", {10, 0, {1, 28, 28}}), Shape{1, 1, 28, 28});
  OnnxExportOptions o = mnist_options();
  o.opset = 12;
  EXPECT_THAT(test::error_message([&] { export_onnx(c, o); }), HasSubstr("opset 12 is out of range"));
  o.opset = 22;
  EXPECT_THAT(test::error_message([&] { export_onnx(c, o); }), HasSubstr("opsets 13 to 21"));
  EXPECT_EQ(max_onnx_opset(), 21);
  EXPECT_GE(max_checked_onnx_opset(), 17);  // Debian 12's onnx 1.12
  for (int opset : {13, max_checked_onnx_opset(), 21}) {
    o.opset = opset;
    const OnnxExport e = export_onnx(c, o);
    const onnx::ModelProto m = parse(e);
    EXPECT_EQ(m.opset_import(0).version(), opset);
    EXPECT_EQ(e.checked, opset <= max_checked_onnx_opset());
    EXPECT_EQ(m.ir_version(), opset == 21 ? 10 : opset >= 19 ? 9 : 8);
  }
}

TEST(OnnxExport, DropoutAtInferenceIsRefusedNamingTheLayer) {
  Symbol x = Symbol::create("FullyConnected", "fc", {Symbol::variable("data")}, {{"num_hidden", "4"}});
  x = Symbol::create("Dropout", "drop", {x}, {{"mode", "always"}});
  x = Symbol::create("SoftmaxOutput", "softmax", {x});
  const Checkpoint c = random_checkpoint(x, Shape{1, 1, 28, 28});
  EXPECT_THAT(test::error_message([&] { export_onnx(c, mnist_options()); }),
              HasSubstr("layer 'drop' (Dropout): mode 'always'"));
}

TEST(OnnxExport, MissingParameterIsNamed) {
  Checkpoint c = random_checkpoint(build_network("mlp", {10, 0, {1, 28, 28}}), Shape{1, 1, 28, 28});
  c.arg_params.erase("fc2_weight");
  EXPECT_THAT(test::error_message([&] { export_onnx(c, mnist_options()); }),
              HasSubstr("layer 'fc2' reads 'fc2_weight', which is neither the input 'data' nor a parameter"));
}

TEST(OnnxExport, AFailedSaveLeavesTheFileAlone) {
  test::TempDir dir;
  const std::string path = dir.file("model.onnx");
  std::ofstream(path) << "a good model";
  Checkpoint c = random_checkpoint(build_network("mlp", {10, 0, {1, 28, 28}}), Shape{1, 1, 28, 28});
  c.arg_params.erase("fc1_bias");
  EXPECT_THROW(save_onnx(path, c, mnist_options()), Error);
  std::ifstream in(path);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(in), {}), "a good model");
  c = random_checkpoint(build_network("mlp", {10, 0, {1, 28, 28}}), Shape{1, 1, 28, 28});
  const OnnxExport e = save_onnx(path, c, mnist_options());
  std::ifstream written(path, std::ios::binary);
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(written), {}), e.bytes);
}

}  // namespace
}  // namespace fitbench
