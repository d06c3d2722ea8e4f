// Finite-difference gradient check for one operator (Caffe's GradientChecker).
//
// For an operator y = f(x_1..x_n) and a fixed random projection r, the scalar
// L = sum(r * y_0) has analytic gradients from backward(out_grad = r) and
// numeric ones from central differences (L(x+h) - L(x-h)) / 2h, computed in
// double precision on float32 data. Loss heads (SoftmaxOutput) ignore
// out_grad; pass a custom loss for them.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "fitbench/operator.h"

namespace fitbench::testing {

inline Tensor random_tensor(const Shape& shape, std::mt19937_64& rng, float lo = -1.0f, float hi = 1.0f) {
  Tensor t(shape);
  std::uniform_real_distribution<float> u(lo, hi);
  for (int64_t i = 0; i < t.size(); ++i) t.f32()[i] = u(rng);
  return t;
}

struct GradCheckOptions {
  float step = 1e-2f;          // finite-difference step
  double tolerance = 1e-2;     // on |a - n| / max(1, |a|, |n|)
  std::vector<int> skip_inputs;  // inputs whose gradient is not checked (labels)
  bool is_train = true;
  uint64_t seed = 7;
  // Scalar objective of the first output; default sum(r * y).
  std::function<double(const Tensor& output, const Tensor& projection)> loss;
  // Fills inputs before the check (default uniform(-1, 1)).
  std::function<void(std::vector<Tensor>& inputs, std::mt19937_64& rng)> fill;
};

// Runs the check; `in_shapes` are complete (data and parameters). Aux states
// are created by shape inference and filled with 0 (means) / 1 (vars).
inline void check_gradient(const std::string& op_name, const Attrs& attrs, std::vector<Shape> in_shapes,
                           const GradCheckOptions& opt = {}) {
  auto op = create_operator(op_name, attrs);
  std::vector<Shape> out_shapes(static_cast<size_t>(op->num_outputs()));
  std::vector<Shape> aux_shapes(op->aux_states().size());
  op->infer_shape(in_shapes, out_shapes, aux_shapes);

  std::mt19937_64 rng(opt.seed);
  std::vector<Tensor> in;
  for (const auto& s : in_shapes) in.push_back(random_tensor(s, rng));
  if (opt.fill) opt.fill(in, rng);
  std::vector<Tensor> aux;
  for (size_t i = 0; i < aux_shapes.size(); ++i) aux.push_back(Tensor::full(aux_shapes[i], i % 2 ? 1.0f : 0.0f));
  std::vector<Tensor> out;
  for (const auto& s : out_shapes) out.push_back(Tensor::zeros(s));
  Tensor projection = random_tensor(out_shapes[0], rng);

  Workspace ws;
  std::mt19937_64 op_rng(opt.seed + 1);
  OpContext ctx{opt.is_train, &op_rng, &ws};
  auto objective = [&]() {
    // Dropout must draw the same mask each time.
    op_rng.seed(opt.seed + 1);
    std::vector<Tensor> aux_copy;
    for (const auto& a : aux) aux_copy.push_back(a.clone());
    op->forward(ctx, in, out, aux_copy);
    if (opt.loss) return opt.loss(out[0], projection);
    double l = 0;
    for (int64_t i = 0; i < out[0].size(); ++i) l += double(out[0].f32()[i]) * projection.f32()[i];
    return l;
  };

  objective();
  std::vector<Tensor> out_grad;
  out_grad.push_back(projection);
  for (size_t i = 1; i < out.size(); ++i) out_grad.push_back(Tensor::zeros(out[i].shape()));
  std::vector<Tensor> in_grad;
  std::vector<GradReq> req;
  for (size_t i = 0; i < in.size(); ++i) {
    in_grad.push_back(Tensor::zeros(in[i].shape()));
    bool skip = std::find(opt.skip_inputs.begin(), opt.skip_inputs.end(), int(i)) != opt.skip_inputs.end();
    req.push_back(skip ? GradReq::Null : GradReq::Write);
  }
  op_rng.seed(opt.seed + 1);
  op->backward(ctx, out_grad, in, out, in_grad, req, aux);

  const auto names = op->arguments();
  for (size_t i = 0; i < in.size(); ++i) {
    if (req[i] == GradReq::Null) continue;
    float* x = in[i].f32();
    int checked = 0;
    for (int64_t j = 0; j < in[i].size(); ++j) {
      const float saved = x[j];
      x[j] = saved + opt.step;
      const double plus = objective();
      x[j] = saved - opt.step;
      const double minus = objective();
      x[j] = saved;
      const double numeric = (plus - minus) / (2.0 * opt.step);
      const double analytic = in_grad[i].f32()[j];
      const double scale = std::max({1.0, std::fabs(numeric), std::fabs(analytic)});
      EXPECT_LE(std::fabs(numeric - analytic) / scale, opt.tolerance)
          << op_name << " input '" << (i < names.size() ? names[i] : std::to_string(i)) << "' element " << j
          << ": analytic " << analytic << " numeric " << numeric;
      if (++checked > 2000) break;  // enough evidence for large inputs
    }
  }
}

}  // namespace fitbench::testing
