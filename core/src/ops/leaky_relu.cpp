// LeakyReLU: act_type leaky (slope * x below zero, slope 0.25) or elu (slope
// plays the role of alpha). MXNet's prelu, rrelu, selu and gelu are not
// implemented.
#include "fitbench/attr_reader.h"
#include "ops/kernels/leaky_relu.h"
#include "ops/ops.h"
#include "ops/same_shape.h"
#include "tensor/dispatch.h"

namespace fitbench::ops {

namespace {

class LeakyRelu final : public Operator {
 public:
  explicit LeakyRelu(const Attrs& attrs) {
    AttrReader r(type(), attrs);
    const std::string t =
        r.get_choice("act_type", "leaky", {"elu", "gelu", "leaky", "prelu", "rrelu", "selu"});
    if (t != "leaky" && t != "elu")
      fail("LeakyReLU act_type '", t, "' is not supported yet (fitbench supports leaky and elu)");
    act_ = t == "leaky" ? LeakyType::Leaky : LeakyType::Elu;
    slope_ = r.get_float("slope", 0.25f);
    // rrelu's sampling range: meaningless for leaky and elu.
    r.reject_unknown({"lower_bound", "upper_bound"});
  }

  const char* type() const override { return "LeakyReLU"; }

  void infer_shape(std::vector<Shape>& in, std::vector<Shape>& out, std::vector<Shape>&) const override {
    infer_same_shape(type(), in[0], out[0]);
  }

  void forward(const OpContext&, const std::vector<Tensor>& in, const std::vector<Tensor>& out,
               const std::vector<Tensor>&) override {
    FB_DISPATCH(in[0], leaky_relu_forward(act_, slope_, in[0].f32(), out[0].f32(), in[0].size()));
  }

  void backward(const OpContext&, const std::vector<Tensor>& out_grad, const std::vector<Tensor>&,
                const std::vector<Tensor>& out, const std::vector<Tensor>& in_grad,
                const std::vector<GradReq>& req, const std::vector<Tensor>&) override {
    if (req[0] == GradReq::Null) return;
    FB_DISPATCH(out[0], leaky_relu_backward(act_, slope_, out_grad[0].f32(), out[0].f32(), in_grad[0].f32(),
                                            out[0].size()));
  }

 private:
  LeakyType act_;
  float slope_;
};

}  // namespace

std::unique_ptr<Operator> make_leaky_relu(const Attrs& attrs) { return std::make_unique<LeakyRelu>(attrs); }

}  // namespace fitbench::ops
