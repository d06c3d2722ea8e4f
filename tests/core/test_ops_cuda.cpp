// The CUDA backend against the CPU one (the idea of ggml's test-backend-ops):
// every registered operator runs forward and backward on the CPU and, from
// copies of the same inputs, on gpu(0); outputs, gradients, auxiliary states
// and inputs the operator writes (BatchNorm's fixed gamma) must agree within
// 1e-4 * max(1, |cpu|) element by element. Also the runtime underneath:
// transfers, fill, zero, device-to-device copies and the caching allocator.
//
// Every test skips without a usable GPU or without the GPU module, and says which.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iomanip>
#include <limits>
#include <optional>
#include <ostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "file_test_util.h"
#include "fitbench/gpu_module.h"
#include "fitbench/operator.h"
#include "gpu/gpu_backend.h"
#include "gradcheck.h"

namespace fitbench {
namespace {

using testing::random_tensor;

const Device kGpu = Device::gpu(0);

// Why GPU tests cannot run here, or "" when they can.
std::string gpu_unusable() {
  const GpuModuleStatus& module = gpu_module_status();
  if (!module.loaded) return module.reason;
  return usable_gpu_count() == 0 ? "no usable GPU (the GPU module " + module.path + " counts none)" : "";
}

#define FB_REQUIRE_GPU()                           \
  do {                                             \
    const std::string why_not = gpu_unusable();    \
    if (!why_not.empty()) GTEST_SKIP() << why_not; \
  } while (0)

// ---------------------------------------------------------------------------
// Comparison

// "(1, 0, 2)": the position of flat element `index` in `shape`.
std::string position(const Shape& shape, int64_t index) {
  std::vector<int64_t> at(static_cast<size_t>(shape.ndim()));
  for (int d = shape.ndim() - 1; d >= 0; --d) {
    at[static_cast<size_t>(d)] = index % shape[d];
    index /= shape[d];
  }
  return Shape(at).str();
}

// `gpu` (on any device) holds the values of `cpu` within 1e-4 * max(1, |cpu|)
// element by element; a failure names the worst element. NaN never matches,
// so an element the GPU kernel forgot to write (outputs start as NaN) fails.
::testing::AssertionResult matches(const Tensor& cpu, const Tensor& gpu) {
  if (gpu.shape() != cpu.shape())
    return ::testing::AssertionFailure()
           << "shape " << gpu.shape().str() << " on the GPU, " << cpu.shape().str() << " on the CPU";
  const Tensor back = gpu.to(Device::cpu());
  const float* c = cpu.f32();
  const float* g = back.f32();
  int64_t bad = 0, worst = -1;
  double worst_excess = 0;
  for (int64_t i = 0; i < cpu.size(); ++i) {
    const double diff = std::fabs(double(g[i]) - double(c[i]));
    const double allowed = 1e-4 * std::max(1.0, std::fabs(double(c[i])));
    if (diff <= allowed) continue;
    ++bad;
    const double excess = std::isnan(diff) ? std::numeric_limits<double>::infinity() : diff / allowed;
    if (worst < 0 || excess > worst_excess) worst = i, worst_excess = excess;
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  // gtest streams each part of a message on its own, so the precision is set here.
  std::ostringstream os;
  os << std::setprecision(9) << bad << " of " << cpu.size() << " elements differ; worst: element " << worst
     << " at " << position(cpu.shape(), worst) << " of " << cpu.shape().str() << ", gpu " << g[worst]
     << " cpu " << c[worst] << " (|gpu - cpu| " << std::fabs(double(g[worst]) - double(c[worst]))
     << ", allowed " << 1e-4 * std::max(1.0, std::fabs(double(c[worst]))) << ")";
  return ::testing::AssertionFailure() << os.str();
}

// ---------------------------------------------------------------------------
// Operator cases

struct OpCase {
  OpCase(std::string name, std::string op, Attrs attrs, std::vector<Shape> shapes, bool is_train = true,
         float scale = 1.0f)
      : name(std::move(name)),
        op(std::move(op)),
        attrs(std::move(attrs)),
        shapes(std::move(shapes)),
        is_train(is_train),
        scale(scale) {}

  std::string name;  // test name: letters, digits and '_'
  std::string op;
  Attrs attrs;
  // The leading inputs' shapes; the rest (parameters, labels) come from infer_shape.
  std::vector<Shape> shapes;
  bool is_train;
  float scale;  // inputs are uniform in [-scale, scale]
  // The input holding class labels (no gradient), with values in [0, classes);
  // every third label is `ignore` when set.
  int label_input = -1;
  int classes = 0;
  std::optional<int> ignore;
};

void PrintTo(const OpCase& c, std::ostream* os) { *os << c.name; }

std::string tuple(int a, int b) { return "(" + std::to_string(a) + ", " + std::to_string(b) + ")"; }

Attrs conv(int kh, int kw, int filters, int sh = 1, int sw = 1, int ph = 0, int pw = 0, int dh = 1,
           int dw = 1, int groups = 1, bool bias = true) {
  Attrs a = {{"kernel", tuple(kh, kw)},
             {"stride", tuple(sh, sw)},
             {"pad", tuple(ph, pw)},
             {"dilate", tuple(dh, dw)},
             {"num_filter", std::to_string(filters)},
             {"num_group", std::to_string(groups)}};
  if (!bias) a["no_bias"] = "True";
  return a;
}

Attrs pool(const std::string& type, int k, int s, int p, bool full = false, bool include_pad = true) {
  return {{"pool_type", type},
          {"kernel", tuple(k, k)},
          {"stride", tuple(s, s)},
          {"pad", tuple(p, p)},
          {"pooling_convention", full ? "full" : "valid"},
          {"count_include_pad", include_pad ? "True" : "False"}};
}

OpCase softmax(std::string name, Attrs attrs, Shape data, int classes, std::optional<int> ignore = {}) {
  OpCase c(std::move(name), "SoftmaxOutput", std::move(attrs), {std::move(data)}, true, 4.0f);
  c.label_input = 1;
  c.classes = classes;
  c.ignore = ignore;
  return c;
}

// Realistic attribute sets for every operator, after tests/core/test_op_*.cpp
// and the networks of the model zoo. Shapes are odd-sized where that can
// catch an off-by-one.
std::vector<OpCase> op_cases() {
  std::vector<OpCase> cases = {
      {"Convolution_3x3", "Convolution", conv(3, 3, 8), {{2, 3, 9, 9}}},
      {"Convolution_LeNet_5x5", "Convolution", conv(5, 5, 20), {{4, 1, 28, 28}}},
      {"Convolution_stride_pad", "Convolution", conv(3, 2, 6, 2, 1, 1, 2), {{2, 4, 11, 8}}},
      {"Convolution_dilate", "Convolution", conv(2, 3, 5, 1, 1, 1, 1, 2, 2), {{2, 3, 10, 10}}},
      {"Convolution_groups", "Convolution", conv(3, 3, 8, 1, 1, 1, 1, 1, 1, 2), {{2, 4, 8, 8}}},
      {"Convolution_depthwise", "Convolution", conv(3, 3, 16, 2, 2, 1, 1, 1, 1, 16), {{2, 16, 9, 9}}},
      {"Convolution_no_bias", "Convolution", conv(2, 2, 6, 2, 2, 0, 0, 1, 1, 1, false), {{2, 3, 8, 8}}},
      {"Convolution_pointwise", "Convolution", conv(1, 1, 12), {{4, 16, 7, 7}}},
      {"Convolution_groups_dilate_no_bias",
       "Convolution",
       conv(3, 3, 4, 1, 1, 2, 1, 2, 2, 2, false),
       {{1, 16, 5, 5}}},
      {"Convolution_resnet_block", "Convolution", conv(3, 3, 32, 1, 1, 1, 1), {{8, 16, 16, 16}}},

      {"FullyConnected", "FullyConnected", {{"num_hidden", "10"}}, {{8, 20}}},
      {"FullyConnected_flattens_4d", "FullyConnected", {{"num_hidden", "7"}}, {{4, 3, 5, 5}}},
      {"FullyConnected_no_bias", "FullyConnected", {{"num_hidden", "16"}, {"no_bias", "True"}}, {{5, 33}}},
      {"FullyConnected_flatten_false",
       "FullyConnected",
       {{"num_hidden", "6"}, {"flatten", "False"}},
       {{2, 3, 4}}},
      {"FullyConnected_flatten_false_no_bias",
       "FullyConnected",
       {{"num_hidden", "5"}, {"flatten", "False"}, {"no_bias", "True"}},
       {{3, 5, 9}}},
      {"FullyConnected_large", "FullyConnected", {{"num_hidden", "128"}}, {{32, 256}}},

      {"Pooling_max_2x2", "Pooling", pool("max", 2, 2, 0), {{2, 3, 8, 8}}},
      {"Pooling_max_3x3_pad", "Pooling", pool("max", 3, 2, 1), {{2, 4, 9, 9}}},
      {"Pooling_max_full", "Pooling", pool("max", 3, 2, 0, true), {{2, 3, 10, 10}}},
      {"Pooling_avg_include_pad", "Pooling", pool("avg", 3, 1, 1), {{2, 3, 7, 7}}},
      {"Pooling_avg_exclude_pad", "Pooling", pool("avg", 3, 2, 1, false, false), {{2, 3, 8, 8}}},
      {"Pooling_avg_full_include_pad", "Pooling", pool("avg", 2, 2, 1, true, true), {{1, 2, 7, 6}}},
      // Not 7 rows: the full convention's last window would then lie in the padding alone, and
      // excluding the pad the CPU divides by 0 there.
      {"Pooling_avg_full_exclude_pad", "Pooling", pool("avg", 2, 2, 1, true, false), {{1, 2, 6, 6}}},
      {"Pooling_sum",
       "Pooling",
       {{"pool_type", "sum"}, {"kernel", "(2, 3)"}, {"stride", "(1, 2)"}, {"pad", "(1, 0)"}},
       {{2, 2, 6, 7}}},
      {"Pooling_sum_full", "Pooling", pool("sum", 3, 2, 1, true), {{2, 2, 6, 6}}},
      {"Pooling_global_avg", "Pooling", {{"global_pool", "True"}, {"pool_type", "avg"}}, {{2, 8, 7, 7}}},
      {"Pooling_global_max", "Pooling", {{"global_pool", "True"}, {"kernel", "(1, 1)"}}, {{2, 8, 5, 6}}},
      {"Pooling_global_sum", "Pooling", {{"global_pool", "True"}, {"pool_type", "sum"}}, {{2, 3, 4, 4}}},

      {"LeakyReLU_leaky", "LeakyReLU", {{"act_type", "leaky"}}, {{4, 3, 17, 19}}},
      {"LeakyReLU_leaky_0_01", "LeakyReLU", {{"act_type", "leaky"}, {"slope", "0.01"}}, {{4, 3, 17, 19}}},
      {"LeakyReLU_elu", "LeakyReLU", {{"act_type", "elu"}, {"slope", "1.0"}}, {{4, 3, 17, 19}}, true, 3.0f},
      {"LeakyReLU_elu_0_3",
       "LeakyReLU",
       {{"act_type", "elu"}, {"slope", "0.3"}},
       {{4, 3, 17, 19}},
       true,
       3.0f},

      {"BatchNorm_fix_gamma", "BatchNorm", {}, {{4, 3, 5, 5}}},
      {"BatchNorm_train", "BatchNorm", {{"fix_gamma", "False"}}, {{4, 3, 5, 5}}},
      {"BatchNorm_use_global_stats",
       "BatchNorm",
       {{"fix_gamma", "False"}, {"use_global_stats", "True"}},
       {{4, 3, 5, 5}}},
      {"BatchNorm_inference", "BatchNorm", {{"fix_gamma", "False"}}, {{4, 3, 5, 5}}, false},
      {"BatchNorm_inference_fix_gamma", "BatchNorm", {}, {{4, 3, 5, 5}}, false},
      {"BatchNorm_last_axis", "BatchNorm", {{"fix_gamma", "False"}, {"axis", "-1"}}, {{3, 2, 4}}},
      {"BatchNorm_output_mean_var",
       "BatchNorm",
       {{"fix_gamma", "False"}, {"output_mean_var", "True"}, {"eps", "2e-5"}, {"momentum", "0.8"}},
       {{8, 16, 6, 6}}},
      {"BatchNorm_after_dense", "BatchNorm", {{"fix_gamma", "False"}}, {{16, 10}}},

      {"Dropout_inference", "Dropout", {{"p", "0.5"}}, {{4, 3, 17, 19}}, false},
      {"Dropout_p0_training", "Dropout", {{"p", "0"}}, {{4, 3, 17, 19}}},
      {"Dropout_p0_always", "Dropout", {{"p", "0"}, {"mode", "always"}}, {{64, 33}}},

      {"LRN_alexnet",
       "LRN",
       {{"nsize", "5"}, {"alpha", "0.0001"}, {"beta", "0.75"}, {"knorm", "2"}},
       {{2, 8, 6, 6}}},
      {"LRN_nsize_3",
       "LRN",
       {{"nsize", "3"}, {"alpha", "0.9"}, {"beta", "0.75"}, {"knorm", "1"}},
       {{2, 5, 4, 3}}},
      {"LRN_nsize_1",
       "LRN",
       {{"nsize", "1"}, {"alpha", "1.0"}, {"beta", "1.2"}, {"knorm", "1"}},
       {{2, 4, 3, 3}}},
      {"LRN_nsize_7",
       "LRN",
       {{"nsize", "7"}, {"alpha", "1.5"}, {"beta", "0.75"}, {"knorm", "2"}},
       {{2, 10, 5, 5}}},
      {"LRN_beta_0_5",
       "LRN",
       {{"nsize", "5"}, {"alpha", "2.0"}, {"beta", "0.5"}, {"knorm", "0.5"}},
       {{1, 6, 4, 4}}},

      {"Flatten_4d", "Flatten", {}, {{2, 3, 4, 5}}},
      {"Flatten_2d", "Flatten", {}, {{6, 7}}},
      {"Flatten_1d", "Flatten", {}, {{5}}},
      {"copy", "_copy", {}, {{3, 4, 5}}},
      {"copy_alias_identity", "identity", {}, {{1000}}},

      {"clip", "clip", {{"a_min", "-0.5"}, {"a_max", "0.5"}}, {{4, 3, 17, 19}}},
      {"clip_relu6", "clip", {{"a_min", "0"}, {"a_max", "6"}}, {{4, 3, 17, 19}}, true, 8.0f},

      {"elemwise_add", "elemwise_add", {}, {{4, 3, 17, 19}, {4, 3, 17, 19}}},
      {"elemwise_add_1d", "elemwise_add", {}, {{7}, {7}}},

      {"Concat_three", "Concat", {{"num_args", "3"}}, {{2, 1, 3}, {2, 2, 3}, {2, 3, 3}}},
      {"Concat_dim0", "Concat", {{"num_args", "2"}, {"dim", "0"}}, {{1, 4}, {2, 4}}},
      {"Concat_dim2", "Concat", {{"num_args", "2"}, {"dim", "2"}}, {{2, 2, 1}, {2, 2, 3}}},
      {"Concat_last_axis", "Concat", {{"num_args", "3"}, {"dim", "-1"}}, {{2, 1}, {2, 2}, {2, 3}}},
      {"Concat_inception",
       "Concat",
       {{"num_args", "4"}},
       {{4, 8, 7, 7}, {4, 16, 7, 7}, {4, 4, 7, 7}, {4, 12, 7, 7}}},
      {"Concat_one", "Concat", {{"num_args", "1"}}, {{3, 5}}},

      softmax("SoftmaxOutput", {}, {8, 10}, 10),
      softmax("SoftmaxOutput_grad_scale", {{"grad_scale", "2.5"}}, {6, 4}, 4),
      softmax("SoftmaxOutput_batch", {{"normalization", "batch"}}, {6, 5}, 5),
      softmax("SoftmaxOutput_valid_ignore", {{"normalization", "valid"}, {"use_ignore", "True"}}, {9, 5}, 5,
              -1),
      softmax("SoftmaxOutput_ignore_2", {{"use_ignore", "True"}, {"ignore_label", "2"}}, {9, 4}, 4, 2),
      // "valid" skips ignore_label in its count even when the label is not ignored.
      softmax("SoftmaxOutput_valid_without_use_ignore", {{"normalization", "valid"}, {"ignore_label", "3"}},
              {9, 5}, 5, 3),
      softmax("SoftmaxOutput_smooth_alpha", {{"smooth_alpha", "0.1"}}, {5, 6}, 6),
      softmax("SoftmaxOutput_multi_output", {{"multi_output", "True"}}, {2, 3, 4, 5}, 3),
      softmax("SoftmaxOutput_multi_output_valid_ignore",
              {{"multi_output", "True"}, {"normalization", "valid"}, {"use_ignore", "True"}}, {2, 4, 3, 3}, 4,
              -1),
      softmax("SoftmaxOutput_preserve_shape", {{"preserve_shape", "True"}}, {2, 3, 4}, 4),
      softmax("SoftmaxOutput_flattens_3d", {}, {2, 3, 2}, 6),
      softmax("SoftmaxOutput_head_gradient", {{"out_grad", "True"}}, {5, 7}, 7),
      softmax("SoftmaxOutput_imagenet", {{"normalization", "batch"}}, {64, 1000}, 1000),
  };
  for (const char* act : {"relu", "sigmoid", "tanh", "softrelu", "softsign"})
    cases.push_back(
        {std::string("Activation_") + act, "Activation", {{"act_type", act}}, {{4, 3, 17, 19}}, true, 4.0f});
  return cases;
}

// ---------------------------------------------------------------------------
// Running a case

// Host copies of everything an operator run starts from.
struct Problem {
  std::vector<Tensor> in, aux, out_grad;
  std::vector<Shape> out_shapes;
  std::vector<GradReq> req;
  std::vector<std::string> in_names, aux_names;
};

Problem make_problem(const OpCase& c) {
  const auto op = create_operator(c.op, c.attrs);
  Problem p;
  p.in_names = op->arguments();
  p.aux_names = op->aux_states();
  std::vector<Shape> in_shapes = c.shapes;
  in_shapes.resize(p.in_names.size());
  std::vector<Shape> aux_shapes(p.aux_names.size());
  p.out_shapes.resize(static_cast<size_t>(op->num_outputs()));
  op->infer_shape(in_shapes, p.out_shapes, aux_shapes);

  std::mt19937_64 rng(20240607);
  for (size_t i = 0; i < in_shapes.size(); ++i) {
    if (static_cast<int>(i) != c.label_input) {
      p.in.push_back(random_tensor(in_shapes[i], rng, -c.scale, c.scale));
      p.req.push_back(GradReq::Write);
      continue;
    }
    Tensor labels(in_shapes[i]);
    for (int64_t j = 0; j < labels.size(); ++j)
      labels.f32()[j] = c.ignore && j % 3 == 0 ? static_cast<float>(*c.ignore)
                                               : static_cast<float>(rng() % static_cast<uint64_t>(c.classes));
    p.in.push_back(labels);
    p.req.push_back(GradReq::Null);
  }
  // Moving variances must be positive; means are anything.
  for (size_t i = 0; i < aux_shapes.size(); ++i) {
    const bool variance = p.aux_names[i].find("var") != std::string::npos;
    p.aux.push_back(random_tensor(aux_shapes[i], rng, variance ? 0.5f : -0.5f, variance ? 1.5f : 0.5f));
  }
  // Hidden outputs get one too: kernels must ignore it.
  for (const auto& s : p.out_shapes) p.out_grad.push_back(random_tensor(s, rng));
  return p;
}

// A copy of `t` of its own on `device`: operators may write their inputs.
Tensor place(const Tensor& t, Device device) { return device.is_cpu() ? t.clone() : t.to(device); }

// One run of a case on one device, from copies of the problem's tensors.
// Outputs and gradients start as NaN, so an element a kernel leaves alone
// shows up in the comparison.
class DeviceRun {
 public:
  DeviceRun(const OpCase& c, const Problem& p, Device device)
      : op_(create_operator(c.op, c.attrs)), ws_(device), ctx_{c.is_train, &rng_, &ws_}, req_(p.req) {
    const float nan = std::numeric_limits<float>::quiet_NaN();
    for (const auto& t : p.in) {
      in.push_back(place(t, device));
      in_grad.push_back(Tensor(t.shape(), DType::Float32, device));
      in_grad.back().fill(nan);
    }
    for (const auto& t : p.aux) aux.push_back(place(t, device));
    for (const auto& t : p.out_grad) out_grad.push_back(place(t, device));
    for (const auto& s : p.out_shapes) {
      out.push_back(Tensor(s, DType::Float32, device));
      out.back().fill(nan);
    }
  }

  void forward() { op_->forward(ctx_, in, out, aux); }
  void backward() { op_->backward(ctx_, out_grad, in, out, in_grad, req_, aux); }

  std::vector<Tensor> in, aux, out, out_grad, in_grad;

 private:
  std::unique_ptr<Operator> op_;
  Workspace ws_;
  std::mt19937_64 rng_{5};  // Dropout never draws a mask in these cases
  OpContext ctx_;
  std::vector<GradReq> req_;
};

class GpuMatchesCpu : public ::testing::TestWithParam<OpCase> {};

TEST_P(GpuMatchesCpu, ForwardAndBackward) {
  FB_REQUIRE_GPU();
  const OpCase& c = GetParam();
  const Problem p = make_problem(c);
  DeviceRun cpu(c, p, Device::cpu());
  const DeviceScope scope(kGpu);
  DeviceRun gpu(c, p, kGpu);

  cpu.forward();
  gpu.forward();
  for (size_t i = 0; i < cpu.out.size(); ++i)
    EXPECT_TRUE(matches(cpu.out[i], gpu.out[i])) << c.op << " forward: output " << i;
  for (size_t i = 0; i < cpu.aux.size(); ++i)
    EXPECT_TRUE(matches(cpu.aux[i], gpu.aux[i])) << c.op << " forward: aux state '" << p.aux_names[i] << "'";
  for (size_t i = 0; i < cpu.in.size(); ++i)
    EXPECT_TRUE(matches(cpu.in[i], gpu.in[i]))
        << c.op << " forward: input '" << p.in_names[i] << "' afterwards";

  cpu.backward();
  gpu.backward();
  for (size_t i = 0; i < cpu.in_grad.size(); ++i) {
    if (p.req[i] == GradReq::Null) continue;
    EXPECT_TRUE(matches(cpu.in_grad[i], gpu.in_grad[i]))
        << c.op << " backward: gradient of '" << p.in_names[i] << "'";
  }
}

INSTANTIATE_TEST_SUITE_P(AllOperators, GpuMatchesCpu, ::testing::ValuesIn(op_cases()),
                         [](const ::testing::TestParamInfo<OpCase>& info) { return info.param.name; });

TEST(GpuOpCases, EveryRegisteredOperatorHasACase) {
  FB_REQUIRE_GPU();
  const auto cases = op_cases();
  for (const auto& name : registered_operators()) {
    const bool covered = std::any_of(cases.begin(), cases.end(),
                                     [&](const OpCase& c) { return canonical_operator_name(c.op) == name; });
    EXPECT_TRUE(covered)
        << "operator " << name
        << " has no case in op_cases() of tests/core/test_ops_cuda.cpp: add one, so that its "
           "CUDA kernels are checked against the CPU";
  }
}

// ---------------------------------------------------------------------------
// The runtime

std::vector<float> values_of(const Tensor& t) {
  const Tensor host = t.to(Device::cpu());
  return std::vector<float>(host.f32(), host.f32() + host.size());
}

// Masks differ by backend (the GPU draws one seed and counts from it), so
// Dropout in training is checked by what a mask must be: every element kept
// and scaled by 1 / (1 - p) or dropped, about p of them dropped, the gradient
// through the same mask, and a new mask for each forward.
TEST(GpuDropout, KeepsAboutOneMinusPScaledAndRoutesTheGradientThroughTheMask) {
  FB_REQUIRE_GPU();
  const DeviceScope scope(kGpu);
  constexpr float p = 0.3f;
  constexpr int64_t n = 1 << 16;
  auto op = create_operator("Dropout", {{"p", "0.3"}});
  std::mt19937_64 rng(3);
  Workspace ws(kGpu);
  const OpContext ctx{true, &rng, &ws};
  const Tensor x = Tensor::full(Shape{n}, 2.0f).to(kGpu);
  const Tensor dy = Tensor::full(Shape{n}, 4.0f).to(kGpu);
  const Tensor y(Shape{n}, DType::Float32, kGpu), dx(Shape{n}, DType::Float32, kGpu);
  op->forward(ctx, {x}, {y}, {});
  op->backward(ctx, {dy}, {x}, {y}, {dx}, {GradReq::Write}, {});
  const std::vector<float> out = values_of(y), grad = values_of(dx);
  const float scale = 1.0f / (1.0f - p);
  int64_t dropped = 0;
  for (int64_t i = 0; i < n; ++i) {
    const auto k = static_cast<size_t>(i);
    ASSERT_TRUE(out[k] == 0.0f || out[k] == 2.0f * scale) << "y[" << i << "] = " << out[k];
    ASSERT_EQ(grad[k], out[k] == 0.0f ? 0.0f : 4.0f * scale) << "dx[" << i << "]";
    dropped += out[k] == 0.0f;
  }
  // Binomial(65536, 0.3): the standard deviation is about 117.
  EXPECT_NEAR(static_cast<double>(dropped), p * n, 1000.0);
  op->forward(ctx, {x}, {y}, {});
  EXPECT_NE(values_of(y), out) << "the second forward drew the same mask";
}

TEST(CudaRuntime, TensorRoundTrip) {
  FB_REQUIRE_GPU();
  std::mt19937_64 rng(1);
  const Tensor host = random_tensor({17, 1001}, rng);
  const Tensor on_gpu = host.to(kGpu);
  EXPECT_EQ(on_gpu.device(), kGpu);
  EXPECT_EQ(on_gpu.shape(), host.shape());
  EXPECT_EQ(on_gpu.to(kGpu).raw(), on_gpu.raw()) << "to() the device a tensor is on shares it";
  const Tensor back = on_gpu.to(Device::cpu());
  EXPECT_TRUE(back.device().is_cpu());
  EXPECT_EQ(std::memcmp(back.raw(), host.raw(), host.bytes()), 0);

  // Another dtype, and a byte count that is no multiple of 4.
  Tensor bytes(Shape{12345}, DType::UInt8);
  for (int64_t i = 0; i < bytes.size(); ++i) bytes.data<uint8_t>()[i] = static_cast<uint8_t>(i * 7);
  const Tensor bytes_back = bytes.to(kGpu).to(Device::cpu());
  EXPECT_EQ(bytes_back.dtype(), DType::UInt8);
  EXPECT_EQ(std::memcmp(bytes_back.raw(), bytes.raw(), bytes.bytes()), 0);
}

TEST(CudaRuntime, Fill) {
  FB_REQUIRE_GPU();
  // Past 65536 blocks of 256 threads, so the grid-stride loop goes round.
  for (const int64_t n : {int64_t{1}, int64_t{1000}, int64_t{65536} * 256 + 77}) {
    Tensor t(Shape{n}, DType::Float32, kGpu);
    t.fill(-2.5f);
    const auto v = values_of(t);
    const auto wrong = std::find_if(v.begin(), v.end(), [](float x) { return x != -2.5f; });
    EXPECT_EQ(wrong, v.end()) << n << " elements: element " << (wrong - v.begin()) << " is " << *wrong;
  }
  // A view fills its own elements only.
  Tensor whole(Shape{1000}, DType::Float32, kGpu);
  whole.fill(1.0f);
  Tensor(whole.storage(), 100 * sizeof(float), Shape{300}, DType::Float32).fill(5.0f);
  const auto v = values_of(whole);
  for (int64_t i = 0; i < 1000; ++i) ASSERT_EQ(v[size_t(i)], i >= 100 && i < 400 ? 5.0f : 1.0f) << i;
}

TEST(CudaRuntime, Zero) {
  FB_REQUIRE_GPU();
  std::mt19937_64 rng(2);
  const Tensor t = random_tensor({33, 65}, rng).to(kGpu);
  t.zero();
  for (float x : values_of(t)) ASSERT_EQ(x, 0.0f);
  // Tensor::zeros on a block the cache hands out again, after it held other values.
  const Shape shape{4097};
  Tensor(shape, DType::Float32, kGpu).fill(9.0f);
  for (float x : values_of(Tensor::zeros(shape, DType::Float32, kGpu))) ASSERT_EQ(x, 0.0f);
}

TEST(CudaRuntime, CopyBetweenGpuTensors) {
  FB_REQUIRE_GPU();
  std::mt19937_64 rng(3);
  const Tensor host = random_tensor({5, 301}, rng);
  const Tensor a = host.to(kGpu);
  const Tensor b(host.shape(), DType::Float32, kGpu);
  b.fill(std::numeric_limits<float>::quiet_NaN());
  b.copy_from(a);
  const auto expected = values_of(host);
  EXPECT_EQ(values_of(b), expected);

  const Tensor c = a.clone();
  EXPECT_EQ(c.device(), kGpu);
  EXPECT_NE(c.raw(), a.raw());
  EXPECT_EQ(values_of(c), expected);

  // Into a view at an offset, leaving the rest alone.
  const int64_t n = host.size();
  const Tensor big = Tensor::zeros({2 * n}, DType::Float32, kGpu);
  Tensor(big.storage(), static_cast<size_t>(n) * sizeof(float), host.shape(), DType::Float32).copy_from(a);
  const auto v = values_of(big);
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(v[size_t(i)], 0.0f) << i;
  for (int64_t i = 0; i < n; ++i) ASSERT_EQ(v[size_t(n + i)], expected[size_t(i)]) << i;

  // And back into host memory through copy_from.
  Tensor to_host(host.shape());
  to_host.copy_from(b);
  EXPECT_EQ(std::memcmp(to_host.raw(), host.raw(), host.bytes()), 0);
}

TEST(CudaRuntime, AllocatorReusesReleasedBlocks) {
  FB_REQUIRE_GPU();
  const GpuBackend& gpu = gpu_backend();
  const int64_t floats = (int64_t{3} << 20) / 4 + 1;  // 3 MiB and 4 bytes: a size no other test uses
  const GpuMemoryUse before = gpu.memory_use(0);
  void* first = nullptr;
  size_t block = 0;
  GpuMemoryUse held{};
  {
    const Tensor t(Shape{floats}, DType::Float32, kGpu);
    first = t.raw();
    held = gpu.memory_use(0);
    block = held.in_use - before.in_use;
    EXPECT_GE(block, static_cast<size_t>(floats) * sizeof(float));
  }
  const GpuMemoryUse released = gpu.memory_use(0);
  EXPECT_EQ(released.in_use, before.in_use);
  EXPECT_EQ(released.cached, held.cached + block) << "a released block stays in the cache";

  const Tensor again(Shape{floats}, DType::Float32, kGpu);
  EXPECT_EQ(again.raw(), first) << "the cached block is handed out again";
  const GpuMemoryUse reused = gpu.memory_use(0);
  EXPECT_EQ(reused.in_use, before.in_use + block);
  EXPECT_EQ(reused.cached, held.cached);
}

TEST(CudaRuntime, MissingDeviceIsAnError) {
  FB_REQUIRE_GPU();
  const Device missing = Device::gpu(usable_gpu_count());
  const std::string message = test::error_message([&] { (void)Tensor(Shape{4}, DType::Float32, missing); });
  EXPECT_NE(message.find(missing.str()), std::string::npos) << message;
  const std::string via_to = test::error_message([&] { (void)Tensor::full({4}, 1.0f).to(missing); });
  EXPECT_NE(via_to.find(missing.str()), std::string::npos) << via_to;
}

}  // namespace
}  // namespace fitbench
