#include "cuda/nccl.h"

#include <nccl.h>

#include "cuda/context.h"
#include "cuda/runtime.h"

namespace fitbench::cuda {

namespace {

#define FB_NCCL_CHECK(call)                                                                  \
  do {                                                                                       \
    const ncclResult_t fb_status = (call);                                                   \
    if (fb_status != ncclSuccess)                                                            \
      ::fitbench::cuda::fail_cuda(#call, __FILE__, __LINE__, ncclGetErrorString(fb_status)); \
  } while (0)

ncclComm_t comm(void* p) { return static_cast<ncclComm_t>(p); }

}  // namespace

AllReduce::AllReduce(const std::vector<int>& devices) : devices_(devices) {
  std::vector<ncclComm_t> comms(devices.size());
  const ncclResult_t status = ncclCommInitAll(comms.data(), static_cast<int>(devices.size()), devices.data());
  if (status != ncclSuccess) {
    std::string list;
    for (int d : devices) list += (list.empty() ? "" : ",") + std::to_string(d);
    fail("NCCL cannot join the GPUs ", list, " (", ncclGetErrorString(status),
         "): NCCL takes each GPU once; sum several executors of one GPU on the device or the host instead");
  }
  for (ncclComm_t c : comms) comms_.push_back(c);
}

AllReduce::~AllReduce() {
  for (void* c : comms_) ncclCommDestroy(comm(c));
}

void AllReduce::sum(const std::vector<float*>& buffers, size_t count) {
  FB_ASSERT(buffers.size() == comms_.size());
  // One group: NCCL launches the per-device parts together, so none waits for
  // a peer that has not been launched yet.
  FB_NCCL_CHECK(ncclGroupStart());
  for (size_t i = 0; i < buffers.size(); ++i) {
    DeviceScope scope(Device::gpu(devices_[i]));
    FB_NCCL_CHECK(
        ncclAllReduce(buffers[i], buffers[i], count, ncclFloat, ncclSum, comm(comms_[i]), current_stream()));
  }
  FB_NCCL_CHECK(ncclGroupEnd());
}

std::unique_ptr<GpuAllReduce> make_all_reduce(const std::vector<int>& devices) {
  return std::make_unique<AllReduce>(devices);
}

}  // namespace fitbench::cuda
