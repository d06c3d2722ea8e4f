// In-place all-reduce (sum) over the GPUs of one process through NCCL, for
// the nccl kvstore with several executors. Plain C++: no NCCL headers here.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "gpu/gpu_backend.h"

namespace fitbench::cuda {

class AllReduce final : public GpuAllReduce {
 public:
  // One communicator per entry of `devices` (ncclCommInitAll). Throws Error
  // with NCCL's reason when it refuses them, e.g. the same GPU twice.
  explicit AllReduce(const std::vector<int>& devices);
  ~AllReduce() override;
  AllReduce(const AllReduce&) = delete;
  AllReduce& operator=(const AllReduce&) = delete;

  void sum(const std::vector<float*>& buffers, size_t count) override;

 private:
  std::vector<int> devices_;
  std::vector<void*> comms_;  // ncclComm_t
};

// The table's make_all_reduce.
std::unique_ptr<GpuAllReduce> make_all_reduce(const std::vector<int>& devices);

}  // namespace fitbench::cuda
