// Training health (health.h): the finiteness checks and the diagnosis.
#include "train/health.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "fitbench/error.h"
#include "train/pyformat.h"

namespace fitbench {

bool all_finite(const Tensor& t) {
  FB_ASSERT(t.dtype() == DType::Float32);
  const Tensor host = t.device().is_cpu() ? t : t.to(Device::cpu());
  const float* p = host.f32();
  const int64_t n = host.size();
  // A sum is NaN when any term is NaN or infinite (and overflow to infinity
  // needs values near float's own limit, which are worth reporting too).
  bool finite = true;
#pragma omp parallel for reduction(&& : finite) schedule(static)
  for (int64_t i = 0; i < n; ++i) finite = finite && std::isfinite(p[i]);
  return finite;
}

std::optional<NonFiniteSource> NonFiniteDiagnosis::run(const Symbol& symbol, ExecutorGroup& group) {
  // What the replay changes: the executors' random engines and BatchNorm's moving statistics.
  const std::string rng = group.rng_state();
  std::vector<Tensor> aux;
  for (size_t i = 0; i < group.size(); ++i) {
    const Tensor& a = group.executor(i).aux_buffer();
    aux.push_back(a.defined() ? a.to(Device::cpu()).clone() : Tensor());
  }
  bad_outputs_.clear();
  collecting_ = true;
  try {
    group.forward(true);
  } catch (...) {
    collecting_ = false;
    throw;
  }
  collecting_ = false;
  group.set_rng_state(rng);
  for (size_t i = 0; i < group.size(); ++i)
    if (aux[i].defined()) group.executor(i).aux_buffer().copy_from(aux[i]);

  const std::set<std::string> bad(bad_outputs_.begin(), bad_outputs_.end());
  const auto& params = group.param_names();
  const auto weights_of = [&](const SymbolNode& node) {
    std::vector<std::string> weights;
    for (const SymbolEntry& in : node.inputs)
      if (in.node->is_variable() && std::find(params.begin(), params.end(), in.node->name) != params.end())
        weights.push_back(in.node->name);
    return weights;
  };
  std::vector<std::shared_ptr<SymbolNode>> layers;
  for (const auto& node : symbol.topo_order())
    if (!node->is_variable()) layers.push_back(node);
  // Forward, in the order values are computed: each layer's weights, then its outputs.
  for (const auto& node : layers) {
    for (const auto& w : weights_of(*node))
      if (!all_finite(group.param(w))) return NonFiniteSource{node->name, "weight", w};
    for (const auto& out : node_output_names(*node))
      if (bad.count(out)) return NonFiniteSource{node->name, "output", out};
  }
  // Backward runs the layers in reverse.
  for (auto it = layers.rbegin(); it != layers.rend(); ++it)
    for (const auto& w : weights_of(**it))
      if (!all_finite(group.grad(w))) return NonFiniteSource{(*it)->name, "gradient", w + "_grad"};
  return std::nullopt;
}

void NonFiniteDiagnosis::observe(const std::string& name, const Tensor& value) {
  if (collecting_ && !all_finite(value)) bad_outputs_.push_back(name);
}

std::string describe_nonfinite(const NonFiniteEvent& e) {
  std::string text = printf_string("Epoch[%d] Batch [%lld]: the %s is not finite", e.epoch,
                                   static_cast<long long>(e.batch), e.quantity.c_str());
  if (e.layer.empty())
    text += "; every weight, output and gradient of the layers is finite, so the labels or the loss are at fault";
  else
    text += "; the first value to go non-finite is the " + e.kind + " of layer '" + e.layer + "' (" +
            e.entry + ")";
  return text;
}

}  // namespace fitbench
