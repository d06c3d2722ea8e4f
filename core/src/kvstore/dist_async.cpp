// dist_async: each worker's gradients update the weights as soon as they
// arrive, with no barrier between workers.
//
// MXNet runs the optimizer on its parameter servers: a worker pushes its
// gradient, the server applies the update to the master weights right away,
// and the worker pulls the weights back. fitbench keeps that meaning with a
// server thread in rank 0 (so `mpirun -np N` gives N workers and no extra
// process): rank 0 holds the master weights and the only optimizer state
// that is used. A worker sends its gradient (or its 2-bit code) to rank 0 and
// waits for the weights after its update; rank 0's own training thread does the
// same in-process. One mutex serialises the updates, so no two touch a weight
// at the same time, and they apply in arrival order, which nothing fixes.
// The lr schedule counts every push, as the server's updater does in MXNet.
#include <algorithm>
#include <climits>
#include <mutex>

#include "kvstore/dist.h"
#include "kvstore/dist_common.h"

namespace fitbench {

namespace {

constexpr int kTagGradient = 101;
constexpr int kTagWeights = 102;
constexpr int kTagDone = 103;
constexpr int kTagUpdate = 104;  // after the weights: {learning rate, update count} of that update

// The part of `whole` that `part` views, placed in `target` (laid out as `whole`).
Tensor same_view(const Tensor& target, const Tensor& part, const Tensor& whole) {
  FB_ASSERT(part.storage() == whole.storage() && part.offset() >= whole.offset());
  return Tensor(target.storage(), target.offset() + (part.offset() - whole.offset()), part.shape(), part.dtype());
}

class DistAsyncKVStore final : public dist::DistKVStore {
 public:
  explicit DistAsyncKVStore(const KVStoreOptions& options) : DistKVStore("dist_async", options) {
    if (!dist::thread_multiple())
      fail_setting("kvstore", "dist_async needs an MPI library that grants MPI_THREAD_MULTIPLE (rank 0 serves "
                   "updates from a thread); OpenMPI from Debian does");
  }

  ~DistAsyncKVStore() override {
    // Only after an error: finish() has joined the server otherwise.
    stop_ = true;
    if (server_.joinable()) server_.join();
  }

  void init(const KVStoreModel& model, const LogLine& log) override {
    bind(model, log);
    if (model_.grad_buffer.size() > INT_MAX)
      fail("dist_async: the model has ", model_.grad_buffer.size(), " parameters; at most ", INT_MAX,
           " are supported");
    n_ = static_cast<int>(model_.grad_buffer.size());
    if (rank_ == 0) {
      master_ = model_.param_buffer.clone();
      server_grad_ = Tensor::zeros(model_.grad_buffer.shape());
      for (const ParamRef& p : model_.params)
        master_params_.push_back({p.name, same_view(master_, p.weight, model_.param_buffer),
                                  same_view(server_grad_, p.grad, model_.grad_buffer), p.lr_mult, p.wd_mult});
      if (size_ > 1) server_ = std::thread([this] { serve(); });
    }
    log("dist_async: rank 0 serves the updates, each worker's gradients update the weights as they arrive "
        "(workers: " + std::to_string(size_) + ")");
  }

  void update() override {
    const void* payload = model_.grad_buffer.f32();
    int count = n_;
    MPI_Datatype type = MPI_FLOAT;
    if (compression_.two_bit) {
      payload = compress().data();
      count = static_cast<int>(packed_.size());
      type = MPI_UINT32_T;
    }
    if (rank_ == 0) {
      std::lock_guard lock(mu_);
      apply(payload);
      model_.param_buffer.copy_from(master_);
      return;
    }
    MPI_Request requests[3];
    double applied[2] = {0, 0};
    FB_MPI(MPI_Isend(payload, count, type, 0, kTagGradient, MPI_COMM_WORLD, &requests[0]));
    FB_MPI(MPI_Irecv(model_.param_buffer.f32(), n_, MPI_FLOAT, 0, kTagWeights, MPI_COMM_WORLD, &requests[1]));
    FB_MPI(MPI_Irecv(applied, 2, MPI_DOUBLE, 0, kTagUpdate, MPI_COMM_WORLD, &requests[2]));
    for (MPI_Request& r : requests) dist::wait_sleeping(r);
    model_.optimizer->record_remote_update(static_cast<int64_t>(applied[1]), applied[0]);
  }

  void exclusive(const std::function<void()>& fn) override {
    std::lock_guard lock(mu_);
    fn();
  }

  void finish() override {
    if (!watch_) return;  // never bound: no server, nothing to say
    if (rank_ == 0) {
      if (server_.joinable()) server_.join();  // it ends when every other worker is done
    } else {
      FB_MPI(MPI_Send(nullptr, 0, MPI_BYTE, 0, kTagDone, MPI_COMM_WORLD));
    }
    DistKVStore::finish();
  }

 private:
  // The update of one push, on the master weights (mu_ held).
  void apply(const void* payload) {
    if (compression_.two_bit) {
      server_grad_.fill(0.0f);
      dequantize_2bit_add(static_cast<const uint32_t*>(payload), server_grad_.f32(), static_cast<size_t>(n_),
                          compression_.threshold);
    } else {
      const float* g = static_cast<const float*>(payload);
      std::copy(g, g + n_, server_grad_.f32());
    }
    model_.optimizer->update(master_params_);
  }

  // Rank 0's server thread: takes pushes from the other workers until each
  // has said it is done. It probes with short sleeps instead of a blocking
  // receive, which would spin and take a core from rank 0's training.
  void serve() {
    try {
      std::vector<uint32_t> words(compression_.two_bit ? packed_.size() : 0);
      std::vector<float> values(compression_.two_bit ? 0 : static_cast<size_t>(n_));
      std::vector<float> weights(static_cast<size_t>(n_));
      double applied[2] = {0, 0};
      for (int done = 0; done < size_ - 1 && !stop_;) {
        int found = 0;
        MPI_Status status;
        FB_MPI(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &found, &status));
        if (!found) {
          std::this_thread::sleep_for(std::chrono::microseconds(50));
          continue;
        }
        const int source = status.MPI_SOURCE;
        if (status.MPI_TAG == kTagDone) {
          FB_MPI(MPI_Recv(nullptr, 0, MPI_BYTE, source, kTagDone, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
          ++done;
          continue;
        }
        if (compression_.two_bit)
          FB_MPI(MPI_Recv(words.data(), static_cast<int>(words.size()), MPI_UINT32_T, source, kTagGradient,
                          MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        else
          FB_MPI(MPI_Recv(values.data(), n_, MPI_FLOAT, source, kTagGradient, MPI_COMM_WORLD, MPI_STATUS_IGNORE));
        {
          std::lock_guard lock(mu_);
          apply(compression_.two_bit ? static_cast<const void*>(words.data()) : values.data());
          std::copy(master_.f32(), master_.f32() + n_, weights.data());
          applied[0] = model_.optimizer->last_learning_rate();
          applied[1] = static_cast<double>(model_.optimizer->num_update());
        }
        FB_MPI(MPI_Send(weights.data(), n_, MPI_FLOAT, source, kTagWeights, MPI_COMM_WORLD));
        FB_MPI(MPI_Send(applied, 2, MPI_DOUBLE, source, kTagUpdate, MPI_COMM_WORLD));
      }
    } catch (const std::exception& e) {
      // The workers wait for this thread's answers: nothing can go on without it.
      log_(std::string("Error: the dist_async server on rank 0 failed: ") + e.what());
      MPI_Abort(MPI_COMM_WORLD, 1);
    }
  }

  int n_ = 0;
  Tensor master_;       // rank 0: the weights every push updates
  Tensor server_grad_;  // rank 0: the gradient of the push being applied
  std::vector<ParamRef> master_params_;
  std::mutex mu_;
  std::thread server_;
  std::atomic<bool> stop_{false};
};

}  // namespace

std::unique_ptr<KVStore> make_dist_async_kvstore(const KVStoreOptions& options) {
  return std::make_unique<DistAsyncKVStore>(options);
}

}  // namespace fitbench
