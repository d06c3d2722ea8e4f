// Executor: binds a Symbol to shapes, plans memory, runs forward in
// topological order and backward in reverse.
//
// Memory: learnable parameters, their gradients and the auxiliary states each
// live in one contiguous buffer (one optimizer sweep, one all-reduce, one file
// write). Forward outputs are kept for backward; gradient buffers of internal
// entries come from a pool and return to it as soon as the producing layer
// has consumed them.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "fitbench/symbol.h"

namespace fitbench {

// Shapes of every argument, aux state and output once the inputs are known.
struct InferredShapes {
  std::map<std::string, Shape> arguments;
  std::map<std::string, Shape> aux_states;
  std::vector<Shape> outputs;
  // Output shape of every operator node, in topological order: (node name, op, shape).
  struct Layer {
    std::string name;
    std::string op;
    Shape shape;
  };
  std::vector<Layer> layers;
};

// Propagates `inputs` (data and label shapes, and any known parameter shapes)
// through the graph. A mismatch throws Error naming the layer and both shapes.
InferredShapes infer_shapes(const Symbol& symbol, const std::map<std::string, Shape>& inputs);

// Named parameters and aux states of a bound network: what set_params()
// fills and checkpoints read (an Executor, or an ExecutorGroup's master copy).
class ParameterSet {
 public:
  virtual ~ParameterSet() = default;
  virtual const std::vector<std::string>& param_names() const = 0;
  virtual const std::vector<std::string>& aux_names() const = 0;
  virtual const Tensor& param(const std::string& name) const = 0;
  virtual const Tensor& aux(const std::string& name) const = 0;
};

class Executor final : public ParameterSet {
 public:
  // Arguments named in `inputs` are fed by the caller (data, labels) and get
  // no gradient; every other argument is a learnable parameter. Every array
  // lives on `device`, and forward/backward run there.
  Executor(const Symbol& symbol, const std::map<std::string, Shape>& inputs, uint64_t seed = 0,
           Device device = Device::cpu());
  ~Executor() override;
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  Device device() const { return device_; }
  const std::vector<std::string>& param_names() const override { return param_names_; }
  const std::vector<std::string>& aux_names() const override { return aux_names_; }
  const Tensor& input(const std::string& name) const;
  const Tensor& param(const std::string& name) const override;
  const Tensor& grad(const std::string& name) const;
  const Tensor& aux(const std::string& name) const override;
  const Tensor& param_buffer() const { return param_buffer_; }
  const Tensor& grad_buffer() const { return grad_buffer_; }
  const Tensor& aux_buffer() const { return aux_buffer_; }
  const InferredShapes& shapes() const { return shapes_; }

  void forward(bool is_train);
  // Gradients of the loss heads with respect to every parameter.
  void backward();
  const Tensor& output(size_t index) const;
  size_t num_outputs() const;

  // Called after each layer's forward with "<layer>_output" and the tensor.
  using MonitorCallback = std::function<void(const std::string&, const Tensor&)>;
  void set_monitor_callback(MonitorCallback callback) { monitor_ = std::move(callback); }
  std::mt19937_64& rng() { return rng_; }

 private:
  struct Plan;
  Device device_;
  std::unique_ptr<Plan> plan_;
  InferredShapes shapes_;
  std::vector<std::string> param_names_, aux_names_;
  Tensor param_buffer_, grad_buffer_, aux_buffer_;
  std::map<std::string, Tensor> inputs_, params_, grads_, aux_;
  MonitorCallback monitor_;
  std::mt19937_64 rng_;
};

}  // namespace fitbench
