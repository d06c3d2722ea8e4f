#include "fitbench/executor_group.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "fitbench/gpu_module.h"
#include "gpu/gpu_backend.h"
#include "graph/add_into.h"

namespace fitbench {

std::vector<int64_t> split_batch(int64_t batch_size, size_t devices) {
  FB_ASSERT(devices > 0);
  // Python's round(): half to even, which nearbyint does in the default rounding mode.
  const auto share = static_cast<int64_t>(std::nearbyint(double(batch_size) / double(devices)));
  std::vector<int64_t> wanted(devices, share);
  const int64_t total = share * static_cast<int64_t>(devices);
  if (total < batch_size) wanted.back() += batch_size - total;
  std::vector<int64_t> slices;
  int64_t end = 0;
  for (int64_t n : wanted) {
    const int64_t begin = std::min(end, batch_size);
    end = std::min(begin + n, batch_size);
    if (begin >= end)
      fail_setting("batch_size", "a batch of ", batch_size, " samples cannot be split over ", devices,
                   " devices: a device would get no samples; use a larger batch or fewer devices");
    slices.push_back(end - begin);
  }
  return slices;
}

namespace {

// Rows [begin, begin + rows) of a tensor whose first dimension is the batch.
Tensor rows_of(const Tensor& whole, int64_t begin, int64_t rows) {
  std::vector<int64_t> dims = whole.shape().dims();
  const int64_t row_bytes = static_cast<int64_t>(whole.bytes()) / dims[0];
  dims[0] = rows;
  return Tensor(whole.storage(), whole.offset() + static_cast<size_t>(begin * row_bytes), Shape(dims),
                whole.dtype());
}

Shape with_batch(const Shape& shape, int64_t batch) {
  std::vector<int64_t> dims = shape.dims();
  dims[0] = batch;
  return Shape(dims);
}

// A host buffer laid out as an executor's (same names, same offsets), and its views.
Tensor host_copy_of(const Tensor& buffer, const std::vector<std::string>& names,
                    const std::function<const Tensor&(const std::string&)>& view_of,
                    std::map<std::string, Tensor>& views) {
  Tensor host = Tensor::zeros(buffer.shape());
  for (const auto& name : names) {
    const Tensor& v = view_of(name);
    views[name] = Tensor(host.storage(), v.offset(), v.shape(), DType::Float32);
  }
  return host;
}

}  // namespace

ExecutorGroup::ExecutorGroup(const Symbol& symbol, const std::map<std::string, Shape>& inputs,
                             const std::vector<Device>& devices, uint64_t seed, GradientSum sum) {
  FB_ASSERT(!devices.empty() && !inputs.empty());
  FB_ASSERT(sum != GradientSum::Single || devices.size() == 1);
  slices_ = split_batch(inputs.begin()->second[0], devices.size());
  for (size_t i = 0; i < devices.size(); ++i) {
    std::map<std::string, Shape> sliced;
    for (const auto& [name, shape] : inputs) sliced[name] = with_batch(shape, slices_[i]);
    executors_.push_back(std::make_unique<Executor>(symbol, sliced, seed + i, devices[i]));
  }
  const Executor& first = *executors_[0];
  if (sum == GradientSum::Host) {
    host_ = std::make_unique<HostMaster>();
    host_->params = host_copy_of(
        first.param_buffer(), first.param_names(),
        [&](const std::string& n) -> const Tensor& { return first.param(n); }, host_->param_views);
    host_->grads = host_copy_of(
        first.grad_buffer(), first.param_names(),
        [&](const std::string& n) -> const Tensor& { return first.grad(n); }, host_->grad_views);
  }
  // A host copy of the aux states wherever they are averaged or exchanged on
  // the host (the dist stores broadcast them with MPI, which wants host memory).
  if (executors_.size() > 1 || sum == GradientSum::Host) {
    aux_ = std::make_unique<AuxMean>();
    aux_->mean = host_copy_of(
        first.aux_buffer(), first.aux_names(),
        [&](const std::string& n) -> const Tensor& { return first.aux(n); }, aux_->views);
  }
  // Where the other executors' gradients are added: the host, or executor 0's device.
  if (executors_.size() > 1 && sum != GradientSum::Nccl)
    scratch_ = Tensor(first.grad_buffer().shape(), DType::Float32,
                      sum == GradientSum::Host ? Device::cpu() : devices[0]);
  if (sum == GradientSum::Nccl && executors_.size() > 1) {
    std::vector<int> ids;
    for (const Device& d : devices) {
      if (d.is_cpu()) fail_setting("gradient_sum", "NCCL sums gradients on GPUs only, not on ", d.str());
      ids.push_back(d.id);
    }
    const GpuBackend& gpu = gpu_backend();
    if (!gpu.make_all_reduce)
      fail_setting("gradient_sum", "the GPU module ", gpu_module_status().path,
                   " was built without NCCL; the device and local kvstores sum without it");
    nccl_ = gpu.make_all_reduce(ids);
  }
}

ExecutorGroup::~ExecutorGroup() = default;

const Tensor& ExecutorGroup::param(const std::string& name) const {
  if (host_) {
    const auto it = host_->param_views.find(name);
    if (it != host_->param_views.end()) return it->second;
  }
  return executors_[0]->param(name);  // names an unknown parameter in its error
}

const Tensor& ExecutorGroup::grad(const std::string& name) const {
  if (host_) {
    const auto it = host_->grad_views.find(name);
    if (it != host_->grad_views.end()) return it->second;
  }
  return executors_[0]->grad(name);
}

const Tensor& ExecutorGroup::aux(const std::string& name) const {
  if (aux_) {
    const auto it = aux_->views.find(name);
    if (it != aux_->views.end()) return it->second;
  }
  return executors_[0]->aux(name);
}

void ExecutorGroup::load_batch(const Tensor& data, const Tensor& label) {
  int64_t begin = 0;
  for (size_t i = 0; i < executors_.size(); ++i) {
    const int64_t rows = slices_[i];
    executors_[i]->input("data").copy_from(executors_.size() == 1 ? data : rows_of(data, begin, rows));
    executors_[i]
        ->input("softmax_label")
        .copy_from(executors_.size() == 1 ? label : rows_of(label, begin, rows));
    begin += rows;
  }
}

void ExecutorGroup::forward(bool is_train) {
  for (auto& e : executors_) e->forward(is_train);
}

void ExecutorGroup::backward() {
  for (auto& e : executors_) e->backward();
  if (executors_.size() == 1 && !host_) return;
  if (nccl_) {
    std::vector<float*> buffers;
    for (auto& e : executors_) buffers.push_back(e->grad_buffer().f32());
    nccl_->sum(buffers, static_cast<size_t>(executors_[0]->grad_buffer().size()));
    return;
  }
  // Host: into the host master; FirstDevice: into executor 0's own gradients.
  const Tensor& total = host_ ? host_->grads : executors_[0]->grad_buffer();
  if (host_) total.copy_from(executors_[0]->grad_buffer());
  for (size_t i = 1; i < executors_.size(); ++i) {
    scratch_.copy_from(executors_[i]->grad_buffer());
    add_into(total, scratch_);
  }
}

void ExecutorGroup::push_params() {
  const Tensor& master = param_buffer();
  for (auto& e : executors_)
    if (e->param_buffer().raw() != master.raw()) e->param_buffer().copy_from(master);
}

void ExecutorGroup::push_aux() {
  if (!aux_) return;
  for (auto& e : executors_) e->aux_buffer().copy_from(aux_->mean);
}

void ExecutorGroup::pull_aux() {
  if (!aux_) return;
  Tensor& mean = aux_->mean;
  const Tensor part(mean.shape());
  mean.copy_from(executors_[0]->aux_buffer());
  for (size_t i = 1; i < executors_.size(); ++i) {
    part.copy_from(executors_[i]->aux_buffer());
    add_into(mean, part);
  }
  const float scale = 1.0f / static_cast<float>(executors_.size());
  float* p = mean.f32();
  for (int64_t i = 0; i < mean.size(); ++i) p[i] *= scale;
}

const Tensor& ExecutorGroup::output(size_t index) {
  if (executors_.size() == 1 && executors_[0]->device().is_cpu()) return executors_[0]->output(index);
  const Shape first = executors_[0]->output(index).shape();
  int64_t batch = 0;
  for (int64_t rows : slices_) batch += rows;
  Tensor& whole = outputs_[index];
  if (!whole.defined() || whole.shape() != with_batch(first, batch)) whole = Tensor(with_batch(first, batch));
  int64_t begin = 0;
  for (size_t i = 0; i < executors_.size(); ++i) {
    rows_of(whole, begin, slices_[i]).copy_from(executors_[i]->output(index));
    begin += slices_[i];
  }
  return whole;
}

std::string ExecutorGroup::rng_state() const {
  std::ostringstream os;
  for (size_t i = 0; i < executors_.size(); ++i) os << (i ? " " : "") << executors_[i]->rng();
  return os.str();
}

void ExecutorGroup::set_rng_state(const std::string& state) {
  // A state from fewer executors leaves the rest as seeded (operator>> keeps
  // an engine unchanged when the input runs out).
  std::istringstream is(state);
  for (auto& e : executors_) is >> e->rng();
}

}  // namespace fitbench
