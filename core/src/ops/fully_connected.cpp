// FullyConnected: MXNet's dense layer y = x . w^T + b (kernels in cpu/fully_connected.cpp,
// cuda/fully_connected.cu).
#include "fitbench/attr_reader.h"
#include "ops/kernels/fully_connected.h"
#include "ops/ops.h"
#include "ops/same_shape.h"
#include "tensor/dispatch.h"

namespace fitbench::ops {

namespace {

class FullyConnected final : public Operator {
 public:
  explicit FullyConnected(const Attrs& attrs) {
    AttrReader r("FullyConnected", attrs);
    num_hidden_ = r.require_int("num_hidden");
    no_bias_ = r.get_bool("no_bias", false);
    flatten_ = r.get_bool("flatten", true);
    r.reject_unknown();
    if (num_hidden_ < 1) fail("FullyConnected attribute 'num_hidden' must be at least 1, got ", num_hidden_);
  }

  const char* type() const override { return "FullyConnected"; }

  std::vector<std::string> arguments() const override {
    if (no_bias_) return {"data", "weight"};
    return {"data", "weight", "bias"};
  }

  void infer_shape(std::vector<Shape>& in, std::vector<Shape>& out, std::vector<Shape>&) const override {
    FB_ASSERT(in.size() == arguments().size() && out.size() == 1);
    const Shape& data = in[0];
    if (!data.known()) fail("FullyConnected needs the shape of 'data' to infer the others");
    if (data.size() == 0) fail("data shape ", data.str(), " has no elements");
    const Rows r = rows(data);
    expect_shape(in[1], Shape{num_hidden_, r.features}, "weight", "(num_hidden, input features)");
    if (!no_bias_) expect_shape(in[2], Shape{num_hidden_}, "bias", "(num_hidden,)");
    if (flatten_) {
      out[0] = Shape{data[0], num_hidden_};
    } else {
      std::vector<int64_t> dims = data.dims();
      dims.back() = num_hidden_;
      out[0] = Shape(std::move(dims));
    }
  }

  void forward(const OpContext&, const std::vector<Tensor>& in, const std::vector<Tensor>& out,
               const std::vector<Tensor>&) override {
    const Rows r = rows(in[0].shape());
    FB_DISPATCH(in[0], fully_connected_forward(r.count, r.features, num_hidden_, in[0].f32(), in[1].f32(),
                                               no_bias_ ? nullptr : in[2].f32(), out[0].f32()));
  }

  void backward(const OpContext&, const std::vector<Tensor>& out_grad, const std::vector<Tensor>& in,
                const std::vector<Tensor>&, const std::vector<Tensor>& in_grad,
                const std::vector<GradReq>& req, const std::vector<Tensor>&) override {
    auto grad = [&](size_t i) { return req[i] == GradReq::Write ? in_grad[i].f32() : nullptr; };
    const Rows r = rows(in[0].shape());
    FB_DISPATCH(in[0],
                fully_connected_backward(r.count, r.features, num_hidden_, in[0].f32(), in[1].f32(),
                                         out_grad[0].f32(), grad(0), grad(1), no_bias_ ? nullptr : grad(2)));
  }

 private:
  // The data seen as a matrix: flatten keeps the first axis, otherwise the last.
  struct Rows {
    int64_t count, features;
  };
  Rows rows(const Shape& data) const {
    if (flatten_) return {data[0], data.size() / data[0]};
    const int64_t features = data[data.ndim() - 1];
    return {data.size() / features, features};
  }

  int num_hidden_ = 0;
  bool no_bias_ = false;
  bool flatten_ = true;
};

}  // namespace

std::unique_ptr<Operator> make_fully_connected(const Attrs& attrs) {
  return std::make_unique<FullyConnected>(attrs);
}

}  // namespace fitbench::ops
