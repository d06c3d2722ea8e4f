// ExecutorGroup: data parallelism over several devices (MXNet's
// DataParallelExecutorGroup). One Executor per device, each bound to its
// slice of the batch; a device may appear twice (two executors on one GPU).
//
// The optimizer sees one set of parameters and gradients, the master copy;
// where it lives and how the executors' gradients reach it is the kvstore's
// choice (GradientSum):
//   Single       one executor: its own buffers, so one device trains where
//                its data lives (fit.py's update on the device);
//   Host         host buffers (local, and every dist store, which exchange a
//                host gradient): backward() sums the executors' gradients
//                into them in device order, as MXNet's local kvstore reduces;
//   FirstDevice  executor 0's buffers (device): the others' gradients are
//                copied to its GPU and added there;
//   Nccl         executor 0's buffers (nccl): NCCL all-reduces the gradient
//                buffers in place.
// After the update, push_params() copies the master weights to the other
// executors. Aux states (BatchNorm's moving statistics) stay per executor;
// pull_aux() averages them into a host copy, as Module's get_params does,
// before they are saved, monitored or (Host) exchanged.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "fitbench/executor.h"

namespace fitbench {

class GpuAllReduce;

// MXNet's _split_input_slice with equal work loads: slice sizes
// round(batch / n) (Python's round, half to even), the last one absorbing the
// rest. Throws SettingError "batch_size" when a slice would be empty.
std::vector<int64_t> split_batch(int64_t batch_size, size_t devices);

enum class GradientSum { Single, Host, FirstDevice, Nccl };

class ExecutorGroup final : public ParameterSet {
 public:
  // `inputs` has the whole batch's shapes (data and labels, batch first).
  // Single needs exactly one device. Throws Error when NCCL is asked for but
  // missing from the build or refuses the devices.
  ExecutorGroup(const Symbol& symbol, const std::map<std::string, Shape>& inputs,
                const std::vector<Device>& devices, uint64_t seed, GradientSum sum);
  ~ExecutorGroup() override;

  size_t size() const { return executors_.size(); }
  Executor& executor(size_t i) { return *executors_.at(i); }
  const std::vector<int64_t>& slices() const { return slices_; }

  const std::vector<std::string>& param_names() const override { return executors_[0]->param_names(); }
  const std::vector<std::string>& aux_names() const override { return executors_[0]->aux_names(); }
  const Tensor& param(const std::string& name) const override;
  const Tensor& aux(const std::string& name) const override;
  const Tensor& grad(const std::string& name) const;
  const Tensor& param_buffer() const { return host_ ? host_->params : executors_[0]->param_buffer(); }
  const Tensor& grad_buffer() const { return host_ ? host_->grads : executors_[0]->grad_buffer(); }
  const Tensor& aux_buffer() const { return aux_ ? aux_->mean : executors_[0]->aux_buffer(); }

  // Copies each executor's slice of the batch (host or device tensors).
  void load_batch(const Tensor& data, const Tensor& label);
  void forward(bool is_train);
  // Every executor's backward, then the gradient sum into the master copy.
  void backward();
  // The master weights to every executor (after each update, and after an
  // initialisation or a load).
  void push_params();
  // The aux states of aux_buffer() to every executor (after an initialisation
  // or a load only: training moves each executor's own statistics).
  void push_aux();
  // The executors' mean aux states into aux_buffer().
  void pull_aux();
  // Output `index` of the whole batch on the CPU, the slices in order.
  const Tensor& output(size_t index);

  // Every executor's random engine state, in order (for .states files), and back.
  std::string rng_state() const;
  void set_rng_state(const std::string& state);

 private:
  struct HostMaster {
    Tensor params, grads;
    std::map<std::string, Tensor> param_views, grad_views;
  };
  struct AuxMean {
    Tensor mean;
    std::map<std::string, Tensor> views;
  };

  std::vector<std::unique_ptr<Executor>> executors_;
  std::vector<int64_t> slices_;
  std::unique_ptr<HostMaster> host_;    // GradientSum::Host
  std::unique_ptr<AuxMean> aux_;        // more than one executor, or GradientSum::Host
  std::unique_ptr<GpuAllReduce> nccl_;  // GradientSum::Nccl
  Tensor scratch_;                      // one executor's gradients, where they are summed
  std::map<size_t, Tensor> outputs_;    // host copies, when the executors' are not on the CPU
};

}  // namespace fitbench
