// Executor: binds a Symbol to shapes, plans memory, runs forward in
// topological order and backward in reverse.
//
// Memory: learnable parameters, their gradients and the auxiliary states each
// live in one contiguous buffer (one optimizer sweep, one all-reduce, one file
// write). Forward outputs are kept for backward. The gradients of internal
// entries share buffers planned once from the shapes: a buffer is free for
// another entry as soon as the layer that produced its entry is done.
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

// Bytes an Executor bound to these shapes allocates on its device, by part.
// The Executor allocates from the same plan, so this is what it takes, not a
// guess; only the allocator's own overhead is left out.
struct ExecutorFootprint {
  int64_t inputs = 0;                // data and labels
  int64_t params = 0;                // learnable parameters (one buffer)
  int64_t grads = 0;                 // their gradients (one buffer)
  int64_t aux = 0;                   // auxiliary states (one buffer)
  int64_t outputs = 0;               // every layer's outputs, kept for backward
  int64_t op_state = 0;              // what layers keep from forward to backward (Dropout's masks)
  int64_t backward = 0;              // backward's buffers for the gradients of layer outputs
  int64_t workspace = 0;             // scratch: the most one layer asks for
  std::vector<int64_t> param_sizes;  // floats of each learnable parameter, in param_names() order
  // The largest single array, for messages: "parameter 'fc_weight'", "the
  // output of layer 'conv1'" or "the input 'data'", and its shape.
  std::string largest;
  Shape largest_shape;
  int64_t largest_bytes = 0;
  int64_t total() const { return inputs + params + grads + aux + outputs + op_state + backward + workspace; }
};

// Plans an Executor without allocating anything. The workspace of a layer on
// a GPU is what cuDNN chooses there, so `device` is asked (made current).
ExecutorFootprint executor_footprint(const Symbol& symbol, const std::map<std::string, Shape>& inputs,
                                     Device device = Device::cpu());

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
  // lives on `device`, and forward/backward run there. On the CPU, a network
  // whose footprint exceeds the available memory throws Error, naming its
  // largest array, before anything is allocated.
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
