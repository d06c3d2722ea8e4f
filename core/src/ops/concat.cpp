// Concat (alias concat): joins num_args inputs arg0..arg{n-1} along `dim`
// (default 1); every other axis must agree.
#include "fitbench/attr_reader.h"
#include "ops/kernels/concat.h"
#include "ops/ops.h"
#include "tensor/dispatch.h"

namespace fitbench::ops {

namespace {

class Concat final : public Operator {
 public:
  explicit Concat(const Attrs& attrs) {
    AttrReader r(type(), attrs);
    num_args_ = r.require_int("num_args");
    dim_ = r.get_int("dim", 1);
    if (num_args_ < 1) fail("Concat attribute 'num_args' must be at least 1, got ", num_args_);
    r.reject_unknown();
  }

  const char* type() const override { return "Concat"; }

  std::vector<std::string> arguments() const override {
    std::vector<std::string> names;
    for (int i = 0; i < num_args_; ++i) names.push_back("arg" + std::to_string(i));
    return names;
  }

  void infer_shape(std::vector<Shape>& in, std::vector<Shape>& out, std::vector<Shape>&) const override {
    for (const auto& s : in)
      if (!s.known()) return;
    const int axis = concat_axis(in[0]);
    Shape joined = in[0];
    for (size_t k = 1; k < in.size(); ++k) {
      bool agree = in[k].ndim() == in[0].ndim();
      for (int i = 0; agree && i < in[0].ndim(); ++i) agree = i == axis || in[k][i] == in[0][i];
      if (!agree)
        fail("Concat input arg", k, " has shape ", in[k].str(), " but arg0 has ", in[0].str(),
             ": they must agree on every axis except ", axis);
      joined[axis] += in[k][axis];
    }
    if (out[0].known() && out[0] != joined)
      fail("Concat output shape ", out[0].str(), " differs from the joined inputs' shape ", joined.str());
    out[0] = joined;
  }

  void forward(const OpContext&, const std::vector<Tensor>& in, const std::vector<Tensor>& out,
               const std::vector<Tensor>&) override {
    std::vector<const float*> src;
    for (const auto& t : in) src.push_back(t.f32());
    const auto [outer, widths] = layout(in);
    FB_DISPATCH(out[0], concat_forward(src, widths, outer, out[0].f32()));
  }

  void backward(const OpContext&, const std::vector<Tensor>& out_grad, const std::vector<Tensor>& in,
                const std::vector<Tensor>&, const std::vector<Tensor>& in_grad,
                const std::vector<GradReq>& req, const std::vector<Tensor>&) override {
    std::vector<float*> dst;
    for (size_t k = 0; k < in.size(); ++k)
      dst.push_back(req[k] == GradReq::Write ? in_grad[k].f32() : nullptr);
    const auto [outer, widths] = layout(in);
    FB_DISPATCH(out_grad[0], concat_backward(out_grad[0].f32(), widths, outer, dst));
  }

 private:
  int concat_axis(const Shape& s) const {
    const int axis = dim_ < 0 ? dim_ + s.ndim() : dim_;
    if (axis < 0 || axis >= s.ndim()) fail("Concat dim ", dim_, " is out of range for input shape ", s.str());
    return axis;
  }

  // The rows before the axis, and each input's contiguous run per row.
  std::pair<int64_t, std::vector<int64_t>> layout(const std::vector<Tensor>& in) const {
    const Shape& s = in[0].shape();
    const int axis = concat_axis(s);
    int64_t outer = 1;
    for (int i = 0; i < axis; ++i) outer *= s[i];
    std::vector<int64_t> widths;
    for (const auto& t : in) widths.push_back(t.size() / outer);
    return {outer, widths};
  }

  int num_args_;
  int dim_;
};

}  // namespace

std::unique_ptr<Operator> make_concat(const Attrs& attrs) { return std::make_unique<Concat>(attrs); }

}  // namespace fitbench::ops
