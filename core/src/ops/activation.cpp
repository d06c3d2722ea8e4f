// Activation: y = f(x) elementwise, act_type relu | sigmoid | tanh | softrelu | softsign.
#include "fitbench/attr_reader.h"
#include "ops/kernels/activation.h"
#include "ops/ops.h"
#include "ops/same_shape.h"
#include "tensor/dispatch.h"

namespace fitbench::ops {

namespace {

ActType parse_act_type(const AttrReader& r) {
  if (!r.has("act_type"))
    fail("Activation needs the attribute 'act_type' (relu, sigmoid, tanh, softrelu or softsign)");
  const std::string t = r.get_choice("act_type", "", {"relu", "sigmoid", "tanh", "softrelu", "softsign"});
  if (t == "relu") return ActType::Relu;
  if (t == "sigmoid") return ActType::Sigmoid;
  if (t == "tanh") return ActType::Tanh;
  if (t == "softrelu") return ActType::SoftRelu;
  return ActType::SoftSign;
}

class Activation final : public Operator {
 public:
  explicit Activation(const Attrs& attrs) {
    AttrReader r(type(), attrs);
    act_ = parse_act_type(r);
    r.reject_unknown();
  }

  const char* type() const override { return "Activation"; }

  void infer_shape(std::vector<Shape>& in, std::vector<Shape>& out, std::vector<Shape>&) const override {
    infer_same_shape(type(), in[0], out[0]);
  }

  void forward(const OpContext&, const std::vector<Tensor>& in, const std::vector<Tensor>& out,
               const std::vector<Tensor>&) override {
    FB_DISPATCH(in[0], activation_forward(act_, in[0].f32(), out[0].f32(), in[0].size()));
  }

  void backward(const OpContext&, const std::vector<Tensor>& out_grad, const std::vector<Tensor>& in,
                const std::vector<Tensor>& out, const std::vector<Tensor>& in_grad,
                const std::vector<GradReq>& req, const std::vector<Tensor>&) override {
    if (req[0] == GradReq::Null) return;
    FB_DISPATCH(in[0], activation_backward(act_, out_grad[0].f32(), in[0].f32(), out[0].f32(),
                                           in_grad[0].f32(), in[0].size()));
  }

 private:
  ActType act_;
};

}  // namespace

std::unique_ptr<Operator> make_activation(const Attrs& attrs) { return std::make_unique<Activation>(attrs); }

}  // namespace fitbench::ops
