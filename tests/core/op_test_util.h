// What the operator tests share: one forward pass of an operator on given
// inputs (output and aux shapes inferred, aux states 0 for means and 1 for
// variances, as gradcheck.h fills them), tensors from values, and an
// element-by-element comparison that names the element.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "fitbench/operator.h"

namespace fitbench::testing {

// A 1-D tensor of `values`, or of `shape` when given.
inline Tensor tensor_of(const std::vector<float>& values, Shape shape = {}) {
  Tensor t(shape.known() ? shape : Shape{static_cast<int64_t>(values.size())});
  EXPECT_EQ(static_cast<size_t>(t.size()), values.size());
  std::copy(values.begin(), values.end(), t.f32());
  return t;
}

inline std::vector<float> values_of(const Tensor& t) { return {t.f32(), t.f32() + t.size()}; }

// An operator with its inputs, after one forward pass.
struct OpRun {
  std::unique_ptr<Operator> op;
  std::vector<Tensor> in, out, aux;
};

inline OpRun run_forward(const std::string& name, const Attrs& attrs, std::vector<Tensor> inputs,
                         const OpContext& ctx = {}) {
  OpRun r{create_operator(name, attrs), std::move(inputs), {}, {}};
  std::vector<Shape> in_shapes, out_shapes(static_cast<size_t>(r.op->num_outputs()));
  for (const Tensor& t : r.in) in_shapes.push_back(t.shape());
  std::vector<Shape> aux_shapes(r.op->aux_states().size());
  r.op->infer_shape(in_shapes, out_shapes, aux_shapes);
  for (const Shape& s : out_shapes) r.out.push_back(Tensor::zeros(s));
  for (size_t i = 0; i < aux_shapes.size(); ++i) r.aux.push_back(Tensor::full(aux_shapes[i], i % 2 ? 1.0f : 0.0f));
  r.op->forward(ctx, r.in, r.out, r.aux);
  return r;
}

// The first output of `name` on one 1-D input of `values`.
inline std::vector<float> forward_values(const std::string& name, const Attrs& attrs,
                                         const std::vector<float>& values) {
  return values_of(run_forward(name, attrs, {tensor_of(values)}).out[0]);
}

inline void expect_values(const std::vector<float>& actual, const std::vector<float>& expected,
                          float tolerance) {
  ASSERT_EQ(actual.size(), expected.size());
  for (size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], tolerance) << "element " << i;
}

}  // namespace fitbench::testing
