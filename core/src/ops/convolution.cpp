// Convolution: MXNet's 2-D convolution over NCHW data (kernels in cpu/convolution.cpp, cuda/convolution.cpp).
#include "fitbench/attr_reader.h"
#include "ops/kernels/convolution.h"
#include "ops/ops.h"
#include "ops/same_shape.h"
#include "tensor/dispatch.h"

namespace fitbench::ops {

namespace {

class Convolution final : public Operator {
 public:
  explicit Convolution(const Attrs& attrs) {
    AttrReader r(type(), attrs);
    if (!r.has("kernel")) fail("Convolution needs the attribute 'kernel'");
    const std::vector<int> kernel = r.get_tuple("kernel", {});
    if (kernel.size() != 2)
      fail("Convolution supports 2-D kernels only; kernel '", attrs.at("kernel"), "' is ", kernel.size(),
           "-D (1-D and 3-D convolution are not implemented)");
    const std::vector<int> stride = r.get_tuple("stride", {1, 1}, 2);
    const std::vector<int> dilate = r.get_tuple("dilate", {1, 1}, 2);
    const std::vector<int> pad = r.get_tuple("pad", {0, 0}, 2);
    const int num_filter = r.require_int("num_filter");
    const int groups = r.get_int("num_group", 1);
    no_bias_ = r.get_bool("no_bias", false);
    const std::string layout = r.get_string("layout", "NCHW");
    if (layout != "NCHW") fail("Convolution supports layout NCHW only, got '", layout, "'");
    r.reject_unknown({"workspace", "cudnn_tune", "cudnn_off"});

    for (int i = 0; i < 2; ++i) {
      if (kernel[i] < 1 || stride[i] < 1 || dilate[i] < 1 || pad[i] < 0)
        fail("Convolution needs kernel, stride and dilate of at least 1 and pad of at least 0; got kernel ",
             Shape{kernel[0], kernel[1]}.str(), ", stride ", Shape{stride[0], stride[1]}.str(), ", dilate ",
             Shape{dilate[0], dilate[1]}.str(), ", pad ", Shape{pad[0], pad[1]}.str());
    }
    if (num_filter < 1) fail("Convolution attribute 'num_filter' must be at least 1, got ", num_filter);
    if (groups < 1) fail("Convolution attribute 'num_group' must be at least 1, got ", groups);
    if (num_filter % groups != 0)
      fail("Convolution num_filter ", num_filter, " is not divisible by num_group ", groups);
    geometry_.kernel_h = kernel[0];
    geometry_.kernel_w = kernel[1];
    geometry_.stride_h = stride[0];
    geometry_.stride_w = stride[1];
    geometry_.dilate_h = dilate[0];
    geometry_.dilate_w = dilate[1];
    geometry_.pad_h = pad[0];
    geometry_.pad_w = pad[1];
    geometry_.out_channels = num_filter;
    geometry_.groups = groups;
  }

  const char* type() const override { return "Convolution"; }

  std::vector<std::string> arguments() const override {
    if (no_bias_) return {"data", "weight"};
    return {"data", "weight", "bias"};
  }

  void infer_shape(std::vector<Shape>& in, std::vector<Shape>& out, std::vector<Shape>&) const override {
    FB_ASSERT(in.size() == arguments().size() && out.size() == 1);
    const Shape& data = in[0];
    if (!data.known()) fail("Convolution needs the shape of 'data' to infer the others");
    if (data.ndim() != 4)
      fail("data shape ", data.str(),
           " is not 4-D (batch, channel, height, width) as a 2-D convolution needs");
    if (data[1] % geometry_.groups != 0)
      fail("data shape ", data.str(), " has ", data[1], " channels, which num_group ", geometry_.groups,
           " does not divide");
    const ConvShape g = geometry(data);
    if (g.in_h + 2 * g.pad_h < extent(g.kernel_h, g.dilate_h) ||
        g.in_w + 2 * g.pad_w < extent(g.kernel_w, g.dilate_w))
      fail("kernel ", Shape{g.kernel_h, g.kernel_w}.str(), " with dilate ",
           Shape{g.dilate_h, g.dilate_w}.str(), " does not fit data shape ", data.str(), " padded by ",
           Shape{g.pad_h, g.pad_w}.str());
    expect_shape(in[1], Shape{g.out_channels, g.in_channels / g.groups, g.kernel_h, g.kernel_w}, "weight",
                 "(num_filter, channels / num_group, kernel height, kernel width)");
    if (!no_bias_) expect_shape(in[2], Shape{g.out_channels}, "bias", "(num_filter,)");
    out[0] = Shape{g.batch, g.out_channels, g.out_h, g.out_w};
  }

  size_t workspace_floats(const std::vector<Shape>& in, Device device) const override {
    return FB_DISPATCH_ON(device, convolution_workspace_floats(geometry(in[0])));
  }

  void forward(const OpContext& ctx, const std::vector<Tensor>& in, const std::vector<Tensor>& out,
               const std::vector<Tensor>&) override {
    FB_ASSERT(ctx.workspace);
    const ConvShape g = geometry(in[0].shape());
    float* scratch = ctx.workspace->floats(workspace_floats({in[0].shape()}, in[0].device()));
    FB_DISPATCH(in[0], convolution_forward(g, in[0].f32(), in[1].f32(), no_bias_ ? nullptr : in[2].f32(),
                                           out[0].f32(), scratch));
  }

  void backward(const OpContext& ctx, const std::vector<Tensor>& out_grad, const std::vector<Tensor>& in,
                const std::vector<Tensor>&, const std::vector<Tensor>& in_grad,
                const std::vector<GradReq>& req, const std::vector<Tensor>&) override {
    FB_ASSERT(ctx.workspace);
    auto grad = [&](size_t i) { return req[i] == GradReq::Write ? in_grad[i].f32() : nullptr; };
    float* dx = grad(0);
    float* dw = grad(1);
    float* dbias = no_bias_ ? nullptr : grad(2);
    if (!dx && !dw && !dbias) return;
    const ConvShape g = geometry(in[0].shape());
    float* scratch = ctx.workspace->floats(workspace_floats({in[0].shape()}, in[0].device()));
    FB_DISPATCH(in[0],
                convolution_backward(g, in[0].f32(), in[1].f32(), out_grad[0].f32(), dx, dw, dbias, scratch));
  }

 private:
  // The rows (or columns) a kernel of `size` taps spans with dilation `dilate`.
  static int64_t extent(int64_t size, int64_t dilate) { return dilate * (size - 1) + 1; }

  ConvShape geometry(const Shape& data) const {
    ConvShape g = geometry_;
    g.batch = data[0];
    g.in_channels = data[1];
    g.in_h = data[2];
    g.in_w = data[3];
    g.out_h = (g.in_h + 2 * g.pad_h - extent(g.kernel_h, g.dilate_h)) / g.stride_h + 1;
    g.out_w = (g.in_w + 2 * g.pad_w - extent(g.kernel_w, g.dilate_w)) / g.stride_w + 1;
    return g;
  }

  bool no_bias_ = false;
  ConvShape geometry_;  // everything but the data shape
};

}  // namespace

std::unique_ptr<Operator> make_convolution(const Attrs& attrs) {
  return std::make_unique<Convolution>(attrs);
}

}  // namespace fitbench::ops
