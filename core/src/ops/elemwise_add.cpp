// elemwise_add (aliases _Plus, _plus, _add): out = lhs + rhs, shapes equal.
#include "fitbench/attr_reader.h"
#include "ops/kernels/elemwise_add.h"
#include "ops/ops.h"
#include "tensor/dispatch.h"

namespace fitbench::ops {

namespace {

class ElemwiseAdd final : public Operator {
 public:
  explicit ElemwiseAdd(const Attrs& attrs) { AttrReader(type(), attrs).reject_unknown(); }

  const char* type() const override { return "elemwise_add"; }
  std::vector<std::string> arguments() const override { return {"lhs", "rhs"}; }

  void infer_shape(std::vector<Shape>& in, std::vector<Shape>& out, std::vector<Shape>&) const override {
    if (in[0].known() && in[1].known() && in[0] != in[1])
      fail("elemwise_add needs equal shapes, got lhs ", in[0].str(), " and rhs ", in[1].str());
    const Shape known = in[0].known() ? in[0] : in[1].known() ? in[1] : out[0];
    if (!known.known()) return;
    if (out[0].known() && out[0] != known)
      fail("elemwise_add output shape ", out[0].str(), " differs from input shape ", known.str());
    in[0] = in[1] = out[0] = known;
  }

  void forward(const OpContext&, const std::vector<Tensor>& in, const std::vector<Tensor>& out,
               const std::vector<Tensor>&) override {
    FB_DISPATCH(out[0], elemwise_add(in[0].f32(), in[1].f32(), out[0].f32(), out[0].size()));
  }

  void backward(const OpContext&, const std::vector<Tensor>& out_grad, const std::vector<Tensor>&,
                const std::vector<Tensor>&, const std::vector<Tensor>& in_grad,
                const std::vector<GradReq>& req, const std::vector<Tensor>&) override {
    const auto target = [&](size_t i) { return req[i] == GradReq::Write ? in_grad[i].f32() : nullptr; };
    FB_DISPATCH(out_grad[0],
                elemwise_add_backward(out_grad[0].f32(), target(0), target(1), out_grad[0].size()));
  }
};

}  // namespace

std::unique_ptr<Operator> make_elemwise_add(const Attrs& attrs) {
  return std::make_unique<ElemwiseAdd>(attrs);
}

}  // namespace fitbench::ops
