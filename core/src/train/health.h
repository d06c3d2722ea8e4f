// Training health: whether a batch's numbers are finite, and, when they are
// not, which layer went bad first. The per-batch check reads the loss (from
// the outputs the metrics read anyway) and the master gradient buffer; the
// diagnosis, run only after a failed check, replays the batch's forward pass.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fitbench/executor_group.h"
#include "fitbench/observer.h"
#include "fitbench/symbol.h"

namespace fitbench {

// No NaN and no infinity among the float32 values of `t` (any device).
bool all_finite(const Tensor& t);

// Where the first non-finite value of a batch is, in the order the values are
// computed: the forward pass's weights and outputs, layer by layer in graph
// order, then the weights' gradients in the backward pass's reverse order.
struct NonFiniteSource {
  std::string layer;  // "fc3"
  std::string kind;   // "weight", "output" or "gradient"
  std::string entry;  // "fc3_weight", "fc3_output", "fc3_weight_grad"
};

// Finds the NonFiniteSource of the batch loaded in `group`. Executor 0's
// monitor callback must pass every output to observe(), which ignores them
// except while run() replays the batch's forward pass. The replay's random
// draws and aux-state updates are undone, so the run continues as if it had
// not happened.
class NonFiniteDiagnosis {
 public:
  std::optional<NonFiniteSource> run(const Symbol& symbol, ExecutorGroup& group);
  // For the executor's monitor callback: records `name` when it is being
  // collected and `value` is not finite.
  void observe(const std::string& name, const Tensor& value);

 private:
  bool collecting_ = false;
  std::vector<std::string> bad_outputs_;
};

// The sentence a person reads: what was seen, where, and what to do.
std::string describe_nonfinite(const NonFiniteEvent& event);

}  // namespace fitbench
