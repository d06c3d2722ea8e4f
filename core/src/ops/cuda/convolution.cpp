// Convolution, CUDA: cuDNN's legacy convolution API on the device's stream
// (host code only, no kernels of our own).
//
// Shapes (NCHW, float32), G groups, Cg = C/G:
//   x (N, C, H, W)   w (F, Cg, KH, KW)   bias (F)   y (N, F, OH, OW)
//   y[n, f, oy, ox] = bias[f] + sum_{c in group(f), ki, kj}
//                     w[f, c - g*Cg, ki, kj] * x[n, c, oy*SH - PH + ki*DH, ox*SW - PW + kj*DW]
// which is cuDNN's CUDNN_CROSS_CORRELATION with group count G; the bias is a
// (1, F, 1, 1) tensor that cudnnAddTensor broadcasts over y. Backward:
//   dx = cudnnConvolutionBackwardData, dw = cudnnConvolutionBackwardFilter,
//   dbias[f] = sum_{n, oy, ox} dy[n, f, oy, ox] = cudnnConvolutionBackwardBias.
//
// The convolution descriptor asks for CUDNN_FMA_MATH: no TF32, so results
// match the CPU's float32 ones. The three algorithms come from cuDNN's
// heuristics (the _v7 queries) once per device and shape: the first ranked
// one that cuDNN supports for the shape and whose workspace fits in 1 GiB.
// The operator's workspace holds the largest of the three workspaces.
// Descriptors are host objects, cheap to set up: each call creates its own.
#include "ops/kernels/convolution.h"

#include <algorithm>
#include <array>
#include <map>
#include <mutex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "cuda/context.h"

namespace fitbench::cuda {

namespace {

constexpr size_t kMaxWorkspaceBytes = size_t{1} << 30;

// A cuDNN descriptor created with its owner and destroyed with it.
template <class Handle, cudnnStatus_t (*create)(Handle*), cudnnStatus_t (*destroy)(Handle)>
class Owned {
 public:
  Owned() { FB_CUDNN_CHECK(create(&handle_)); }
  ~Owned() { destroy(handle_); }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  operator Handle() const { return handle_; }

 private:
  Handle handle_ = nullptr;
};

using TensorDescriptor =
    Owned<cudnnTensorDescriptor_t, cudnnCreateTensorDescriptor, cudnnDestroyTensorDescriptor>;
using FilterDescriptor =
    Owned<cudnnFilterDescriptor_t, cudnnCreateFilterDescriptor, cudnnDestroyFilterDescriptor>;
using ConvolutionDescriptor =
    Owned<cudnnConvolutionDescriptor_t, cudnnCreateConvolutionDescriptor, cudnnDestroyConvolutionDescriptor>;

// The descriptors of one convolution: x and dx, y and dy, the bias and its
// gradient, w and dw share theirs.
struct Descriptors {
  TensorDescriptor x, y, bias;
  FilterDescriptor w;
  ConvolutionDescriptor conv;

  explicit Descriptors(const ConvShape& s) {
    FB_CUDNN_CHECK(cudnnSetTensor4dDescriptor(x, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, int(s.batch),
                                              int(s.in_channels), int(s.in_h), int(s.in_w)));
    FB_CUDNN_CHECK(cudnnSetTensor4dDescriptor(y, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, int(s.batch),
                                              int(s.out_channels), int(s.out_h), int(s.out_w)));
    FB_CUDNN_CHECK(
        cudnnSetTensor4dDescriptor(bias, CUDNN_TENSOR_NCHW, CUDNN_DATA_FLOAT, 1, int(s.out_channels), 1, 1));
    FB_CUDNN_CHECK(cudnnSetFilter4dDescriptor(w, CUDNN_DATA_FLOAT, CUDNN_TENSOR_NCHW, int(s.out_channels),
                                              int(s.in_channels / s.groups), int(s.kernel_h),
                                              int(s.kernel_w)));
    FB_CUDNN_CHECK(cudnnSetConvolution2dDescriptor(conv, int(s.pad_h), int(s.pad_w), int(s.stride_h),
                                                   int(s.stride_w), int(s.dilate_h), int(s.dilate_w),
                                                   CUDNN_CROSS_CORRELATION, CUDNN_DATA_FLOAT));
    FB_CUDNN_CHECK(cudnnSetConvolutionGroupCount(conv, int(s.groups)));
    FB_CUDNN_CHECK(cudnnSetConvolutionMathType(conv, CUDNN_FMA_MATH));
  }
};

// The algorithms of one shape and the workspace bytes each needs.
struct Plan {
  cudnnConvolutionFwdAlgo_t forward;
  cudnnConvolutionBwdDataAlgo_t backward_data;
  cudnnConvolutionBwdFilterAlgo_t backward_filter;
  size_t forward_bytes, data_bytes, filter_bytes;
};

std::string describe(const ConvShape& s) {
  return detail::concat("x (", s.batch, ", ", s.in_channels, ", ", s.in_h, ", ", s.in_w, "), ",
                        s.out_channels, " filters of ", s.kernel_h, "x", s.kernel_w, ", stride ", s.stride_h,
                        "x", s.stride_w, ", pad ", s.pad_h, "x", s.pad_w, ", dilate ", s.dilate_h, "x",
                        s.dilate_w, ", ", s.groups, " groups");
}

// The first of cuDNN's ranked candidates that it supports here and whose
// workspace, as cuDNN reports it for that algorithm, fits the limit.
// workspace(algo, &bytes) returns cuDNN's status.
template <class Perf, class Workspace>
auto first_fitting(const std::vector<Perf>& ranked, int returned, Workspace workspace, const char* pass,
                   const ConvShape& s) {
  for (int i = 0; i < returned; ++i) {
    const Perf& candidate = ranked[static_cast<size_t>(i)];
    if (candidate.status != CUDNN_STATUS_SUCCESS) continue;
    size_t bytes = 0;
    if (workspace(candidate.algo, &bytes) == CUDNN_STATUS_SUCCESS && bytes <= kMaxWorkspaceBytes)
      return std::pair{candidate.algo, bytes};
  }
  fail("cuDNN has no ", pass, " algorithm within a 1 GiB workspace for the convolution of ", describe(s));
}

Plan choose(const ConvShape& s) {
  const Descriptors d(s);
  cudnnHandle_t handle = current_cudnn();
  // cuDNN's output size must be the operator's, which shaped y.
  int n = 0, c = 0, h = 0, w = 0;
  FB_CUDNN_CHECK(cudnnGetConvolution2dForwardOutputDim(d.conv, d.x, d.w, &n, &c, &h, &w));
  FB_ASSERT(n == s.batch && c == s.out_channels && h == s.out_h && w == s.out_w);
  Plan p;
  int count = 0, returned = 0;

  FB_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithmMaxCount(handle, &count));
  std::vector<cudnnConvolutionFwdAlgoPerf_t> forward(static_cast<size_t>(count));
  FB_CUDNN_CHECK(cudnnGetConvolutionForwardAlgorithm_v7(handle, d.x, d.w, d.conv, d.y, count, &returned,
                                                        forward.data()));
  std::tie(p.forward, p.forward_bytes) = first_fitting(
      forward, returned,
      [&](cudnnConvolutionFwdAlgo_t algo, size_t* bytes) {
        return cudnnGetConvolutionForwardWorkspaceSize(handle, d.x, d.w, d.conv, d.y, algo, bytes);
      },
      "forward", s);

  FB_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithmMaxCount(handle, &count));
  std::vector<cudnnConvolutionBwdDataAlgoPerf_t> data(static_cast<size_t>(count));
  FB_CUDNN_CHECK(cudnnGetConvolutionBackwardDataAlgorithm_v7(handle, d.w, d.y, d.conv, d.x, count, &returned,
                                                             data.data()));
  std::tie(p.backward_data, p.data_bytes) = first_fitting(
      data, returned,
      [&](cudnnConvolutionBwdDataAlgo_t algo, size_t* bytes) {
        return cudnnGetConvolutionBackwardDataWorkspaceSize(handle, d.w, d.y, d.conv, d.x, algo, bytes);
      },
      "backward-data", s);

  FB_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithmMaxCount(handle, &count));
  std::vector<cudnnConvolutionBwdFilterAlgoPerf_t> filter(static_cast<size_t>(count));
  FB_CUDNN_CHECK(cudnnGetConvolutionBackwardFilterAlgorithm_v7(handle, d.x, d.y, d.conv, d.w, count,
                                                               &returned, filter.data()));
  std::tie(p.backward_filter, p.filter_bytes) = first_fitting(
      filter, returned,
      [&](cudnnConvolutionBwdFilterAlgo_t algo, size_t* bytes) {
        return cudnnGetConvolutionBackwardFilterWorkspaceSize(handle, d.x, d.y, d.conv, d.w, algo, bytes);
      },
      "backward-filter", s);
  return p;
}

// The plan of a shape on the current device, chosen on first use. The
// heuristics depend on the GPU, so devices keep their own plans.
Plan plan_for(const ConvShape& s) {
  using Key = std::array<int64_t, 17>;
  static std::mutex mutex;
  static std::map<Key, Plan> plans;
  const Key key{current_device(), s.batch, s.in_channels, s.in_h,     s.in_w,     s.out_channels,
                s.out_h,          s.out_w, s.kernel_h,    s.kernel_w, s.stride_h, s.stride_w,
                s.pad_h,          s.pad_w, s.dilate_h,    s.dilate_w, s.groups};
  std::lock_guard lock(mutex);
  auto found = plans.find(key);
  if (found == plans.end()) found = plans.emplace(key, choose(s)).first;
  return found->second;
}

}  // namespace

size_t convolution_workspace_floats(const ConvShape& s) {
  const Plan p = plan_for(s);
  const size_t bytes = std::max({p.forward_bytes, p.data_bytes, p.filter_bytes});
  return (bytes + sizeof(float) - 1) / sizeof(float);
}

void convolution_forward(const ConvShape& s, const float* x, const float* w, const float* bias, float* y,
                         float* workspace) {
  const Plan p = plan_for(s);
  const Descriptors d(s);
  cudnnHandle_t handle = current_cudnn();
  const float one = 1.0f, zero = 0.0f;
  FB_CUDNN_CHECK(cudnnConvolutionForward(handle, &one, d.x, x, d.w, w, d.conv, p.forward, workspace,
                                         p.forward_bytes, &zero, d.y, y));
  if (bias) FB_CUDNN_CHECK(cudnnAddTensor(handle, &one, d.bias, bias, &one, d.y, y));
}

void convolution_backward(const ConvShape& s, const float* x, const float* w, const float* dy, float* dx,
                          float* dw, float* dbias, float* workspace) {
  const Plan p = plan_for(s);
  const Descriptors d(s);
  cudnnHandle_t handle = current_cudnn();
  const float one = 1.0f, zero = 0.0f;
  // All three run on the device's stream in turn, so they can share the workspace.
  if (dbias) FB_CUDNN_CHECK(cudnnConvolutionBackwardBias(handle, &one, d.y, dy, &zero, d.bias, dbias));
  if (dw)
    FB_CUDNN_CHECK(cudnnConvolutionBackwardFilter(handle, &one, d.x, x, d.y, dy, d.conv, p.backward_filter,
                                                  workspace, p.filter_bytes, &zero, d.w, dw));
  if (dx)
    FB_CUDNN_CHECK(cudnnConvolutionBackwardData(handle, &one, d.w, w, d.y, dy, d.conv, p.backward_data,
                                                workspace, p.data_bytes, &zero, d.x, dx));
}

}  // namespace fitbench::cuda
