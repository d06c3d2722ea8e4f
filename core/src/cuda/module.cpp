// The GPU module's table: the runtime and every kernel's CUDA twin, handed to
// the core by the module's one exported function (see gpu/gpu_backend.h).
#include "cuda/runtime.h"
#include "gpu/gpu_backend.h"
#include "ops/kernels/activation.h"
#include "ops/kernels/batch_norm.h"
#include "ops/kernels/clip.h"
#include "ops/kernels/concat.h"
#include "ops/kernels/convolution.h"
#include "ops/kernels/dropout.h"
#include "ops/kernels/elemwise_add.h"
#include "ops/kernels/fully_connected.h"
#include "ops/kernels/leaky_relu.h"
#include "ops/kernels/lrn.h"
#include "ops/kernels/pooling.h"
#include "ops/kernels/softmax_output.h"
#include "optim/kernels/update_rules.h"
#if FITBENCH_HAVE_NCCL
#include "cuda/nccl.h"
#endif

namespace fitbench::cuda {
namespace {

#if FITBENCH_HAVE_NCCL
constexpr auto kMakeAllReduce = &make_all_reduce;
#else
constexpr decltype(GpuBackend::make_all_reduce) kMakeAllReduce = nullptr;
#endif

constexpr GpuBackend kBackend{
    .abi_version = kGpuBackendAbi,
    .size = sizeof(GpuBackend),
    .fitbench_version = FITBENCH_VERSION,
    .device_count = &device_count,
    .allocate = &allocate,
    .release = &release,
    .memory_use = &memory_use,
    .copy = &copy,
    .zero = &zero,
    .fill = &fill,
    .synchronize = &synchronize,
    .set_device = &set_device,
    .restore_device = &restore_device,
    .make_all_reduce = kMakeAllReduce,
    .activation_forward = &activation_forward,
    .activation_backward = &activation_backward,
    .batch_norm_forward_train = &batch_norm_forward_train,
    .batch_norm_forward_global = &batch_norm_forward_global,
    .batch_norm_backward = &batch_norm_backward,
    .clip_forward = &clip_forward,
    .clip_backward = &clip_backward,
    .concat_forward = &concat_forward,
    .concat_backward = &concat_backward,
    .convolution_workspace_floats = &convolution_workspace_floats,
    .convolution_forward = &convolution_forward,
    .convolution_backward = &convolution_backward,
    .dropout_draw_mask = &dropout_draw_mask,
    .dropout_apply = &dropout_apply,
    .elemwise_add = &elemwise_add,
    .elemwise_add_backward = &elemwise_add_backward,
    .fully_connected_forward = &fully_connected_forward,
    .fully_connected_backward = &fully_connected_backward,
    .leaky_relu_forward = &leaky_relu_forward,
    .leaky_relu_backward = &leaky_relu_backward,
    .lrn_forward = &lrn_forward,
    .lrn_backward = &lrn_backward,
    .pooling_forward = &pooling_forward,
    .pooling_backward = &pooling_backward,
    .softmax_forward = &softmax_forward,
    .softmax_output_backward = &softmax_output_backward,
    .sgd_update = &sgd_update,
    .nag_update = &nag_update,
    .adam_update = &adam_update,
    .update_step = &update_step,
};

}  // namespace
}  // namespace fitbench::cuda

extern "C" const fitbench::GpuBackend* fitbench_gpu_backend() { return &fitbench::cuda::kBackend; }
