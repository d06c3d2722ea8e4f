// _copy (alias identity): y = x, dx = dy.
#include "fitbench/attr_reader.h"
#include "ops/ops.h"
#include "ops/same_shape.h"

namespace fitbench::ops {

namespace {

class Identity final : public Operator {
 public:
  explicit Identity(const Attrs& attrs) { AttrReader(type(), attrs).reject_unknown(); }

  const char* type() const override { return "_copy"; }

  void infer_shape(std::vector<Shape>& in, std::vector<Shape>& out, std::vector<Shape>&) const override {
    infer_same_shape(type(), in[0], out[0]);
  }

  void forward(const OpContext&, const std::vector<Tensor>& in, const std::vector<Tensor>& out,
               const std::vector<Tensor>&) override {
    out[0].copy_from(in[0]);
  }

  void backward(const OpContext&, const std::vector<Tensor>& out_grad, const std::vector<Tensor>&,
                const std::vector<Tensor>&, const std::vector<Tensor>& in_grad,
                const std::vector<GradReq>& req, const std::vector<Tensor>&) override {
    if (req[0] == GradReq::Write) in_grad[0].copy_from(out_grad[0]);
  }
};

}  // namespace

std::unique_ptr<Operator> make_identity(const Attrs& attrs) { return std::make_unique<Identity>(attrs); }

}  // namespace fitbench::ops
