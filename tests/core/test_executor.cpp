// The Executor end to end: shape inference errors, and the gradient of a whole
// network (with an entry read by two layers) against finite differences.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "file_test_util.h"
#include "fitbench/executor.h"
#include "fitbench/models.h"

using namespace fitbench;
using ::testing::HasSubstr;

namespace {

// data -> fc(6) -> tanh -> (fc(6) + itself) -> fc(3) -> softmax: the tanh output
// feeds two consumers, so its gradient is accumulated by the Executor.
Symbol residual_mlp() {
  NameScope names;
  Symbol x = Symbol::create("FullyConnected", "fc1", {Symbol::variable("data")}, {{"num_hidden", "6"}});
  x = Symbol::create("Activation", "act1", {x}, {{"act_type", "tanh"}});
  Symbol y = Symbol::create("FullyConnected", "fc2", {x}, {{"num_hidden", "6"}});
  x = y + x;
  x = Symbol::create("FullyConnected", "fc3", {x}, {{"num_hidden", "3"}});
  return Symbol::create("SoftmaxOutput", "softmax", {x});
}

double loss(Executor& exec, int batch) {
  exec.forward(true);
  const Tensor& p = exec.output(0);
  double l = 0;
  for (int i = 0; i < batch; ++i) l -= std::log(p.f32()[i * 3 + static_cast<int>(exec.input("softmax_label").f32()[i])]);
  return l;
}

TEST(Executor, GradientOfAWholeNetworkMatchesFiniteDifferences) {
  const int batch = 4;
  Executor exec(residual_mlp(), {{"data", Shape{batch, 5}}, {"softmax_label", Shape{batch}}});
  std::mt19937_64 rng(3);
  std::uniform_real_distribution<float> u(-1, 1);
  for (const auto& name : exec.param_names())
    for (int64_t i = 0; i < exec.param(name).size(); ++i) exec.param(name).f32()[i] = u(rng);
  for (int64_t i = 0; i < exec.input("data").size(); ++i) exec.input("data").f32()[i] = u(rng);
  for (int i = 0; i < batch; ++i) exec.input("softmax_label").f32()[i] = static_cast<float>(i % 3);
  loss(exec, batch);
  exec.backward();
  for (const auto& name : exec.param_names()) {
    const Tensor& w = exec.param(name);
    const Tensor g = exec.grad(name).clone();
    for (int64_t i = 0; i < w.size(); ++i) {
      const float saved = w.f32()[i];
      w.f32()[i] = saved + 1e-2f;
      const double plus = loss(exec, batch);
      w.f32()[i] = saved - 1e-2f;
      const double minus = loss(exec, batch);
      w.f32()[i] = saved;
      EXPECT_NEAR(g.f32()[i], (plus - minus) / 2e-2, 2e-2 * std::max(1.0, std::fabs(double(g.f32()[i])))) << name << "[" << i << "]";
    }
  }
}

TEST(Executor, BackwardTwiceGivesTheSameGradients) {
  Executor exec(build_network("lenet", {10, 0, {1, 28, 28}}), {{"data", Shape{2, 1, 28, 28}}, {"softmax_label", Shape{2}}});
  std::mt19937_64 rng(1);
  std::normal_distribution<float> n(0, 0.1f);
  for (int64_t i = 0; i < exec.param_buffer().size(); ++i) exec.param_buffer().f32()[i] = n(rng);
  for (int64_t i = 0; i < exec.input("data").size(); ++i) exec.input("data").f32()[i] = n(rng);
  exec.forward(true);
  exec.backward();
  const Tensor first = exec.grad_buffer().clone();
  exec.forward(true);
  exec.backward();
  for (int64_t i = 0; i < first.size(); ++i) ASSERT_EQ(first.f32()[i], exec.grad_buffer().f32()[i]);
}

TEST(Executor, ParametersLiveInOneContiguousBuffer) {
  Executor exec(build_network("mlp", {10, 0, {1, 28, 28}}), {{"data", Shape{8, 1, 28, 28}}, {"softmax_label", Shape{8}}});
  int64_t total = 0, padded = 0;
  for (const auto& name : exec.param_names()) {
    EXPECT_EQ(exec.param(name).storage(), exec.param_buffer().storage());
    EXPECT_EQ(exec.param(name).offset() % 256, 0u) << name << " is not 256-byte aligned";
    total += exec.param(name).size();
    padded += padded_view_floats(exec.param(name).size());
  }
  EXPECT_EQ(total, 784 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10);
  EXPECT_EQ(padded, exec.param_buffer().size());
}

TEST(Executor, ShapeMismatchNamesTheLayerAndBothShapes) {
  try {
    infer_shapes(build_network("mlp", {10, 0, {1, 28, 28}}),
                 {{"data", Shape{8, 784}}, {"softmax_label", Shape{8}}, {"fc2_weight", Shape{64, 100}}});
    FAIL();
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find("fc2"), std::string::npos) << m;
    EXPECT_NE(m.find("(64, 100)"), std::string::npos) << m;
    EXPECT_NE(m.find("(64, 128)"), std::string::npos) << m;
  }
}

// data -> fc, in symbol JSON whose `head` and the activation's input `act_input` are given.
std::string fc_json(const std::string& head, const std::string& act_input) {
  return R"({"nodes": [{"op": "null", "name": "data", "inputs": []},
    {"op": "null", "name": "fc_weight", "inputs": []}, {"op": "null", "name": "fc_bias", "inputs": []},
    {"op": "FullyConnected", "name": "fc", "attrs": {"num_hidden": "4"},
     "inputs": [[0, 0, 0], [1, 0, 0], [2, 0, 0]]},
    {"op": "Activation", "name": "act", "attrs": {"act_type": "relu"}, "inputs": [)" +
         act_input + R"(]}], "heads": [)" + head + "]}";
}

// An entry naming an output its node does not have is refused when the file
// is read; the Executor would otherwise index past the node's outputs.
TEST(Executor, SymbolJsonEntriesMustNameAnExistingOutput) {
  const std::map<std::string, Shape> inputs = {{"data", Shape{2, 3}}};
  EXPECT_EQ(infer_shapes(Symbol::from_json(fc_json("[4, 0, 0]", "[3, 0, 0]")), inputs).outputs[0],
            (Shape{2, 4}));
  const std::string bad_head = fc_json("[3, 1, 0]", "[3, 0, 0]");
  EXPECT_THAT(test::error_message([&] { Symbol::from_json(bad_head, "net-symbol.json"); }),
              HasSubstr("net-symbol.json: heads refers to output 1 of node 'fc', which has 1 output"));
  EXPECT_THAT(test::error_message([] { Symbol::from_json(fc_json("[4, 0, 0]", "[3, -1, 0]")); }),
              HasSubstr("node 'act' refers to output -1 of node 'fc'"));
}

TEST(Executor, InfersResnetShapes) {
  const auto shapes = infer_shapes(build_network("resnet", {10, 20, {3, 28, 28}}),
                                   {{"data", Shape{2, 3, 28, 28}}, {"softmax_label", Shape{2}}});
  EXPECT_EQ(shapes.outputs[0], (Shape{2, 10}));
  EXPECT_EQ(shapes.arguments.at("stage3_unit1_sc_weight"), (Shape{64, 32, 1, 1}));
  EXPECT_EQ(shapes.aux_states.at("bn1_moving_var"), (Shape{64}));
}

// A symbol file asking for a layer no machine can hold (num_hidden
// 400000000 on 784 inputs: 1.2 TB of weights) is refused before anything is
// allocated, naming that layer's parameter, instead of ending in std::bad_alloc.
TEST(Executor, ANetworkTooLargeForMemoryIsRefusedNamingItsLargestArray) {
  const Symbol huge = Symbol::from_json(R"({"nodes": [{"op": "null", "name": "data", "inputs": []},
    {"op": "null", "name": "fc_weight", "inputs": []}, {"op": "null", "name": "fc_bias", "inputs": []},
    {"op": "FullyConnected", "name": "fc", "attrs": {"num_hidden": "400000000"},
     "inputs": [[0, 0, 0], [1, 0, 0], [2, 0, 0]]}], "heads": [[3, 0, 0]]})");
  const std::string m = test::error_message([&] { Executor e(huge, {{"data", Shape{8, 784}}}); });
  EXPECT_THAT(m, HasSubstr("out of memory"));
  EXPECT_THAT(m, HasSubstr("parameter 'fc_weight'"));
  EXPECT_THAT(m, HasSubstr("(400000000, 784)"));
}

// Any array that cannot be had says its shape and size, even one whose byte
// count overflows.
TEST(Tensor, AnAllocationThatCannotBeHadSaysWhatWasAskedFor) {
  const std::string m = test::error_message([] { Tensor t(Shape{int64_t{1} << 42}); });
  EXPECT_THAT(m, HasSubstr("(4398046511104,)"));
  EXPECT_THAT(m, HasSubstr("16.0 TiB"));
  const std::string overflow = test::error_message([] { Tensor t(Shape{int64_t{1} << 40, int64_t{1} << 40}); });
  EXPECT_THAT(overflow, HasSubstr("more bytes than can be counted"));
}

// Symbol attributes too large for their type are named as such.
TEST(Executor, AnAttributeOutOfRangeIsNamed) {
  const std::string m = test::error_message([] {
    infer_shapes(Symbol::from_json(R"({"nodes": [{"op": "null", "name": "data", "inputs": []},
      {"op": "FullyConnected", "name": "fc", "attrs": {"num_hidden": "1000000000000"}, "inputs": [[0, 0, 0]]}],
      "heads": [[1, 0, 0]]})"),
                 {{"data", Shape{8, 784}}});
  });
  EXPECT_THAT(m, HasSubstr("1000000000000"));
  EXPECT_THAT(m, HasSubstr("out of range"));
}

}  // namespace
