// dist_sync and dist_device_sync: every step, the gradient buffer is summed
// over all workers and each worker applies the same update to its own copy of
// the weights. MXNet sums on its servers and runs the optimizer there; with
// every worker starting from rank 0's weights and applying the same
// deterministic optimizer to the same sum, the copies stay identical, and
// one MPI_Allreduce over the contiguous gradient buffer replaces the push and
// the pull.
//
// With 2-bit compression each worker quantises its gradient (error feedback
// in its residual) and the codes travel with MPI_Allgather, 1/16 of the
// float32 size; every worker then sums the dequantised codes of all workers,
// as MXNet's servers do with the compressed pushes.
#include "kvstore/dist_common.h"
#include "kvstore/dist.h"

namespace fitbench {

namespace {

class DistSyncKVStore final : public dist::DistKVStore {
 public:
  using DistKVStore::DistKVStore;

  bool sums_worker_batches() const override { return true; }

  void init(const KVStoreModel& model, const LogLine& log) override {
    bind(model, log);
    if (type() == "dist_device_sync")
      log("dist_device_sync: the gradients are summed in main memory, as dist_sync does");
    log(type() + ": the gradients (" + std::to_string(model_.grad_buffer.size()) +
        " values) are summed over all workers every batch (workers: " + std::to_string(size_) + ")");
    if (compression_.two_bit) gathered_.resize(packed_.size() * static_cast<size_t>(size_));
  }

  void update() override {
    if (compression_.two_bit) {
      const auto& packed = compress();
      FB_MPI(MPI_Allgather(packed.data(), static_cast<int>(packed.size()), MPI_UINT32_T, gathered_.data(),
                           static_cast<int>(packed.size()), MPI_UINT32_T, MPI_COMM_WORLD));
      float* grad = model_.grad_buffer.f32();
      const auto n = static_cast<size_t>(model_.grad_buffer.size());
      std::fill(grad, grad + n, 0.0f);
      for (int r = 0; r < size_; ++r)
        dequantize_2bit_add(gathered_.data() + static_cast<size_t>(r) * packed.size(), grad, n,
                            compression_.threshold);
    } else {
      dist::allreduce_sum_floats(model_.grad_buffer);
    }
    model_.optimizer->update(model_.params);
  }

  bool any_worker(bool flag) override {
    int mine = flag ? 1 : 0, any = 0;
    FB_MPI(MPI_Allreduce(&mine, &any, 1, MPI_INT, MPI_LOR, MPI_COMM_WORLD));
    return any != 0;
  }

 private:
  std::vector<uint32_t> gathered_;
};

}  // namespace

std::unique_ptr<KVStore> make_dist_sync_kvstore(const std::string& type, const KVStoreOptions& options) {
  return std::make_unique<DistSyncKVStore>(type, options);
}

}  // namespace fitbench
