// In-place all-reduce (sum) over the GPUs of one process through NCCL, for
// the nccl kvstore with several executors. Plain C++: no NCCL headers here.
#pragma once

#include <cstddef>
#include <vector>

namespace fitbench::cuda {

class AllReduce {
 public:
  // One communicator per entry of `devices` (ncclCommInitAll). Throws Error
  // with NCCL's reason when it refuses them, e.g. the same GPU twice.
  explicit AllReduce(const std::vector<int>& devices);
  ~AllReduce();
  AllReduce(const AllReduce&) = delete;
  AllReduce& operator=(const AllReduce&) = delete;

  // buffers[i] (`count` floats on devices[i]) all become the element-wise sum,
  // queued on each device's stream.
  void sum(const std::vector<float*>& buffers, size_t count);

 private:
  std::vector<int> devices_;
  std::vector<void*> comms_;  // ncclComm_t
};

}  // namespace fitbench::cuda
